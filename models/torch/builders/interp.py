"""DeepLab Interp (align-corners bilinear over the pad_beg/pad_end-cropped region)."""
from __future__ import annotations

from .. import ops
from .registry import Fn, register


@register("Interp")
def interp(layer):
    p = layer.params
    return Fn(lambda x: ops.interp(x, p), "Interp")
