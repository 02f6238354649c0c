"""Caffe-exact TensorFlow ops other than the spatial ones (convolution, pooling, crop:
``ops.py``): Eltwise, InnerProduct, BatchNorm, Scale/Bias, LRN, Softmax, the
activations. Tensors follow ``layout.py`` (4-D NHWC, else Caffe order).
"""
from __future__ import annotations

import tensorflow as tf

from .layout import broadcast, canonical, from_caffe, tf_axis, to_caffe
from ...converter.layers.formulas import power_constant
from ...converter.layers.pool import PoolParams
from .ops import pool2d


def eltwise(xs, p):
    """Caffe Eltwise (``p``: EltwiseParams): ``SUM`` (``sum_i coeff_i * x_i``, in bottom
    order), ``PROD``, ``MAX``."""
    op = p.op
    if op == "PROD":
        y = xs[0]
        for x in xs[1:]:
            y = y * x
        return y
    if op == "MAX":  # Caffe's loop: a > b ? a : b, then x > top ? x : top (NaN order)
        y = tf.where(xs[0] > xs[1], xs[0], xs[1])
        for x in xs[2:]:
            y = tf.where(x > y, x, y)
        return y
    coeffs = list(p.coeffs) or [1.0] * len(xs)
    y = xs[0] if coeffs[0] == 1 else coeffs[0] * xs[0]
    for c, x in zip(coeffs[1:], xs[1:]):
        y = y + x if c == 1 else y + c * x
    return y


def inner_product(x, kernel, bias, p):
    """Caffe InnerProduct (``p``: InnerProductParams). ``kernel`` is ``(K, N)`` whatever
    ``p.transpose`` says (the converter stores it so).

    Caffe flattens axes >= ``axis`` in C,H,W order. For the usual 4-D input with axis 1
    we flatten NHWC directly, so the converter stores the kernel rows reordered to
    H,W,C (docs/caffe-semantics.md 5.4); any other axis flattens in Caffe's own order.
    """
    ndim = x.shape.rank
    a = canonical(p.axis, ndim)
    if not (ndim == 4 and a == 1):
        x = to_caffe(x)
    lead = tf.shape(x)[:a]
    y = tf.matmul(tf.reshape(x, [-1, kernel.shape[0]]), kernel)
    if bias is not None:
        y = y + bias
    y = tf.reshape(y, tf.concat([lead, [kernel.shape[1]]], axis=0))
    return from_caffe(tf.ensure_shape(y, [None] * a + [kernel.shape[1]]))


def channel_param(p, x):
    """Broadcast a per-channel parameter (Caffe axis 1; one value for a 1-D input)."""
    ndim = x.shape.rank
    return broadcast(p, ndim, [tf_axis(1, ndim)]) if ndim > 1 else p


def batch_norm(x, mean, variance, eps: float):
    """Caffe BatchNorm with global stats: ``(x - mean) / sqrt(var + eps)``.

    ``mean``/``variance`` are already divided by Caffe's scale factor (the converter does
    it, with Caffe's guard for a zero factor).
    """
    return (x - channel_param(mean, x)) / tf.sqrt(channel_param(variance, x) + eps)


def affine(x, gamma=None, beta=None, axes=()):
    """Caffe Scale / Bias: ``x * gamma + beta``, parameters in TF layout over tensor ``axes``."""
    ndim = x.shape.rank
    if gamma is not None:
        x = x * broadcast(gamma, ndim, axes)
    return x if beta is None else x + broadcast(beta, ndim, axes)


def relu(x, negative_slope: float = 0.0):
    """Caffe ReLU: ``max(x, 0) + slope * min(x, 0)`` (not leaky_relu's max(x, a*x))."""
    if negative_slope == 0:
        return tf.nn.relu(x)
    return tf.maximum(x, 0.0) + negative_slope * tf.minimum(x, 0.0)


def prelu(x, alpha):
    """Caffe PReLU; ``alpha`` per channel ``(C,)`` or shared (a scalar)."""
    a = channel_param(alpha, x) if alpha.shape.rank else alpha
    return tf.maximum(x, 0.0) + a * tf.minimum(x, 0.0)


def elu(x, alpha: float = 1.0):
    """Caffe ELU: ``max(x, 0) + alpha * (exp(min(x, 0)) - 1)``."""
    return tf.maximum(x, 0.0) + alpha * (tf.exp(tf.minimum(x, 0.0)) - 1.0)


def power(x, p):
    """Caffe Power (``p``: PowerParams): ``(shift + scale * x) ** power`` with Caffe's
    constant special cases."""
    power, scale, shift = p.power, p.scale, p.shift
    value = power_constant(p)  # Caffe: constant 1 or shift^power
    if value is not None:
        return tf.fill(tf.shape(x), value)
    y = x * scale if scale != 1 else x
    y = y + shift if shift != 0 else y
    return tf.pow(y, power) if power != 1 else tf.identity(y)


def dropout(x, ratio: float, training=False):
    """Caffe Dropout: identity at test time; inverted dropout when training."""
    return tf.nn.dropout(x, rate=ratio) if training else tf.identity(x)


def lrn(x, p):
    """Caffe LRN on NHWC (``p``: LRNParams). Caffe divides ``alpha`` by the window size."""
    local_size, alpha, beta, k, region = p.local_size, p.alpha, p.beta, p.k, p.region
    if region == "ACROSS_CHANNELS":
        return tf.nn.local_response_normalization(
            x, depth_radius=(local_size - 1) // 2, bias=k, alpha=alpha / local_size, beta=beta)
    # WITHIN_CHANNEL: AVE pool of x^2 (divisor n^2 everywhere), then (1 + alpha*.)^-beta;
    # Caffe fixes the shift at 1 here, so k is ignored.
    pad = (local_size - 1) // 2
    mean_sq = pool2d(x * x, PoolParams("AVE", (local_size,) * 2, (1, 1), (pad, pad), False))
    return x * tf.pow(1.0 + alpha * mean_sq, -beta)


def softmax(x, axis: int = 1):
    """Caffe Softmax over Caffe axis ``axis`` (channels: the last NHWC axis)."""
    rank, a = x.shape.rank, tf_axis(axis, x.shape.rank)
    if rank <= 5:
        return tf.nn.softmax(x, axis=a)
    s = tf.shape(x)  # TF's Softmax kernel takes at most 5 dims: (outer, C, inner)
    y = tf.reshape(x, tf.stack([tf.reduce_prod(s[:a]), s[a], tf.reduce_prod(s[a + 1:])]))
    return tf.reshape(tf.nn.softmax(y, axis=1), s)
