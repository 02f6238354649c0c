"""Caffe's MAX-pooling mask (Pooling's second top) and unpooling by that mask
(SegNet's Upsample, the reference build's MaxUnPool) in PyTorch, Caffe order."""
from __future__ import annotations

import torch

from ...converter.errors import CaffeError
from .ops import FLT_MAX, pool2d


def max_pool_with_mask(x, p):
    """``(top, mask)``: the mask holds ``h * W + w`` of each window's max within its
    channel plane, as float32, the first maximum in raster order (Caffe's ``>`` scan
    from -FLT_MAX); ``-1`` for a window whose max is -FLT_MAX (nothing beat it).

    The Python loop runs over whichever is fewer, the kernel's offsets or the output's
    windows (a global pooling is one window), and never pads (a stride may be huge)."""
    y = pool2d(x, p)
    h, w = x.shape[-2:]
    (kh, kw), (sh, sw), (ph, pw) = p.resolved(h, w)
    oh, ow = y.shape[-2:]
    src = torch.where(x >= -FLT_MAX, x, -FLT_MAX)
    rows = torch.arange(oh) * sh - ph
    cols = torch.arange(ow) * sw - pw
    scan = _mask_by_window if oh * ow < kh * kw else _mask_by_offset
    mask = scan(src, y, rows, cols, (kh, kw))
    return y, torch.where(y == -FLT_MAX, torch.full_like(y, -1.0), mask)


def _mask_by_offset(src, y, rows, cols, kernel):
    """One step per kernel offset, gathered by index; a position outside the input reads
    -FLT_MAX, which never equals a window's max."""
    h, w = src.shape[-2:]
    mask = torch.full_like(y, -1.0)
    for di in reversed(range(kernel[0])):  # last assignment wins: the first in raster order
        r = rows + di
        rin = (r >= 0) & (r < h)
        src_r = src.index_select(-2, r.clamp(0, h - 1))
        for dj in reversed(range(kernel[1])):
            c = cols + dj
            inside = rin[:, None] & ((c >= 0) & (c < w))[None, :]
            win = torch.where(inside, src_r.index_select(-1, c.clamp(0, w - 1)), -FLT_MAX)
            idx = (r[:, None] * w + c[None, :]).to(y.dtype)
            mask = torch.where(win == y, idx, mask)
    return mask


def _mask_by_window(src, y, rows, cols, kernel):
    """One step per output window, clipped to the input: the first position (raster
    order) that holds the window's max."""
    h, w = src.shape[-2:]
    mask = torch.full_like(y, -1.0)
    for i, hs in enumerate(rows.tolist()):
        r0, r1 = max(hs, 0), min(hs + kernel[0], h)
        for j, ws in enumerate(cols.tolist()):
            c0, c1 = max(ws, 0), min(ws + kernel[1], w)
            if r0 >= r1 or c0 >= c1:
                continue
            hit = (src[..., r0:r1, c0:c1] == y[..., i:i + 1, j:j + 1]).flatten(-2)
            first = hit.to(torch.uint8).argmax(-1)  # the first True
            idx = ((r0 + first // (c1 - c0)) * w + c0 + first % (c1 - c0)).to(y.dtype)
            mask[..., i, j] = torch.where(hit.any(-1), idx, -1.0)
    return mask


def unpool(x, mask, out_h: int, out_w: int):
    """Zeros of ``(N, C, out_h, out_w)`` with ``top[mask[i]] = x[i]`` per channel plane,
    in Caffe's loop order (a repeated index keeps the last write).

    Index -1 (a pooling window whose max stayed -FLT_MAX) makes Caffe write out of the
    plane (undefined behaviour): it is dropped. An index past the plane aborts Caffe;
    it raises CaffeError here (a mask from a pooling of another size, or an unpooled
    size of 0).
    """
    n, c, h, w = x.shape
    plane = out_h * out_w
    idx = mask.reshape(n, c, h * w).to(torch.int64)  # Caffe: static_cast<int>
    if bool((idx >= plane).any()):
        raise CaffeError(f"unpooling mask index out of range [0, {plane}): the mask does "
                         f"not come from a pooling of the unpooled size {out_h}x{out_w}; "
                         "check the unpooled size (dst_h/dst_w, scale) and the mask's "
                         "Pooling", field="bottom")
    idx = torch.where(idx < 0, plane, idx)  # dropped into a spare slot
    pos = torch.arange(h * w).expand(n, c, h * w)
    winner = torch.full((n, c, plane + 1), -1, dtype=torch.int64)
    winner = winner.scatter_reduce(2, idx, pos, "amax")[..., :plane]
    vals = torch.gather(x.reshape(n, c, h * w), 2, winner.clamp(min=0))
    out = torch.where(winner >= 0, vals, torch.zeros_like(vals))
    return out.reshape(n, c, out_h, out_w)
