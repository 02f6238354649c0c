"""Eltwise SUM (with coeff), PROD, MAX."""
from __future__ import annotations

from .. import ops
from .registry import Fn, register


@register("Eltwise")
def eltwise(layer):
    p = layer.params
    return Fn(lambda *xs: ops.eltwise(xs, p), "Eltwise")
