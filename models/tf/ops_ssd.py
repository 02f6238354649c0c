"""SSD's Normalize and Permute in TensorFlow (4-D: NHWC); PriorBox and DetectionOutput
from their numpy transcriptions (``converter.layers.priorbox`` / ``.detection``)."""
from __future__ import annotations

import tensorflow as tf

from ...converter.layers.detection import detection_output as _detection_output
from ...converter.layers.priorbox import prior_boxes
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


def prior_box(feature, image, p, built):
    """The priors (1, 2, H*W*num_priors*4) of the NHWC bottoms' static sizes (``built``:
    the Caffe H, W of both bottoms at build time, for sizes unknown while tracing)."""
    hw = [tuple(t.shape[1:3]) for t in (feature, image)]
    hw = [s if None not in s else b for s, b in zip(hw, built)]
    return tf.constant(prior_boxes(p, hw[0], hw[1]))


def detection_output(loc, conf, prior, p, layer=None):
    """SSD's DetectionOutput via ``tf.numpy_function``: (1, 1, rows, 7) in Caffe's order,
    returned in our layout (NHWC: (1, rows, 7, 1))."""
    y = tf.numpy_function(lambda a, b, c: _detection_output(p, a, b, c, layer=layer),
                          [to_caffe(loc), to_caffe(conf), to_caffe(prior)], tf.float32,
                          stateful=False)
    y.set_shape([1, 1, None, 7])
    return from_caffe(y)
