"""PriorBox -> ONNX: the priors of the export size, a constant."""
from __future__ import annotations

from caffe2ss.converter.errors import CaffeError

from ...layers.priorbox import prior_boxes
from .dynamic import FIX
from .registry import register


@register("PriorBox")
def prior_box(g, layer, xs, ys):
    if g.dynamic:
        raise CaffeError(f"PriorBox's priors are a constant of the input size; {FIX}",
                         layer=layer.name, field="dynamic_hw")
    feature, image = (g.shapes[x][2:] for x in xs)
    g.node("Identity", [g.const("priors", prior_boxes(layer.params, feature, image))], ys)
