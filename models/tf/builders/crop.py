"""Crop -> TF slicing, Caffe axes mapped onto NHWC."""
from __future__ import annotations

from .. import ops
from ....converter.layers.crop import crop_offsets
from .registry import TFLayer, op, register


@register("Crop")
def crop(layer, shapes) -> TFLayer:
    """Caffe Crop: axes >= ``axis`` cut to bottom[1]'s size at the offsets."""
    p = layer.params
    crop_offsets(p, len(shapes[0]))  # a bad axis/offset count fails at conversion time
    return op(layer, lambda xs, training: ops.crop(xs[0], xs[1], p))
