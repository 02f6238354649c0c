"""BilinearInterpolate (the reference build's)."""
from __future__ import annotations

from ..ops_bilinear import bilinear_interpolate
from .registry import Fn, register


@register("BilinearInterpolate")
def bilinear(layer):
    p = layer.params
    return Fn(lambda x: bilinear_interpolate(x, p), "BilinearInterpolate")
