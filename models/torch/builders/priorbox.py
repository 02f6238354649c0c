"""PriorBox: the priors of the bottoms' sizes, a constant (``converter.layers.priorbox``)."""
from __future__ import annotations

from .. import ops_ssd
from .registry import Fn, register


@register("PriorBox")
def prior_box(layer):
    p = layer.params
    return Fn(lambda feature, image: ops_ssd.prior_box(feature, image, p), "PriorBox")
