"""Caffe-exact TensorFlow ops for the element-wise math and axis layers: Exp, Log, BNLL,
Threshold, Clip, Swish, ArgMax, Reduction, MVN, Tile. Axis ops compute in Caffe's
order (``layout.to_caffe``) and hand back our layout (4-D: NHWC)."""
from __future__ import annotations

import tensorflow as tf

from .layout import from_caffe, to_caffe


def exp(x, p):
    """``outer * exp(inner * x)`` (Caffe's exp_layer)."""
    y = tf.exp(x * p.inner if p.inner != 1 else x)
    return y * p.outer if p.outer != 1 else y


def log(x, p):
    """``base_scale * log(shift + scale * x)`` in Caffe's order."""
    y = x * p.scale if p.scale != 1 else x
    y = y + p.shift if p.shift != 0 else y
    y = tf.math.log(y)
    return y * p.base_scale if p.base_scale != 1 else y


def bnll(x, p=None):
    """``x + log(1 + exp(-x))`` for ``x > 0``, else ``log(1 + exp(x))``."""
    return tf.where(x > 0, x + tf.math.log1p(tf.exp(-x)), tf.math.log1p(tf.exp(x)))


def threshold(x, p):
    """``1`` where ``x > p.threshold``, else ``0``."""
    return tf.cast(x > p.threshold, x.dtype)


def clip(x, p):
    """``max(min, min(x, max))``."""
    return tf.maximum(tf.minimum(x, p.max), p.min)


def swish(x, p):
    """``x * sigmoid(p.beta * x)``."""
    return x * tf.sigmoid(x * p.beta if p.beta != 1 else x)


def _topk_last(x, k: int):
    """Top-k on the last axis with ties to the larger index (Caffe's std::greater)."""
    n = tf.shape(x)[-1]
    val, pos = tf.math.top_k(tf.reverse(x, [-1]), k=k, sorted=True)  # ties: lower first
    return tf.cast(n - 1 - pos, x.dtype), val


def _move_last(x, a: int):
    perm = [i for i in range(x.shape.rank) if i != a] + [a]
    return tf.transpose(x, perm), perm


def argmax(x, p):
    """Caffe ArgMax (see ``converter/layers/reduce.py``)."""
    x = to_caffe(x)
    rank = x.shape.rank
    if p.axis is None:
        idx, val = _topk_last(tf.reshape(x, [tf.shape(x)[0], -1]), p.top_k)
        y = tf.stack([idx, val], 1) if p.out_max_val else idx[:, None]
        shape = [2 if p.out_max_val else 1, p.top_k] + [1] * (max(3, rank) - 3)
        return from_caffe(tf.reshape(y, tf.concat([tf.shape(x)[:1], shape], 0)))
    a = p.axis % rank
    xt, perm = _move_last(x, a)
    idx, val = _topk_last(xt, p.top_k)
    inv = [perm.index(i) for i in range(rank)]
    return from_caffe(tf.transpose(val if p.out_max_val else idx, inv))


def reduction(x, p):
    """Caffe Reduction over axes >= ``axis``: SUM, ASUM, SUMSQ, MEAN, times ``coeff``."""
    x = to_caffe(x)
    a = p.axis % x.shape.rank
    flat = tf.reshape(x, tf.concat([tf.shape(x)[:a], [-1]], 0))
    if p.op == "ASUM":
        flat = tf.abs(flat)
    elif p.op == "SUMSQ":
        flat = flat * flat
    y = tf.reduce_sum(flat, -1)
    coeff = p.coeff / tf.cast(tf.shape(flat)[-1], x.dtype) if p.op == "MEAN" else p.coeff
    return from_caffe(y * coeff if p.op == "MEAN" or coeff != 1 else y)


def mvn(x, p):
    """``(x - E x) / (sqrt(E (x - E x)^2) + eps)`` per item or per (item, channel)."""
    xc = to_caffe(x)
    lead = 1 if p.across_channels else 2
    flat = tf.reshape(xc, tf.concat([tf.shape(xc)[:lead], [-1]], 0))
    d = flat - tf.reduce_mean(flat, -1, keepdims=True)
    if p.normalize_variance:
        d = d / (tf.sqrt(tf.reduce_mean(d * d, -1, keepdims=True)) + p.eps)
    return from_caffe(tf.reshape(d, tf.shape(xc)))


def tile(x, p):
    """Repeat the block of axes >= ``axis`` ``tiles`` times along ``axis``."""
    xc = to_caffe(x)
    reps = [1] * xc.shape.rank
    reps[p.axis % xc.shape.rank] = p.tiles
    return from_caffe(tf.tile(xc, reps))
