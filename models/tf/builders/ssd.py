"""SSD's Normalize (the scale as ``gamma``) and Permute -> TF."""
from __future__ import annotations

from .. import ops_ssd
from ..layers_ssd import Normalize
from .registry import TFLayer, blobs, op, register


@register("Normalize")
def normalize(layer, shapes) -> TFLayer:
    """SSD Normalize; the scale blob (``()`` or ``(C,)``) is the variable ``gamma``."""
    p = layer.params
    shape = () if p.channel_shared else (shapes[0][1],)
    b = blobs(layer, 1)
    weights = {"gamma": b[0].reshape(shape)} if b else {}

    def make(w, name):
        return Normalize(name, shape, p, weights=w)

    return TFLayer(make, weights)


@register("Permute")
def permute(layer, shapes) -> TFLayer:
    """SSD Permute (``ops_ssd.permute``)."""
    p = layer.params
    return op(layer, lambda xs, training: ops_ssd.permute(xs[0], p))
