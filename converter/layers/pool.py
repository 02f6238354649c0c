"""Pooling: parameters, Caffe's ceil-mode output size with pad clipping, AVE divisor."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CaffeError
from . import formulas
from .formulas import pool_size
from .registry import LayerContext, Msg, Window, register, require_4d


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

    def output_size(self, h: int, w: int) -> tuple[int, int]:
        """Caffe's pooled (out_h, out_w); the clip rule on both axes if any pad > 0."""
        if self.global_pooling:
            return 1, 1
        clip = any(self.pad)
        return tuple(pool_output_size(n, k, s, p, self.ceil, clip)
                     for n, k, s, p in zip((h, w), self.kernel, self.stride, self.pad))


def pool_output_size(size: int, k: int, s: int, p: int, ceil: bool = True,
                     clip: bool | None = None) -> int:
    """Caffe's pooled size: ceil (default) or floor, then the pad clip rule.

    The clip rule: if the last window would start at or past ``size + pad`` (entirely
    in the bottom/right padding), drop it. Caffe applies it on BOTH axes when either
    pad is nonzero (``if (pad_h_ || pad_w_)``): pass ``clip=any(pads)``; by default
    it follows this axis's pad.
    """
    # Caffe divides in float; for integer sizes that is exactly the integer ceil/floor
    return pool_size(size, k, s, p, ceil, p > 0 if clip is None else clip)


def pool_windows(size: int, k: int, s: int, p: int, out: int):
    """Caffe's window bounds per output index: (start, end) before and after clipping.

    Returns ``(start, end, start_clipped, end_clipped)`` int arrays where
    ``end = min(start + k, size + p)`` (padding counts, ceil overhang does not; the
    count is :func:`.formulas.pool_window_count`) and the clipped bounds lie inside
    ``[0, size)``.
    """
    start = np.arange(out, dtype=np.int64) * s - p
    end = start + formulas.pool_window_count(np.arange(out, dtype=np.int64), size, k, s, p,
                                             np.minimum)
    return start, end, np.maximum(start, 0), np.minimum(end, size)


def ave_divisor(h: int, w: int, params: PoolParams) -> np.ndarray:
    """Caffe's AVE-pool divisor for every output position, shape (out_h, out_w):
    ``formulas.ave_divisor`` over numpy index vectors."""
    kernel, stride, pad = params.resolved(h, w)
    oh, ow = (np.arange(n, dtype=np.int64) for n in params.output_size(h, w))
    div = formulas.ave_divisor(oh, ow, h, w, kernel, stride, pad, minimum=np.minimum,
                               column=lambda v: v[:, None])
    return div.astype(np.float32)


def _pool_pair(p: Msg, name: str, h: str, w: str, default: int) -> tuple[int, int]:
    """Caffe's pooling rule for pad/stride: ``name`` alone, or both ``h`` and ``w``."""
    if p.has(h) or p.has(w):
        if p.has(name) or not (p.has(h) and p.has(w)):
            raise p.error(f"give either {name} or both {h} and {w}", name)
        return int(p.get(h, 0)), int(p.get(w, 0))
    v = int(p.get(name, default))
    return v, v


def _pool_kernel(p: Msg) -> tuple[int, int]:
    """kernel_size, or kernel_h with kernel_w (Caffe: never all three)."""
    both = p.has("kernel_h") and p.has("kernel_w")
    if p.has("kernel_size") == both:
        raise p.error("give either kernel_size or both kernel_h and kernel_w", "kernel_size")
    if both:
        return int(p.get("kernel_h", 0)), int(p.get("kernel_w", 0))
    k = int(p.get("kernel_size", 0))  # a lone kernel_h or kernel_w is ignored by Caffe
    return k, k


@register("Pooling", family="pool", param_field="pooling_param", size_free=True,
          tops=(1, 2))  # MAX: a second top is the argmax mask
class Pooling:
    @staticmethod
    def window(p: PoolParams) -> Window | None:
        """Output o reads ``[o*s - pad, o*s - pad + k)`` clipped to the plane (padding
        never counts for MAX; AVE's divisor does: a window off the plane is not a run's);
        None for global pooling."""
        if p.global_pooling:
            return None
        return Window(p.kernel, p.stride, p.pad, zeros=False)

    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> PoolParams:
        method = p.enum_name("pool", "MAX")                  # Caffe default pool: MAX
        if method == "STOCHASTIC":
            raise p.error("STOCHASTIC pooling has no CPU forward in Caffe; not supported",
                          "pool")
        if ctx.n_tops > 1 and (method != "MAX" or ctx.n_tops > 2):
            raise p.error(f"Pooling has {ctx.n_tops} tops: only MAX pooling takes a second "
                          "top (the argmax mask); AVE takes one", "pool")
        glob = bool(p.get("global_pooling", False))          # Caffe default: false
        pad = _pool_pair(p, "pad", "pad_h", "pad_w", 0)             # Caffe default pad: 0
        stride = _pool_pair(p, "stride", "stride_h", "stride_w", 1)  # default stride: 1
        if glob:
            if p.has("kernel_size") or p.has("kernel_h") or p.has("kernel_w"):
                raise p.error("with global_pooling the kernel size cannot be given",
                              "kernel_size")
            if pad != (0, 0) or stride != (1, 1):
                raise p.error("global_pooling requires pad 0 and stride 1", "pad")
            kernel = None
        else:
            kernel = _pool_kernel(p)
            if min(kernel) <= 0 or min(stride) <= 0:
                raise p.error("kernel and stride must be positive", "kernel_size")
            if pad[0] >= kernel[0] or pad[1] >= kernel[1]:
                raise p.error(f"pad {pad} must be smaller than the kernel {kernel}", "pad")
        # Field 13: BVLC `round_mode` CEIL (0, default) or FLOOR (1); the ceil_mode
        # forks' `bool ceil_mode` (default true). DeepLab forks always round up.
        if p.has("ceil_mode"):
            ceil = bool(p.get("ceil_mode", True))
        else:
            ceil = p.enum_name("round_mode", "CEIL") == "CEIL"
        return PoolParams(method=method, kernel=kernel, stride=stride, pad=pad,
                          global_pooling=glob, ceil=ceil)

    @staticmethod
    def infer(p: PoolParams, shapes, ctx):
        require_4d(shapes[0], ctx)
        n, c, h, w = shapes[0]
        if p.global_pooling:  # a second top is the MAX mask, h * W + w, same shape
            return [(n, c, 1, 1)] * ctx.n_tops
        out = p.output_size(h, w)
        if min(out) <= 0:
            raise CaffeError(f"pooled size {tuple(out)} is not positive: input {h}x{w} is "
                             f"smaller than the kernel {p.kernel}", layer=ctx.name,
                             field="kernel_size")
        return [(n, c, out[0], out[1])] * ctx.n_tops
