"""Pooling -> TF: ceil mode + pad clipping by explicit padding, Caffe's AVE divisor; a
second top is the MAX mask (``models.tf.ops_unpool``)."""
from __future__ import annotations

from .. import ops, ops_unpool
from .registry import TFLayer, op, register


@register("Pooling")
def pooling(layer, shapes) -> TFLayer:
    """Caffe Pooling: MAX / AVE, global or windowed (``models.tf.ops.pool2d``)."""
    p = layer.params
    if len(layer.tops) == 2:
        return op(layer, lambda xs, training: list(ops_unpool.max_pool_with_mask(xs[0], p)))
    return op(layer, lambda xs, training: ops.pool2d(xs[0], p))
