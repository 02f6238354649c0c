"""Im2col -> TF (``ops_im2col.im2col``)."""
from __future__ import annotations

from .. import ops_im2col
from .registry import op, register


@register("Im2col")
def im2col(layer, shapes):
    """Caffe Im2col, weightless."""
    p = layer.params
    return op(layer, lambda xs, training: ops_im2col.im2col(xs[0], p))
