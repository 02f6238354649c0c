"""The reference build's fork layers: ReLU6, HardSwish, HardSigmoid, PixelShuffle, Pad,
MaxUnPool (weightless)."""
from __future__ import annotations

from .. import ops_fork as f
from ..ops_unpool import unpool
from .registry import Fn, register

for _type, _fn in (("ReLU6", f.relu6), ("HardSwish", f.hardswish),
                   ("HardSigmoid", f.hardsigmoid), ("PixelShuffle", f.pixel_shuffle),
                   ("Pad", f.pad)):
    register(_type)(lambda layer, fn=_fn: Fn(lambda x, p=layer.params: fn(x, p),
                                             layer.type))


@register("MaxUnPool")
def max_unpool(layer):
    oh, ow = layer.params.size
    return Fn(lambda x, mask: unpool(x, mask, oh, ow), "MaxUnPool")
