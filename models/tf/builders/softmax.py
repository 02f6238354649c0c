"""Softmax -> TF over a Caffe axis."""
from __future__ import annotations

from .. import ops_nonspatial
from .registry import TFLayer, op, register


@register("Softmax")
def softmax(layer, shapes) -> TFLayer:
    """Caffe Softmax over a Caffe axis."""
    axis = layer.params.axis
    return op(layer, lambda xs, training: ops_nonspatial.softmax(xs[0], axis))
