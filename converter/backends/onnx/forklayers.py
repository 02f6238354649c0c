"""The reference build's fork layers -> ONNX: ReLU6, HardSwish, HardSigmoid,
PixelShuffle, Pad, MaxUnPool, and the nearest Upsample (weightless)."""
from __future__ import annotations

from .registry import register
from .unpool import unpool


@register("ReLU6")
def relu6(g, layer, xs, ys):
    """``min(max(x, 0) + negative_slope * min(x, 0), threshold)``."""
    p = layer.params
    y = g.op("Relu", xs) if p.negative_slope == 0 else \
        g.op("LeakyRelu", xs, alpha=float(p.negative_slope))
    g.node("Min", [y, g.scalar(p.threshold, "threshold")], ys)


@register("HardSwish")
def hardswish(g, layer, xs, ys):
    """``x * max(0, min(1, x / 6 + 0.5))``."""
    t = g.op("Add", [g.op("Div", [xs[0], g.scalar(6.0, "six")]), g.scalar(0.5, "half")])
    t = g.op("Max", [g.op("Min", [t, g.scalar(1.0, "one")]), g.scalar(0.0, "zero")])
    g.node("Mul", [xs[0], t], ys)


@register("HardSigmoid")
def hardsigmoid(g, layer, xs, ys):
    """``max(0, min(1, alpha * x + beta))``."""
    p = layer.params
    t = g.op("Add", [g.op("Mul", [xs[0], g.scalar(p.alpha, "alpha")]), g.scalar(p.beta, "beta")])
    g.node("Max", [g.op("Min", [t, g.scalar(1.0, "one")]), g.scalar(0.0, "zero")], ys)


@register("PixelShuffle")
def pixel_shuffle(g, layer, xs, ys):
    """DepthToSpace in CRD order: channel ``c * r * r + i * r + j``."""
    g.node("DepthToSpace", xs, ys, blocksize=layer.params.upscale_factor, mode="CRD")


@register("Pad")
def pad(g, layer, xs, ys):
    """Pad by value / edge / reflect; all negative pads: a crop (Slice)."""
    p = layer.params
    u, d, l, r = p.pads
    x = xs[0]
    if u < 0:
        h, w = g.dim(x, 2), g.dim(x, 3)
        g.node("Slice", [x, g.ints([-u, -l], "starts"), g.dims([h + d, w + r], "ends"),
                         g.ints([2, 3], "axes")], ys)
        return
    mode = {"CONSTANT": "constant", "REPLICATE": "edge", "REFLECT": "reflect"}[p.mode]
    inputs = [x, g.ints([0, 0, u, l, 0, 0, d, r], "pads")]
    if mode == "constant":
        inputs.append(g.scalar(p.value, "pad_value"))
    g.node("Pad", inputs, ys, mode=mode)


@register("MaxUnPool")
def max_unpool(g, layer, xs, ys):
    """Unpooling by a Pooling mask to ``dst_h x dst_w``."""
    unpool(g, layer, xs[0], xs[1], ys[0], *layer.params.size)
