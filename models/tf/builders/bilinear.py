"""BilinearInterpolate -> TF (``models.tf.ops_bilinear``)."""
from __future__ import annotations

from ..ops_bilinear import bilinear_interpolate
from .registry import op, register


@register("BilinearInterpolate")
def bilinear(layer, shapes):
    """The reference build's BilinearInterpolate."""
    p = layer.params
    return op(layer, lambda xs, training: bilinear_interpolate(xs[0], p))
