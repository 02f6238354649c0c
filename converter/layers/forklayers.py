"""Layers of the reference build (``--fork inisis``, inisis/caffe): ReLU6, HardSwish,
HardSigmoid, PixelShuffle, Pad, MaxUnPool. Semantics from its ``relu6_layer.cpp``,
``hardswish_layer.cpp``, ``hardsigmoid_layer.cpp``, ``pixelshuffle_layer.cpp``,
``pad_layer.cpp`` and ``maxunpool_layer.cpp``. (Its nearest ``Upsample`` is in unpool.py.)
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CaffeError
from .registry import LayerContext, Msg, register, require_4d
from .unpool import UnpoolParams


def _same(p, shapes, ctx):
    return [tuple(shapes[0])]


@dataclass(frozen=True)
class ReLU6Params:
    """``min(max(x, 0) + negative_slope * min(x, 0), threshold)``."""

    negative_slope: float
    threshold: float


@register("ReLU6", family="forklayers", param_field="relu6_param", size_free=True)
class ReLU6:
    infer = staticmethod(_same)

    @staticmethod
    def parse(p: Msg, ctx) -> ReLU6Params:
        return ReLU6Params(float(p.get("negative_slope", 0.0)),  # fork defaults: 0, 6
                           float(p.get("threshold", 6.0)))


@register("HardSwish", family="forklayers", size_free=True)
class HardSwish:
    """``x * max(0, min(1, x / 6 + 0.5))``."""

    infer = staticmethod(_same)


@dataclass(frozen=True)
class HardSigmoidParams:
    """``max(0, min(1, alpha * x + beta))``."""

    alpha: float
    beta: float


@register("HardSigmoid", family="forklayers", param_field="hardsigmoid_param", size_free=True)
class HardSigmoid:
    infer = staticmethod(_same)

    @staticmethod
    def parse(p: Msg, ctx) -> HardSigmoidParams:
        return HardSigmoidParams(float(p.get("alpha", 0.2)),  # fork defaults: 0.2, 0.5
                                 float(p.get("beta", 0.5)))


@dataclass(frozen=True)
class PixelShuffleParams:
    upscale_factor: int


@register("PixelShuffle", family="forklayers", param_field="pixelshuffle_param", in_place=False,
          size_free=True)
class PixelShuffle:
    """Channel ``c * r * r + i * r + j`` goes to output channel ``c``, offset ``(i, j)``."""

    @staticmethod
    def parse(p: Msg, ctx) -> PixelShuffleParams:
        if not p.has("upscale_factor"):
            raise p.error("pixelshuffle_param.upscale_factor is required", "upscale_factor")
        r = int(p.get("upscale_factor", 0))
        if r < 1:
            raise p.error(f"upscale_factor must be positive, got {r}", "upscale_factor")
        return PixelShuffleParams(r)

    @staticmethod
    def infer(p: PixelShuffleParams, shapes, ctx):
        require_4d(shapes[0], ctx)
        n, c, h, w = shapes[0]
        r = p.upscale_factor
        if c % (r * r):
            raise CaffeError(f"{c} channels are not divisible by upscale_factor^2 = {r * r}",
                             layer=ctx.name, field="upscale_factor")
        return [(n, c // (r * r), h * r, w * r)]


PAD_TYPES = {0: "CONSTANT", 1: "REPLICATE", 2: "REFLECT"}


@dataclass(frozen=True)
class PadParams:
    """Pads (up, down, left, right); all negative: a crop."""

    mode: str
    pads: tuple[int, int, int, int]
    value: float


@register("Pad", family="forklayers", param_field="pad_param", in_place=False,
          size_free=True)
class Pad:
    @staticmethod
    def parse(p: Msg, ctx) -> PadParams:
        pads = tuple(int(p.get(f, 0)) for f in ("pad_u", "pad_d", "pad_l", "pad_r"))  # 0
        if not (all(v >= 0 for v in pads) or all(v < 0 for v in pads)):
            raise p.error(f"pads {pads} mix signs: the fork crops only when all four are "
                          "negative (else it reads out of bounds)", "pad_u")
        return PadParams(p.enum_name("pad_type", "CONSTANT"), pads,  # default CONSTANT
                         float(p.get("pad_value", 0.0)))             # default 0

    @staticmethod
    def infer(p: PadParams, shapes, ctx):
        require_4d(shapes[0], ctx)
        n, c, h, w = shapes[0]
        u, d, l, r = p.pads
        if p.mode == "REFLECT" and max(u, d) >= h or p.mode == "REFLECT" and max(l, r) >= w:
            raise CaffeError(f"REFLECT pads {p.pads} must be smaller than the input {h}x{w}",
                             layer=ctx.name, field="pad_param")
        out = (n, c, h + u + d, w + l + r)
        if min(out) <= 0:
            raise CaffeError(f"padded shape {out} is empty", layer=ctx.name, field="pad_param")
        return [out]


@register("MaxUnPool", family="forklayers", param_field="max_unpool_param", bottoms=(2, 2),
          in_place=False)
class MaxUnPool:
    """Unpooling by a Pooling mask to ``dst_h x dst_w`` (as SegNet's Upsample)."""

    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> UnpoolParams:
        if not (p.has("dst_h") and p.has("dst_w")):
            raise p.error("max_unpool_param needs dst_h and dst_w", "dst_h")
        return UnpoolParams((int(p.get("dst_h", 0)), int(p.get("dst_w", 0))), (1, 1), (0, 0))

    @staticmethod
    def infer(p: UnpoolParams, shapes, ctx):
        require_4d(shapes[0], ctx)
        n, c = shapes[0][:2]
        return [(n, c) + p.size]
