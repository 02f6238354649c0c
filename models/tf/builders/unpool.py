"""Upsample -> TF: SegNet's unpooling by a Pooling mask, or the inisis build's nearest."""
from __future__ import annotations

import tensorflow as tf

from ....converter.layers.unpool import NearestParams
from .. import ops_fork, ops_unpool
from .registry import TFLayer, op, register


@register("Upsample")
def upsample(layer, shapes) -> TFLayer:
    """SegNet's Upsample (``models.tf.ops_unpool.unpool``); output size from Caffe's shapes."""
    p = layer.params
    if isinstance(p, NearestParams):  # the inisis build's nearest upsampling
        return op(layer, lambda xs, training: ops_fork.upsample_nearest(xs[0], p))

    def fn(xs, training):
        h, w = tf.shape(xs[0])[1], tf.shape(xs[0])[2]
        if p.size is not None:
            oh, ow = p.size
        else:
            oh, ow = h * p.scale[0] - p.pad_out[0], w * p.scale[1] - p.pad_out[1]
        return ops_unpool.unpool(xs[0], xs[1], oh, ow)

    return op(layer, fn)
