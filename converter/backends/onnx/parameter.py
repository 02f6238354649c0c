"""Parameter -> ONNX: the blob as an initializer, the top its Identity."""
from __future__ import annotations

import numpy as np

from .registry import register


@register("Parameter")
def parameter(g, layer, xs, ys):
    blob = np.asarray(layer.blobs[0], np.float32).reshape(layer.params.shape)
    g.node("Identity", [g.const("weight", blob)], ys)
