"""Embed -> ONNX: Gather of the weight rows by the truncated input, plus the bias."""
from __future__ import annotations

import numpy as np

from .registry import register


@register("Embed")
def embed(g, layer, xs, ys):
    w = np.asarray(layer.blobs[0], np.float32).reshape(layer.params.input_dim, -1)
    idx = g.op("Cast", xs, "indices", to=7)  # 7 = INT64; float -> int truncates
    if not layer.params.bias_term:
        g.node("Gather", [g.const("weight", w), idx], ys, axis=0)
        return
    y = g.op("Gather", [g.const("weight", w), idx], axis=0)
    g.node("Add", [y, g.const("bias", np.asarray(layer.blobs[1], np.float32).reshape(-1))], ys)
