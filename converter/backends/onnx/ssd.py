"""SSD's Normalize and Permute -> ONNX."""
from __future__ import annotations

import numpy as np

from ...layers.ssd import permute_order
from .registry import register


@register("Normalize")
def normalize(g, layer, xs, ys):
    """``x * (1 / sqrt(sum x^2 + eps))`` (across_spatial) or ``x / sqrt(sum_c x^2 + eps)``,
    times the scale."""
    p, x = layer.params, xs[0]
    rank = g.rank(x)
    sq = g.op("Mul", [x, x])
    if p.across_spatial:
        s = g.op("ReduceSum", [sq, g.ints(list(range(1, rank)), "axes")], keepdims=1)
        norm = g.op("Sqrt", [g.op("Add", [s, g.scalar(p.eps, "eps")])])
        y = g.op("Mul", [x, g.op("Reciprocal", [norm])])
    else:
        s = g.op("ReduceSum", [sq, g.ints([1], "axes")], keepdims=1)
        y = g.op("Div", [x, g.op("Sqrt", [g.op("Add", [s, g.scalar(p.eps, "eps")])])])
    scale = np.asarray(layer.blobs[0], np.float32)
    shape = () if p.channel_shared else (-1,) + (1,) * (rank - 2)
    g.node("Mul", [y, g.const("scale", scale.reshape(shape))], ys)


@register("Permute")
def permute(g, layer, xs, ys):
    g.node("Transpose", xs, ys, perm=list(permute_order(layer.params, g.rank(xs[0]))))
