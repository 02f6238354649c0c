"""SPP -> TF: per-level Pooling (levels from the Caffe shapes), flattened in Caffe's
order and concatenated."""
from __future__ import annotations

import tensorflow as tf

from ....converter.layers.spp import spp_levels
from .. import ops
from ..layout import to_caffe
from .registry import op, register


@register("SPP")
def spp(layer, shapes):
    """Caffe SPP (``converter.layers.spp``)."""
    p = layer.params
    levels = spp_levels(p, *shapes[0][2:])

    def fn(xs, training):
        ys = [ops.pool2d(xs[0], lv) for lv in levels]
        if len(ys) == 1:
            return ys[0]
        n = tf.shape(xs[0])[0]
        return tf.concat([tf.reshape(to_caffe(y), [n, -1]) for y in ys], 1)

    return op(layer, fn)
