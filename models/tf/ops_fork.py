"""Caffe-exact TensorFlow ops for the reference build's fork layers (``--fork inisis``):
ReLU6, HardSwish, HardSigmoid, PixelShuffle, Pad, nearest Upsample (4-D: NHWC)."""
from __future__ import annotations

import tensorflow as tf

from .layout import from_caffe, to_caffe


def relu6(x, p):
    """``min(max(x, 0) + negative_slope * min(x, 0), threshold)``."""
    y = tf.maximum(x, 0.0)
    if p.negative_slope != 0:
        y = y + p.negative_slope * tf.minimum(x, 0.0)
    return tf.minimum(y, p.threshold)


def hardswish(x, p=None):
    """``x * max(0, min(1, x / 6 + 0.5))``."""
    return x * tf.clip_by_value(x / 6.0 + 0.5, 0.0, 1.0)


def hardsigmoid(x, p):
    """``max(0, min(1, alpha * x + beta))``."""
    return tf.clip_by_value(x * p.alpha + p.beta, 0.0, 1.0)


def pixel_shuffle(x, p):
    """Channel ``c * r * r + i * r + j`` -> channel ``c`` at offset ``(i, j)`` (NHWC)."""
    r = p.upscale_factor
    n, h, w, c = tf.unstack(tf.shape(x))
    y = tf.reshape(x, [n, h, w, c // (r * r), r, r])
    y = tf.transpose(y, [0, 1, 4, 2, 5, 3])  # n, h, i, w, j, c
    return tf.reshape(y, [n, h * r, w * r, c // (r * r)])


def pad(x, p):
    """Pad (up, down, left, right) by CONSTANT value, REPLICATE or REFLECT; all
    negative: crop (NHWC)."""
    u, d, l, r = p.pads
    if u < 0:
        h, w = tf.shape(x)[1], tf.shape(x)[2]
        return x[:, -u:h + d, -l:w + r, :]
    if p.mode == "CONSTANT":
        return tf.pad(x, [[0, 0], [u, d], [l, r], [0, 0]], constant_values=p.value)
    if p.mode == "REFLECT":
        return tf.pad(x, [[0, 0], [u, d], [l, r], [0, 0]], mode="REFLECT")
    x = tf.concat([tf.repeat(x[:, :1], u, 1), x, tf.repeat(x[:, -1:], d, 1)], 1)
    return tf.concat([tf.repeat(x[:, :, :1], l, 2), x, tf.repeat(x[:, :, -1:], r, 2)], 2)


def upsample_nearest(x, p):
    """Each of the last ``p.axes`` Caffe axes repeated ``p.scale`` times."""
    xc = to_caffe(x)
    rank = xc.shape.rank
    for a in range(rank - p.axes, rank):
        xc = tf.repeat(xc, p.scale, axis=a)
    return from_caffe(xc)
