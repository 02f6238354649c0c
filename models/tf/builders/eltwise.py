"""Eltwise -> TF (SUM with coeff, PROD, MAX)."""
from __future__ import annotations

from .. import ops_nonspatial
from .registry import TFLayer, op, register


@register("Eltwise")
def eltwise(layer, shapes) -> TFLayer:
    """Caffe Eltwise over all bottoms, in bottom order."""
    p = layer.params
    return op(layer, lambda xs, training: ops_nonspatial.eltwise(xs, p))
