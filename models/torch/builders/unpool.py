"""Upsample: SegNet's unpooling by a Pooling mask, or the inisis build's nearest."""
from __future__ import annotations

from ....converter.layers.unpool import NearestParams
from ..ops_fork import upsample_nearest
from ..ops_unpool import unpool
from .registry import Fn, register


@register("Upsample")
def upsample(layer):
    """SegNet's unpooling (two bottoms) or the inisis build's nearest upsampling."""
    p = layer.params
    if isinstance(p, NearestParams):
        return Fn(lambda x: upsample_nearest(x, p), "Upsample")

    def fn(x, mask):
        oh, ow = p.output_size(*x.shape[-2:])
        return unpool(x, mask, oh, ow)

    return Fn(fn, "Upsample")
