"""SSD's Normalize and Permute in TensorFlow (4-D: NHWC)."""
from __future__ import annotations

import tensorflow as tf

from ...converter.layers.ssd import permute_order
from .layout import from_caffe, tf_axis, to_caffe


def normalize(x, scale, p):
    """``x / sqrt(sum x^2 + eps)`` over C*H*W (across_spatial) or over C per position,
    then times ``scale`` (a scalar or per channel)."""
    rank = x.shape.rank
    c = tf_axis(1, rank)
    sq = x * x
    if p.across_spatial:
        norm = tf.sqrt(tf.reduce_sum(sq, list(range(1, rank)), keepdims=True) + p.eps)
        y = x * (1.0 / norm)
    else:
        y = x / tf.sqrt(tf.reduce_sum(sq, [c], keepdims=True) + p.eps)
    if p.channel_shared:
        return y * tf.reshape(scale, [])
    shape = [1] * rank
    shape[c] = -1
    return y * tf.reshape(scale, shape)


def permute(x, p):
    """Axes in SSD's completed ``order`` (computed in Caffe's order)."""
    xc = to_caffe(x)
    return from_caffe(tf.transpose(xc, permute_order(p, xc.shape.rank)))
