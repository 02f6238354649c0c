"""SSD's Normalize (weighted: the scale) and Permute."""
from __future__ import annotations

from torch import nn

from .. import ops_ssd
from ..caffe_modules import tensor
from .registry import Fn, register, weights


class Normalize(nn.Module):
    """SSD Normalize; ``weight`` is Caffe's scale blob (``()`` or ``(C,)``)."""

    def __init__(self, p, scale):
        super().__init__()
        self.p = p
        self.weight = nn.Parameter(tensor(scale, scale.shape))

    def forward(self, x):
        return ops_ssd.normalize(x, self.weight, self.p)


@register("Normalize")
def normalize(layer):
    return Normalize(layer.params, weights(layer, 1)[0])


@register("Permute")
def permute(layer):
    p = layer.params
    return Fn(lambda x: ops_ssd.permute(x, p), "Permute")
