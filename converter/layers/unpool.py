"""``Upsample``: SegNet's unpooling by a MAX Pooling mask (``--fork segnet``), or the
reference build's nearest-neighbour upsampling by a scale (``--fork inisis``).

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


@dataclass(frozen=True)
class NearestParams:
    """The reference build's Upsample: repeat each of the last ``axes`` axes ``scale`` times."""

    scale: int
    axes: int


@register("Upsample", family="unpool", param_field="upsample_param", bottoms=(1, 2),
          in_place=False)
class Upsample:
    """SegNet's unpooling (bottoms: data, Pooling mask) or the reference build's nearest
    upsampling (one bottom): the fork decides."""

    @staticmethod
    def size_free(p) -> bool:
        """Nearest or scale-sized unpooling runs at any size; upsample_h/w fix it."""
        return isinstance(p, NearestParams) or p.size is None

    @staticmethod
    def parse(p: Msg, ctx: LayerContext):
        if ctx.fork == "segnet" and ctx.n_bottoms == 2:
            return _segnet(p)
        if ctx.fork == "inisis" and ctx.n_bottoms == 1:
            scale, dims = int(p.get("scale", 1)), int(p.get("dims_num", 4))  # defaults 1, 4
            if dims not in (3, 4) or scale < 1:
                raise p.error(f"dims_num must be 3 or 4 and scale >= 1, got {dims}, {scale}",
                              "dims_num")
            return NearestParams(scale, dims - 2)
        raise p.error(f"Upsample is a fork layer: SegNet's unpooling takes two bottoms (data, "
                      f"pooling mask, --fork segnet), the inisis build's nearest upsampling "
                      f"one (--fork inisis); this one has {ctx.n_bottoms} and was read as "
                      f"{ctx.fork}", "type")

    @staticmethod
    def infer(p, shapes, ctx):
        if isinstance(p, NearestParams):
            s = list(shapes[0])
            if len(s) != p.axes + 2:
                raise CaffeError(f"dims_num {p.axes + 2} needs a {p.axes + 2}-D input, got "
                                 f"{tuple(s)}", layer=ctx.name, field="dims_num")
            return [tuple(s[:2]) + tuple(d * p.scale for d in s[2:])]
        for s in shapes:  # SegNet
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
