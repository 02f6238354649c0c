"""Softmax -> ONNX Softmax over the Caffe axis."""
from __future__ import annotations

from .registry import register


@register("Softmax")
def softmax(g, layer, xs, ys):
    """Per-axis softmax (ONNX opset >= 13 normalises over that single axis)."""
    axis = layer.params.axis
    g.node("Softmax", xs, ys, axis=axis + g.rank(xs[0]) if axis < 0 else axis)
