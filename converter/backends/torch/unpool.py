"""Unpooling by a Pooling mask: SegNet's Upsample."""
from __future__ import annotations

from ....models.torch.ops_unpool import unpool
from .registry import Fn, register


@register("Upsample")
def upsample(layer):
    p = layer.params

    def fn(x, mask):
        oh, ow = p.output_size(*x.shape[-2:])
        return unpool(x, mask, oh, ow)

    return Fn(fn, "Upsample")
