"""Math and axis layers -> ONNX: Exp, Log, BNLL, Threshold, Clip, Swish, ArgMax,
Reduction, MVN, Tile (weightless; formulas as in ``models/torch/ops_math.py``)."""
from __future__ import annotations

from .registry import register

FLOAT = 1  # onnx TensorProto.FLOAT
INT64_MIN = -2**63


def _scaled(g, x, value, op="Mul", hint="scale"):
    """``x op value``, skipped when it is the identity."""
    if (op == "Mul" and value == 1) or (op == "Add" and value == 0):
        return x
    return g.op(op, [x, g.scalar(value, hint)])


@register("Exp")
def exp(g, layer, xs, ys):
    """``outer * exp(inner * x)``."""
    p = layer.params
    y = g.op("Exp", [_scaled(g, xs[0], p.inner, hint="inner")])
    g.node("Mul", [y, g.scalar(p.outer, "outer")], ys)


@register("Log")
def log(g, layer, xs, ys):
    """``base_scale * log(shift + scale * x)``."""
    p = layer.params
    y = _scaled(g, _scaled(g, xs[0], p.scale), p.shift, "Add", "shift")
    g.node("Mul", [g.op("Log", [y]), g.scalar(p.base_scale, "base_scale")], ys)


@register("BNLL")
def bnll(g, layer, xs, ys):
    """``x + log(1 + exp(-x))`` for ``x > 0``, else ``log(1 + exp(x))``."""
    x, one = xs[0], g.scalar(1.0, "one")
    pos = g.op("Add", [x, g.op("Log", [g.op("Add", [one, g.op("Exp", [g.op("Neg", [x])])])])])
    neg = g.op("Log", [g.op("Add", [one, g.op("Exp", [x])])])
    g.node("Where", [g.op("Greater", [x, g.scalar(0.0, "zero")]), pos, neg], ys)


@register("Threshold")
def threshold(g, layer, xs, ys):
    """``1`` where ``x > threshold``, else ``0``."""
    t = g.op("Greater", [xs[0], g.scalar(layer.params.threshold, "threshold")])
    g.node("Cast", [t], ys, to=FLOAT)


@register("Clip")
def clip(g, layer, xs, ys):
    """``max(min, min(x, max))``."""
    p = layer.params
    g.node("Max", [g.op("Min", [xs[0], g.scalar(p.max, "max")]), g.scalar(p.min, "min")], ys)


@register("Swish")
def swish(g, layer, xs, ys):
    """``x * sigmoid(beta * x)``."""
    s = g.op("Sigmoid", [_scaled(g, xs[0], layer.params.beta, hint="beta")])
    g.node("Mul", [xs[0], s], ys)


def _topk(g, x, axis: int, k: int, n):
    """(float indices, values) of the top k along ``axis``, ties to the larger index:
    TopK on the reversed axis (ONNX: ties to the lower index) mapped back."""
    rev = g.op("Slice", [x, g.ints([-1], "starts"), g.ints([INT64_MIN], "ends"),
                         g.ints([axis], "axes"), g.ints([-1], "steps")], "reversed")
    val, pos = g.fresh(f"{g.scope}/values"), g.fresh(f"{g.scope}/positions")
    g.node("TopK", [rev, g.ints([k], "k")], [val, pos], axis=axis, largest=1, sorted=1)
    last = (n - 1).tensor()  # n: the axis size, a Dim
    idx = g.op("Sub", [last, pos], "indices")
    return g.op("Cast", [idx], "indices_f", to=FLOAT), val


@register("ArgMax")
def argmax(g, layer, xs, ys):
    """Caffe ArgMax: per axis, or flat over C*H*W giving ``(N, 1|2, k, 1...)``."""
    p, x = layer.params, xs[0]
    rank = g.rank(x)
    if p.axis is not None:
        a = p.axis % rank
        idx, val = _topk(g, x, a, p.top_k, g.dim(x, a))
        g.node("Identity", [val if p.out_max_val else idx], ys)
        return
    flat = g.op("Reshape", [x, g.ints([0, -1])], "flat")
    n = g.dim(x, 1)
    for a in range(2, rank):
        n = n * g.dim(x, a)
    idx, val = _topk(g, flat, 1, p.top_k, n)
    y = g.op("Concat", [idx, val], axis=1) if p.out_max_val else idx
    shape = [0, 2 if p.out_max_val else 1, p.top_k] + [1] * (max(3, rank) - 3)
    g.node("Reshape", [y, g.ints(shape)], ys)


def _reduce_tail(g, x, lead: int, op: str, keep: int):
    """``op`` (ReduceSum/ReduceMean) over all axes >= ``lead`` (flattened first)."""
    flat = g.op("Reshape", [x, g.ints([0] * lead + [-1])], "flat")
    if op == "ReduceMean" and g.opset < 18:  # axes became an input in opset 18
        return g.op(op, [flat], axes=[-1], keepdims=keep), flat
    return g.op(op, [flat, g.ints([-1], "axes")], keepdims=keep), flat


@register("Reduction")
def reduction(g, layer, xs, ys):
    """SUM, ASUM, SUMSQ or MEAN over axes >= ``axis``, times ``coeff``."""
    p, x = layer.params, xs[0]
    a = p.axis % g.rank(x)
    if p.op == "ASUM":
        x = g.op("Abs", [x])
    elif p.op == "SUMSQ":
        x = g.op("Mul", [x, x])
    y, _ = _reduce_tail(g, x, a, "ReduceMean" if p.op == "MEAN" else "ReduceSum", 0)
    g.node("Mul", [y, g.scalar(p.coeff, "coeff")], ys)


@register("MVN")
def mvn(g, layer, xs, ys):
    """``(x - E x) / (sqrt(E (x - E x)^2) + eps)`` per item or per (item, channel)."""
    p, x = layer.params, xs[0]
    lead = 1 if p.across_channels else 2
    mean, flat = _reduce_tail(g, x, lead, "ReduceMean", 1)
    d = g.op("Sub", [flat, mean], "centered")
    if p.normalize_variance:
        var, _ = _reduce_tail(g, g.op("Mul", [d, d]), lead, "ReduceMean", 1)
        std = g.op("Add", [g.op("Sqrt", [var]), g.scalar(p.eps, "eps")], "std")
        d = g.op("Div", [d, std])
    g.node("Reshape", [d, g.op("Shape", [x])], ys)


@register("Tile")
def tile(g, layer, xs, ys):
    """Repeat the block of axes >= ``axis`` ``tiles`` times along ``axis``."""
    p, x = layer.params, xs[0]
    reps = [1] * g.rank(x)
    reps[p.axis % g.rank(x)] = p.tiles
    g.node("Tile", [x, g.ints(reps, "repeats")], ys)
