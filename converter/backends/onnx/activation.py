"""Element-wise layers: ReLU, PReLU, ELU, Sigmoid, TanH, AbsVal, Power, Dropout."""
from __future__ import annotations

import numpy as np

from caffe2ss.converter.layers.formulas import power_constant

from .registry import register


@register("ReLU")
def relu(g, layer, xs, ys):
    """``max(x, 0) + slope * min(x, 0)``: LeakyRelu when the slope is not 0."""
    slope = layer.params.negative_slope
    if slope == 0.0:
        g.node("Relu", xs, ys)
    else:
        g.node("LeakyRelu", xs, ys, alpha=float(slope))


@register("PReLU")
def prelu(g, layer, xs, ys):
    """Slopes (C,) broadcast over channel axis 1; channel_shared: one scalar slope."""
    slope = np.asarray(layer.blobs[0], dtype=np.float32).reshape(-1)
    rank = g.rank(xs[0])
    if not layer.params.channel_shared and rank > 2:
        slope = slope.reshape((-1,) + (1,) * (rank - 2))  # (C, 1, 1) against NCHW
    g.node("PRelu", [xs[0], g.const("slope", slope)], ys)


@register("ELU")
def elu(g, layer, xs, ys):
    """``max(x, 0) + alpha * (exp(min(x, 0)) - 1)``."""
    g.node("Elu", xs, ys, alpha=float(layer.params.alpha))


@register("Sigmoid")
def sigmoid(g, layer, xs, ys):
    g.node("Sigmoid", xs, ys)


@register("TanH")
def tanh(g, layer, xs, ys):
    g.node("Tanh", xs, ys)


@register("AbsVal")
def absval(g, layer, xs, ys):
    g.node("Abs", xs, ys)


@register("Dropout")
def dropout(g, layer, xs, ys):
    """Identity at test time (Caffe scales during training only)."""
    g.node("Identity", xs, ys)


@register("Power")
def power(g, layer, xs, ys):
    """``(shift + scale * x) ** power`` in Caffe's order: scale, then shift, then pow.

    If ``power * scale == 0`` Caffe writes a constant without reading x: 1 when
    power is 0, else ``shift ** power`` (computed in float32 like Caffe's powf).
    """
    p = layer.params
    x = xs[0]
    value = power_constant(p)  # Caffe tests the float32 product; powf: NaN if shift < 0
    if value is not None:
        fill = g.const("value", np.full((1,), value, np.float32))
        g.node("Expand", [fill, g.op("Shape", [x])], ys)
        return
    steps = []
    if p.scale != 1.0:
        steps.append(("Mul", p.scale))
    if p.shift != 0.0:
        steps.append(("Add", p.shift))
    if p.power != 1.0:
        steps.append(("Pow", p.power))
    if not steps:
        g.node("Identity", [x], ys)
    for i, (op, value) in enumerate(steps):
        out = ys if i == len(steps) - 1 else [g.fresh(f"{layer.name}/{op}")]
        x = g.node(op, [x, g.scalar(value, op.lower())], out)[0]
