"""The permutohedral-lattice geometry of Krähenbühl's ``Permutohedral::init``, vectorised.

Per feature vector: its elevation onto the plane ``sum = 0`` of R^(d+1) (with Adams et
al.'s scale factors), the enclosing simplex (nearest 0-coloured point ``rem0`` and the
rank of each coordinate), the barycentric weights of the simplex's d+1 vertices, and
the vertices' keys packed into integers. Float32 in the reference's order of operations,
so the rounding decisions are the same.
"""
from __future__ import annotations

import math

import torch

#: Packed keys must stay below this (int64, with room for the neighbour offsets).
_MAX_CODE = 2**62


def elevate(f: torch.Tensor) -> torch.Tensor:
    """``E p`` of Adams et al. p.5 with Krähenbühl's scale factors, in his float order."""
    p, d = f.shape
    inv_std = float(torch.tensor(math.sqrt(2.0 / 3.0) * (d + 1), dtype=torch.float32))
    scale = [float(torch.tensor(inv_std / math.sqrt((i + 2) * (i + 1)), dtype=torch.float32))
             for i in range(d)]
    elevated = f.new_empty(p, d + 1)
    sm = f.new_zeros(p)
    for j in range(d, 0, -1):
        cf = f[:, j - 1] * scale[j - 1]
        elevated[:, j] = sm - j * cf
        sm = sm + cf
    elevated[:, 0] = sm
    return elevated


def enclosing_simplex(elevated: torch.Tensor, d: int):
    """Nearest 0-coloured lattice point ``rem0`` and the rank of each coordinate."""
    down = 1.0 / (d + 1)
    v = torch.round(elevated * down)                      # round half to even, as SSE
    rem0 = v * (d + 1)
    total = v.sum(dim=1, keepdim=True).to(torch.int64)
    di = elevated - rem0
    # Krähenbühl's pairwise count: of i < j, the one with the smaller d gets +1 (ties: j).
    cols = di.t().contiguous()
    rank = torch.zeros(d + 1, di.shape[0], dtype=torch.int64, device=di.device)
    for i in range(d):
        for j in range(i + 1, d + 1):
            smaller = cols[i] < cols[j]
            rank[i] += smaller
            rank[j] += ~smaller
    rank = rank.t() + total
    rem0 = rem0.to(torch.int64)
    low, high = rank < 0, rank > d
    rank = rank + (d + 1) * low - (d + 1) * high
    rem0 = rem0 + (d + 1) * low - (d + 1) * high
    return rem0, rank


def barycentric(elevated, rem0, rank, d: int) -> torch.Tensor:
    """Barycentric weights of the d+1 simplex vertices (p.10 of Adams et al.)."""
    v = (elevated - rem0.to(elevated.dtype)) * (1.0 / (d + 1))
    bary = elevated.new_zeros(elevated.shape[0], d + 2)
    bary.scatter_add_(1, d - rank, v)
    bary.scatter_add_(1, d - rank + 1, -v)
    bary[:, 0] += 1.0 + bary[:, d + 1]
    return bary[:, :d + 1]


def pack(rem0: torch.Tensor, rank: torch.Tensor, b: int, n: int, d: int):
    """Int64 codes ``(P, d+1)`` of the simplex vertices' keys (their first d coordinates).

    Vertex r has key ``rem0_i + canonical[r][rank_i]``, canonical being ``r`` where
    ``rank_i <= d - r`` and ``r - (d+1)`` elsewhere. Keys are packed in mixed radix with
    a margin of d+1 on each side of every coordinate, so a blur neighbour's code (the
    key shifted by at most d per coordinate) is ``code + a constant`` and never wraps.
    """
    lo, hi = rem0[:, :d].amin(dim=0), rem0[:, :d].amax(dim=0)
    low = lo - 2 * (d + 1)
    span = hi - low + 2 * (d + 1) + 1
    radix = torch.ones(d, dtype=torch.int64, device=rem0.device)
    total = 1
    for i in range(d):
        radix[i] = total
        total *= int(span[i])
    if total * b >= _MAX_CODE:
        raise ValueError("the CRF features span too many lattice cells to pack; use larger "
                         "standard deviations (bi_xy_std, bi_rgb_std, pos_xy_std)")
    image = torch.arange(b, device=rem0.device).repeat_interleave(n)
    base = ((rem0[:, :d] - low) * radix).sum(dim=1) + image * total        # (P,)
    r = torch.arange(d + 1, device=rem0.device)
    codes = base[:, None].repeat(1, d + 1)                                   # (P, d+1)
    for i in range(d):
        canon = torch.where(rank[:, i:i + 1] <= d - r, r, r - (d + 1))
        codes += canon * radix[i]
    if total * b < 2**31:  # int32 sorts and searches twice as fast
        codes, radix = codes.to(torch.int32), radix.to(torch.int32)
    return codes, radix
