"""PSPNet's BN -> ONNX: ``(x - mean) * (var + eps)^-1/2 * slope + bias``."""
from __future__ import annotations

import numpy as np

from ...layers.bn import bn_arrays
from .registry import register


@register("BN")
def bn(g, layer, xs, ys):
    """Per-channel constants shaped ``(C, 1, ...)`` against NCHW; Caffe's order of ops."""
    slope, bias, mean, var = bn_arrays(layer.blobs)
    shape = (-1,) + (1,) * (g.rank(xs[0]) - 2)
    inv = np.power(var + np.float32(layer.params.eps), np.float32(-0.5)).astype(np.float32)
    c = {k: g.const(k, v.reshape(shape)) for k, v in
         (("mean", mean), ("inv_std", inv), ("slope", slope), ("bias", bias))}
    y = g.op("Mul", [g.op("Sub", [xs[0], c["mean"]]), c["inv_std"]])
    g.node("Add", [g.op("Mul", [y, c["slope"]]), c["bias"]], ys)
