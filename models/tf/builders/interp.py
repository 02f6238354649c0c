"""DeepLab Interp -> TF: Caffe's align-corners bilinear formula, by gathers."""
from __future__ import annotations

from ..ops_interp import interp as tf_interp
from .registry import TFLayer, op, register


@register("Interp")
def interp(layer, shapes) -> TFLayer:
    """Interp (zoom / shrink / height+width, pad_beg/pad_end crop), DLv1 and DLv2."""
    p = layer.params
    return op(layer, lambda xs, training: tf_interp(xs[0], p))
