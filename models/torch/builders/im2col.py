"""Im2col (weightless)."""
from __future__ import annotations

from .. import ops_im2col
from .registry import Fn, register


@register("Im2col")
def im2col(layer):
    p = layer.params
    return Fn(lambda x: ops_im2col.im2col(x, p), "Im2col")
