"""Pooling (MAX/AVE, global, ceil mode with Caffe's pad clip and AVE divisor; a second
top is the MAX mask)."""
from __future__ import annotations

from .. import ops
from ..ops_unpool import max_pool_with_mask
from .registry import Fn, register


@register("Pooling")
def pooling(layer):
    p = layer.params
    if len(layer.tops) == 2:
        return Fn(lambda x: list(max_pool_with_mask(x, p)), "Pooling")
    return Fn(lambda x: ops.pool2d(x, p), "Pooling")
