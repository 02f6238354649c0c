"""``BilinearInterpolate`` of the reference build (``--fork inisis``), from its
``bilinear_interpolate_layer.cpp``: the output size is ``dst_h x dst_w`` or
``int(H * scale_factor)``; source coordinates are clamped to ``[0, src - 1]``, the lower
neighbour to ``[0, src - 2]``, and ``y = (h1 - h) * r0 + (h - h0) * r1`` with
``r = (w1 - w) * q_0 + (w - w0) * q_1``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import CaffeError
from .registry import LayerContext, Msg, register, require_4d


@dataclass(frozen=True)
class BilinearParams:
    dst: Optional[tuple[Optional[int], Optional[int]]]  # None: use scale_factor
    scale_factor: float
    align_corners: bool

    def output_size(self, h: int, w: int) -> tuple[int, int]:
        if self.dst is not None:
            return (self.dst[0] or h, self.dst[1] or w)
        return int(np.float32(h) * np.float32(self.scale_factor)), \
            int(np.float32(w) * np.float32(self.scale_factor))


def bilinear_table(src: int, dst: int, align_corners: bool):
    """``(i0, i1, pos)`` per output index, float32 as the layer computes them."""
    i = np.arange(dst, dtype=np.float32)
    if align_corners:
        pos = np.float32(src - 1) / np.float32(dst - 1) * i
    else:
        pos = np.float32(src) / np.float32(dst) * (i + np.float32(0.5)) - np.float32(0.5)
    pos = np.clip(pos, 0, src - 1).astype(np.float32)
    i0 = np.clip(np.floor(pos), 0, src - 2).astype(np.int64)
    return i0, i0 + 1, pos


@register("BilinearInterpolate", family="bilinear", param_field="bilinear_interpolate_param",
          in_place=False)
class BilinearInterpolate:
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> BilinearParams:
        has_dst = p.has("dst_h") or p.has("dst_w")
        if has_dst == p.has("scale_factor"):
            raise p.error("give dst_h / dst_w or scale_factor (one of them): with both or "
                          "neither the layer's size is undefined", "dst_h")
        dst = (int(p.get("dst_h", 0)) or None, int(p.get("dst_w", 0)) or None) \
            if has_dst else None
        return BilinearParams(dst, float(p.get("scale_factor", 1.0)),  # default 1
                              bool(p.get("align_corners", True)))     # default true

    @staticmethod
    def infer(p: BilinearParams, shapes, ctx):
        require_4d(shapes[0], ctx)
        n, c, h, w = shapes[0]
        oh, ow = p.output_size(h, w)
        if min(h, w) < 2 or min(oh, ow) < 1 or (p.align_corners and min(oh, ow) < 2):
            raise CaffeError(f"BilinearInterpolate {h}x{w} -> {oh}x{ow}: the layer needs an "
                             "input of at least 2x2 (and an output of 2x2 with "
                             "align_corners)", layer=ctx.name, field="dst_h")
        return [(n, c, oh, ow)]
