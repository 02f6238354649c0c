"""PSPNet's BN -> TF (``models.tf.layers_bn``)."""
from __future__ import annotations

from ....converter.layers.bn import bn_arrays
from ..layers_bn import BN
from .registry import TFLayer, blobs, register


@register("BN")
def bn(layer, shapes) -> TFLayer:
    """slope, bias, mean, variance as ``gamma``, ``beta``, ``moving_mean``, ``moving_variance``."""
    channels = shapes[0][1]
    b = blobs(layer, 4)
    names = ("gamma", "beta", "moving_mean", "moving_variance")
    weights = dict(zip(names, bn_arrays(b))) if b else {}

    def make(w, name):
        return BN(name, channels, layer.params.eps, weights=w)

    return TFLayer(make, weights)
