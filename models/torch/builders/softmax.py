"""Softmax -> a torch function over the Caffe axis."""
from __future__ import annotations

from .. import ops
from .registry import Fn, register


@register("Softmax")
def softmax(layer):
    axis = layer.params.axis
    return Fn(lambda x: ops.softmax(x, axis), "Softmax")
