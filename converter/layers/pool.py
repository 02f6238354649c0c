"""Pooling: parameters, Caffe's ceil-mode output size with pad clipping, AVE divisor."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import CaffeError
from .conv import _pair
from .registry import LayerContext, Msg, register, require_4d


@dataclass(frozen=True)
class PoolParams:
    """Normalised ``pooling_param``. ``kernel`` is None for global pooling."""

    method: str  # "MAX" or "AVE"
    kernel: tuple[int, int] | None
    stride: tuple[int, int]
    pad: tuple[int, int]
    global_pooling: bool
    ceil: bool = True

    def resolved(self, h: int, w: int) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
        """(kernel, stride, pad) for an input of size h x w (global -> whole plane)."""
        if self.global_pooling:
            return (h, w), (1, 1), (0, 0)
        return self.kernel, self.stride, self.pad


def pool_output_size(size: int, k: int, s: int, p: int, ceil: bool = True) -> int:
    """Caffe's pooled size: ceil (default) or floor, then the pad clip rule.

    The clip rule: with pad > 0, if the last window would start at or past
    ``size + pad`` (entirely in the bottom/right padding), drop it.
    """
    frac = float(size + 2 * p - k) / s  # Caffe computes this in float
    out = (int(math.ceil(frac)) if ceil else int(math.floor(frac))) + 1
    if p > 0 and (out - 1) * s >= size + p:
        out -= 1
    return out


def pool_windows(size: int, k: int, s: int, p: int, out: int):
    """Caffe's window bounds per output index: (start, end) before and after clipping.

    Returns ``(start, end, start_clipped, end_clipped)`` int arrays where
    ``end = min(start + k, size + p)`` (padding counts, ceil overhang does not) and the
    clipped bounds lie inside ``[0, size)``.
    """
    start = np.arange(out, dtype=np.int64) * s - p
    end = np.minimum(start + k, size + p)
    return start, end, np.maximum(start, 0), np.minimum(end, size)


def ave_divisor(h: int, w: int, params: PoolParams) -> np.ndarray:
    """Caffe's AVE-pool divisor for every output position, shape (out_h, out_w).

    ``pool_size = (hend - hstart) * (wend - wstart)`` computed *before* clipping to
    the image: padded cells up to ``H + pad`` count, ceil-mode overhang does not.
    """
    (kh, kw), (sh, sw), (ph, pw) = params.resolved(h, w)
    oh = pool_output_size(h, kh, sh, ph, params.ceil) if not params.global_pooling else 1
    ow = pool_output_size(w, kw, sw, pw, params.ceil) if not params.global_pooling else 1
    hs, he, _, _ = pool_windows(h, kh, sh, ph, oh)
    ws, we, _, _ = pool_windows(w, kw, sw, pw, ow)
    return ((he - hs)[:, None] * (we - ws)[None, :]).astype(np.float32)


@register("Pooling", family="pool", param_field="pooling_param")
class Pooling:
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> PoolParams:
        method = p.enum_name("pool", "MAX")                  # Caffe default pool: MAX
        if method == "STOCHASTIC":
            raise p.error("STOCHASTIC pooling has no CPU forward in Caffe; not supported",
                          "pool")
        glob = bool(p.get("global_pooling", False))          # Caffe default: false
        pad = _pair(p, "pad", "pad_h", "pad_w", 0)            # Caffe default pad: 0
        stride = _pair(p, "stride", "stride_h", "stride_w", 1)  # default stride: 1
        if glob:
            if p.has("kernel_size") or p.has("kernel_h") or p.has("kernel_w"):
                raise p.error("with global_pooling the kernel size cannot be given",
                              "kernel_size")
            if pad != (0, 0) or stride != (1, 1):
                raise p.error("global_pooling requires pad 0 and stride 1", "pad")
            kernel = None
        else:
            kernel = _pair(p, "kernel_size", "kernel_h", "kernel_w", None)
            if min(kernel) <= 0 or min(stride) <= 0:
                raise p.error("kernel and stride must be positive", "kernel_size")
            if pad[0] >= kernel[0] or pad[1] >= kernel[1]:
                raise p.error(f"pad {pad} must be smaller than the kernel {kernel}", "pad")
        # BVLC `round_mode` (field 13): CEIL (0, default) or FLOOR (1). DeepLab forks
        # always round up. (The oracle's own fork reuses 13 as bool ceil_mode.)
        ceil = p.enum_name("round_mode", "CEIL") == "CEIL" if p.has("round_mode") else True
        return PoolParams(method=method, kernel=kernel, stride=stride, pad=pad,
                          global_pooling=glob, ceil=ceil)

    @staticmethod
    def infer(p: PoolParams, shapes, ctx):
        require_4d(shapes[0], ctx)
        n, c, h, w = shapes[0]
        if p.global_pooling:
            return [(n, c, 1, 1)]
        out = [pool_output_size(size, k, s, pad, p.ceil)
               for size, k, s, pad in zip((h, w), p.kernel, p.stride, p.pad)]
        if min(out) <= 0:
            raise CaffeError(f"pooled size {tuple(out)} is not positive: input {h}x{w} is "
                             f"smaller than the kernel {p.kernel}", layer=ctx.name,
                             field="kernel_size")
        return [(n, c, out[0], out[1])]
