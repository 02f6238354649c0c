"""Pooling (MAX/AVE, global, ceil mode with Caffe's pad clip and AVE divisor)."""
from __future__ import annotations

from .. import ops
from .registry import Fn, register


@register("Pooling")
def pooling(layer):
    p = layer.params
    return Fn(lambda x: ops.pool2d(x, p), "Pooling")
