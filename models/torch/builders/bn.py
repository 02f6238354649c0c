"""PSPNet's BN (slope, bias, moving mean, moving variance)."""
from __future__ import annotations

from ..layers_bn import BN
from .registry import register, weights


@register("BN")
def bn(layer):
    w = [b.reshape(1, -1, 1, 1) for b in weights(layer, 4)]
    return BN(w[0].shape[1], layer.params.eps, *w)
