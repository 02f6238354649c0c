"""Softmax: parameters and shape (the output has the input's shape)."""
from __future__ import annotations

from .plumbing import AxisParams
from .registry import Msg, canonical_axis, register


@register("Softmax", family="softmax", param_field="softmax_param", size_free=True)
class Softmax:
    @staticmethod
    def parse(p: Msg, ctx):
        return AxisParams(int(p.get("axis", 1)))  # Caffe default axis: 1 (DLv1: always 1)

    @staticmethod
    def infer(p: AxisParams, shapes, ctx):
        canonical_axis(p.axis, len(shapes[0]), ctx)
        return [tuple(shapes[0])]
