"""BatchNorm, Scale, Bias and LRN."""
from __future__ import annotations

import numpy as np

from caffe2ss.converter.layers.norm import batchnorm_mean_var, broadcast_shape, param_axes

from .registry import register


def _channel(g, x, vec):
    """A per-channel (axis 1) vector shaped to broadcast against ``x``."""
    return np.asarray(vec, np.float32).reshape((-1,) + (1,) * max(0, g.rank(x) - 2))


@register("BatchNorm")
def batch_norm(g, layer, xs, ys):
    """``(x - mean) / sqrt(var + eps)`` with Caffe's stored sums divided by the scale
    factor (``f = 0 if s == 0 else 1/s``: the zero guard), done as Sub + Div with the
    denominator computed in float32 exactly as Caffe does (add eps, then the root).
    """
    x = xs[0]
    mean, var = batchnorm_mean_var(layer.blobs)  # Caffe's scale-factor division
    denom = np.sqrt(var + np.float32(layer.params.eps)).astype(np.float32)
    centred = g.op("Sub", [x, g.const("mean", _channel(g, x, mean))])
    g.node("Div", [centred, g.const("std", _channel(g, x, denom))], ys)


def _affine(g, layer, xs, ys, scale: bool):
    """Scale (``x * gamma [+ beta]``) or Bias (``x + beta``) with Caffe broadcasting:
    the parameter spans axes [axis, axis + n) and is 1 everywhere else."""
    p = layer.params
    x = xs[0]
    rank = g.rank(x)
    other = g.shapes[xs[1]] if p.two_bottoms else None
    axis, pshape = param_axes(p, g.shapes[x], other)
    bshape = broadcast_shape(rank, axis, pshape)
    blobs = list(layer.blobs)
    if p.two_bottoms:  # the parameter is bottom[1]: append trailing unit axes
        trailing = list(range(axis + len(pshape), rank))
        param = xs[1] if not trailing else g.op(
            "Unsqueeze", [xs[1], g.ints([a - axis for a in trailing], "axes")])
    else:
        param = g.const("gamma" if scale else "beta", blobs.pop(0).reshape(bshape))
    if not scale:
        g.node("Add", [x, param], ys)
        return
    if not p.bias_term:
        g.node("Mul", [x, param], ys)
        return
    y = g.op("Mul", [x, param])  # Caffe: multiply, then add the bias
    g.node("Add", [y, g.const("beta", blobs[0].reshape(bshape))], ys)


@register("Scale")
def scale(g, layer, xs, ys):
    _affine(g, layer, xs, ys, scale=True)


@register("Bias")
def bias(g, layer, xs, ys):
    _affine(g, layer, xs, ys, scale=False)


@register("LRN")
def lrn(g, layer, xs, ys):
    """ACROSS_CHANNELS: ONNX LRN, whose alpha is divided by ``size`` like Caffe's
    (``k + alpha/n * sum x^2``), so alpha passes through unchanged.

    WITHIN_CHANNEL: Caffe's sublayers: x^2 -> AVE pool n x n (pad (n-1)/2, divisor n^2
    everywhere) -> ``(1 + alpha * avg) ** -beta`` -> times x. ``k`` is ignored there.
    """
    p = layer.params
    x = xs[0]
    if p.region == "ACROSS_CHANNELS":
        g.node("LRN", [x], ys, size=p.local_size, alpha=float(p.alpha),
               beta=float(p.beta), bias=float(p.k))
        return
    n, half = p.local_size, (p.local_size - 1) // 2
    sq = g.op("Mul", [x, x])
    avg = g.op("AveragePool", [sq], kernel_shape=[n, n], pads=[half] * 4,
               count_include_pad=1)  # stride 1: every window is whole (n^2 divisor)
    base = g.op("Add", [g.op("Mul", [avg, g.scalar(p.alpha, "alpha")]),
                        g.scalar(1.0, "one")])  # shift fixed at 1: k not used
    g.node("Mul", [x, g.op("Pow", [base, g.scalar(-p.beta, "neg_beta")])], ys)
