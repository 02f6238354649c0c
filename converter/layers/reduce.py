"""Axis layers: ArgMax, Reduction, MVN and Tile (BVLC).

Shapes and semantics from Caffe's ``argmax_layer.cpp``, ``reduction_layer.cpp``,
``mvn_layer.cpp``, and ``tile_layer.cpp``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..errors import CaffeError
from .registry import Msg, canonical_axis, count, register


@dataclass(frozen=True)
class ArgMaxParams:
    """``axis`` None: Caffe's flat mode (max over all of C*H*W per item)."""

    out_max_val: bool
    top_k: int
    axis: Optional[int]


@register("ArgMax", family="reduce", param_field="argmax_param", in_place=False,
          size_free=True)
class ArgMax:
    """Top-k indices (or values) along an axis; ties: the larger index first, as
    Caffe's ``partial_sort`` over ``(value, index)`` pairs with ``std::greater``."""

    @staticmethod
    def parse(p: Msg, ctx) -> ArgMaxParams:
        top_k = int(p.get("top_k", 1))  # Caffe default top_k: 1
        if top_k < 1:
            raise p.error(f"top_k must be >= 1, got {top_k}", "top_k")
        axis = int(p.get("axis", 0)) if p.has("axis") else None  # absent: flat mode
        return ArgMaxParams(bool(p.get("out_max_val", False)), top_k, axis)  # default false

    @staticmethod
    def infer(p: ArgMaxParams, shapes, ctx):
        s = tuple(shapes[0])
        if p.axis is not None:
            a = canonical_axis(p.axis, len(s), ctx)
            if p.top_k > s[a]:
                raise CaffeError(f"top_k {p.top_k} exceeds the size {s[a]} of axis {a}",
                                 layer=ctx.name, field="top_k")
            return [s[:a] + (p.top_k,) + s[a + 1:]]
        if p.top_k > count(s[1:]):
            raise CaffeError(f"top_k {p.top_k} exceeds the {count(s[1:])} values per item",
                             layer=ctx.name, field="top_k")
        out = [1] * max(3, len(s))
        out[0], out[1], out[2] = s[0], 2 if p.out_max_val else 1, p.top_k
        return [tuple(out)]


REDUCTION_OPS = {1: "SUM", 2: "ASUM", 3: "SUMSQ", 4: "MEAN"}


@dataclass(frozen=True)
class ReductionParams:
    op: str
    axis: int
    coeff: float


@register("Reduction", family="reduce", param_field="reduction_param", in_place=False,
          size_free=True)
class Reduction:
    """Reduce all axes from ``axis`` on: SUM, ASUM, SUMSQ or MEAN, times ``coeff``."""

    @staticmethod
    def parse(p: Msg, ctx) -> ReductionParams:
        return ReductionParams(op=p.enum_name("operation", "SUM"),  # Caffe default: SUM
                               axis=int(p.get("axis", 0)),          # Caffe default: 0
                               coeff=float(p.get("coeff", 1.0)))    # Caffe default: 1

    @staticmethod
    def infer(p: ReductionParams, shapes, ctx):
        s = tuple(shapes[0])
        a = canonical_axis(p.axis, len(s), ctx)
        return [s[:a]]


@dataclass(frozen=True)
class MVNParams:
    normalize_variance: bool
    across_channels: bool
    eps: float


@register("MVN", family="reduce", param_field="mvn_param", size_free=True)
class MVN:
    """``(x - mean) / (sqrt(var) + eps)`` per item (across_channels) or per channel."""

    @staticmethod
    def parse(p: Msg, ctx) -> MVNParams:
        return MVNParams(bool(p.get("normalize_variance", True)),  # Caffe default: true
                         bool(p.get("across_channels", False)),     # Caffe default: false
                         float(p.get("eps", 1e-9)))                 # Caffe default: 1e-9

    @staticmethod
    def infer(p, shapes, ctx):
        if not 2 <= len(shapes[0]) <= 4:
            raise CaffeError(f"MVN needs a 2-D to 4-D input (Caffe reads num/channels with "
                             f"legacy accessors), got shape {tuple(shapes[0])}",
                             layer=ctx.name, field="bottom")
        return [tuple(shapes[0])]


def mvn_groups(p: MVNParams, shape) -> int:
    """Caffe's ``num``: the number of normalised groups (N, or N*C)."""
    return int(shape[0]) if p.across_channels else int(shape[0]) * int(shape[1])


@dataclass(frozen=True)
class TileParams:
    axis: int
    tiles: int


@register("Tile", family="reduce", param_field="tile_param", in_place=False,
          size_free=True)
class Tile:
    """Repeat the whole block of axes >= ``axis`` ``tiles`` times (numpy ``tile``)."""

    @staticmethod
    def parse(p: Msg, ctx) -> TileParams:
        if not p.has("tiles"):
            raise p.error("tile_param.tiles is required (Caffe: 'tiles must be specified')",
                          "tiles")
        tiles = int(p.get("tiles", 0))
        if tiles < 1:
            raise p.error(f"tiles must be positive, got {tiles}", "tiles")
        return TileParams(int(p.get("axis", 1)), tiles)  # Caffe default axis: 1

    @staticmethod
    def infer(p: TileParams, shapes, ctx):
        s = list(shapes[0])
        a = canonical_axis(p.axis, len(s), ctx)
        s[a] *= p.tiles
        return [tuple(s)]
