"""SPP: Caffe's per-level Pooling, flattened and concatenated."""
from __future__ import annotations

import torch

from .. import ops
from ....converter.layers.spp import spp_levels
from .registry import Fn, register


@register("SPP")
def spp(layer):
    p = layer.params

    def fn(x):
        ys = [ops.pool2d(x, lv) for lv in spp_levels(p, *x.shape[-2:])]
        if len(ys) == 1:
            return ys[0]
        return torch.cat([y.reshape(y.shape[0], -1) for y in ys], 1)

    return Fn(fn, "SPP")
