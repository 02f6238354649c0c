"""Crop by axis and offsets (bottom[1] gives the size)."""
from __future__ import annotations

from .. import ops
from .registry import Fn, register


@register("Crop")
def crop(layer):
    p = layer.params
    return Fn(lambda x, ref: ops.crop(x, ref, p), "Crop")
