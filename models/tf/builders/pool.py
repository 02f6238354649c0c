"""Pooling -> TF: ceil mode + pad clipping by explicit padding, Caffe's AVE divisor."""
from __future__ import annotations

from .. import ops
from .registry import TFLayer, op, register


@register("Pooling")
def pooling(layer, shapes) -> TFLayer:
    """Caffe Pooling: MAX / AVE, global or windowed (``models.tf.ops.pool2d``)."""
    p = layer.params
    return op(layer, lambda xs, training: ops.pool2d(xs[0], p))
