"""``SPP`` (BVLC ``spp_layer.cpp``): spatial pyramid pooling.

Level ``l`` pools with ``bins = 2^l`` windows per axis: ``kernel = ceil(H / bins)``,
``stride = kernel``, ``pad = (kernel * bins - H + 1) // 2`` (Caffe's Pooling, ceil mode),
each level flattened and all concatenated on axis 1; ``pyramid_height`` 1 is the one
pooling, not flattened.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import CaffeError
from .pool import PoolParams
from .registry import LayerContext, Msg, register, require_4d


@dataclass(frozen=True)
class SPPParams:
    pyramid_height: int
    method: str


def spp_levels(p: SPPParams, h: int, w: int) -> list[PoolParams]:
    """The Pooling parameters Caffe builds for each level of an ``h x w`` input."""
    levels = []
    for level in range(p.pyramid_height):
        bins = 2 ** level
        k = (math.ceil(h / bins), math.ceil(w / bins))
        pad = ((k[0] * bins - h + 1) // 2, (k[1] * bins - w + 1) // 2)
        if pad[0] >= k[0] or pad[1] >= k[1]:
            raise CaffeError(f"SPP level {level} needs pad {pad} >= kernel {k} for a "
                             f"{h}x{w} input (Caffe's Pooling CHECK fails); use a larger "
                             "input or fewer levels", field="pyramid_height")
        levels.append(PoolParams(method=p.method, kernel=k, stride=k, pad=pad,
                                 global_pooling=False))
    return levels


@register("SPP", family="spp", param_field="spp_param", in_place=False)
class SPP:
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> SPPParams:
        height = int(p.get("pyramid_height", 0))  # no default in Caffe's schema
        if height < 1:
            raise p.error("spp_param.pyramid_height must be given and positive",
                          "pyramid_height")
        method = p.enum_name("pool", "MAX")  # Caffe default pool: MAX
        if method == "STOCHASTIC":
            raise p.error("STOCHASTIC pooling has no CPU forward in Caffe", "pool")
        return SPPParams(height, method)

    @staticmethod
    def infer(p: SPPParams, shapes, ctx):
        require_4d(shapes[0], ctx)
        n, c, h, w = shapes[0]
        try:
            levels = spp_levels(p, h, w)
        except CaffeError as e:
            raise e.with_context(layer=ctx.name) from None
        sizes = [lv.output_size(h, w) for lv in levels]
        if p.pyramid_height == 1:
            return [(n, c) + tuple(sizes[0])]
        return [(n, c * sum(a * b for a, b in sizes))]
