"""Unpooling by a MAX Pooling mask: SegNet's ``Upsample`` (``--fork segnet``).

Semantics from the SegNet fork's ``upsample_layer.cpp``: the top starts at zero and, per
channel plane in order, ``top[int(mask[i])] = bottom[i]`` (a repeated index keeps the
last write); the mask is Pooling's second top (``h * W + w``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..errors import CaffeError
from .registry import LayerContext, Msg, register, require_4d


@dataclass(frozen=True)
class UnpoolParams:
    """Output size: ``size`` when given, else ``(H * scale_h - pad_h, W * scale_w - pad_w)``."""

    size: Optional[tuple[int, int]]
    scale: tuple[int, int]
    pad_out: tuple[int, int]

    def output_size(self, h: int, w: int) -> tuple[int, int]:
        if self.size is not None:
            return self.size
        return h * self.scale[0] - self.pad_out[0], w * self.scale[1] - self.pad_out[1]


def _segnet(p: Msg) -> UnpoolParams:
    if p.has("upsample_h") and p.has("upsample_w"):
        size = int(p.get("upsample_h", 0)), int(p.get("upsample_w", 0))
        if min(size) <= 1:
            raise p.error(f"upsample_h and upsample_w must be > 1, got {size}", "upsample_h")
        return UnpoolParams(size, (1, 1), (0, 0))
    if p.has("scale_h") != p.has("scale_w") or (p.has("scale") and p.has("scale_h")):
        raise p.error("give upsample_h and upsample_w, or scale, or scale_h and scale_w "
                      "(SegNet's check)", "scale")
    if p.has("scale_h"):
        scale = int(p.get("scale_h", 0)), int(p.get("scale_w", 0))
    else:
        scale = (int(p.get("scale", 2)),) * 2  # SegNet default scale: 2
    if min(scale) <= 1:
        raise p.error(f"the upsampling scale must be > 1, got {scale}", "scale")
    pad = int(bool(p.get("pad_out_h", False))), int(bool(p.get("pad_out_w", False)))
    if (pad[0] and scale[0] != 2) or (pad[1] and scale[1] != 2):
        raise p.error("pad_out_h / pad_out_w need scale 2 (SegNet's check)", "pad_out_h")
    return UnpoolParams(None, scale, pad)


@register("Upsample", family="unpool", param_field="upsample_param", bottoms=(2, 2),
          in_place=False)
class Upsample:
    """SegNet's unpooling (bottoms: data, Pooling mask)."""

    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> UnpoolParams:
        if ctx.fork != "segnet":
            raise p.error(f"Upsample is a fork layer; with two bottoms (data, pooling mask) "
                          f"it is SegNet's unpooling: read the file with --fork segnet "
                          f"(it was read as {ctx.fork})", "type")
        return _segnet(p)

    @staticmethod
    def infer(p: UnpoolParams, shapes, ctx):
        for s in shapes:
            require_4d(s, ctx)
        if tuple(shapes[0]) != tuple(shapes[1]):
            raise CaffeError(f"the mask {tuple(shapes[1])} must have the data's shape "
                             f"{tuple(shapes[0])}", layer=ctx.name, field="bottom")
        n, c, h, w = shapes[0]
        oh, ow = p.output_size(h, w)
        if oh <= 0 or ow <= 0:
            raise CaffeError(f"unpooled size {oh}x{ow} is not positive", layer=ctx.name,
                             field="upsample_param")
        return [(n, c, oh, ow)]
