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
    """Nearest 0-coloured lattice point ``rem0`` and the rank of each coordinate (int32)."""
    down = 1.0 / (d + 1)
    v = torch.round(elevated * down)                      # round half to even, as SSE
    rem0 = v * (d + 1)
    total = v.sum(dim=1).to(torch.int32)
    # Krähenbühl's pairwise count: of i < j, the one with the smaller d gets +1 (ties: j).
    cols = (elevated - rem0).t().contiguous()
    rank = torch.zeros(d + 1, cols.shape[1], dtype=torch.int32, device=cols.device)
    rank += total
    for j in range(1, d + 1):
        rank[j] += j                    # every i < j: +1 to j unless d_i < d_j
    for i in range(d):
        for j in range(i + 1, d + 1):
            smaller = (cols[i] < cols[j]).to(torch.int32)
            rank[i] += smaller
            rank[j] -= smaller
    rank = rank.t()
    rem0 = rem0.to(torch.int32)
    wrap = (rank > d).to(torch.int32) - (rank < 0).to(torch.int32)   # -1, 0 or +1
    wrap *= d + 1
    return rem0 - wrap, rank - wrap


def barycentric(elevated, rem0, rank, d: int) -> torch.Tensor:
    """Barycentric weights of the d+1 simplex vertices (p.10 of Adams et al.)."""
    v = (elevated - rem0.to(elevated.dtype)) * (1.0 / (d + 1))
    bary = elevated.new_zeros(elevated.shape[0], d + 2)
    idx = (d - rank).to(torch.int64)
    bary.scatter_add_(1, idx, v)
    bary.scatter_add_(1, idx + 1, -v)
    bary[:, 0] += 1.0 + bary[:, d + 1]
    return bary[:, :d + 1]


def pack(rem0: torch.Tensor, rank: torch.Tensor, b: int, n: int, d: int):
    """Integer codes ``(P, d+1)`` (int32 where they fit) of the simplex vertices' keys (their first d coordinates).

    Vertex r has key ``rem0_i + canonical[r][rank_i]``, canonical being ``r`` where
    ``rank_i <= d - r`` and ``r - (d+1)`` elsewhere. Keys are packed in mixed radix with
    a margin of d+1 on each side of every coordinate, so a blur neighbour's code (the
    key shifted by at most d per coordinate) is ``code + a constant`` and never wraps.
    """
    lo, hi = rem0[:, :d].amin(dim=0).tolist(), rem0[:, :d].amax(dim=0).tolist()
    low = [a - 2 * (d + 1) for a in lo]
    radix, total = [], 1
    for i in range(d):
        radix.append(total)
        total *= hi[i] - low[i] + 2 * (d + 1) + 1
    if total * b >= _MAX_CODE:
        raise ValueError("the CRF features span too many lattice cells to pack; use larger "
                         "standard deviations (bi_xy_std, bi_rgb_std, pos_xy_std)")
    dt = torch.int32 if total * b < 2**31 else torch.int64  # int32 sorts twice as fast
    dev = rem0.device
    shift = torch.tensor(low, dtype=dt, device=dev)
    weights = torch.tensor(radix, dtype=dt, device=dev)
    base = ((rem0[:, :d].to(dt) - shift) * weights).sum(dim=1, dtype=dt)      # (P,)
    if b > 1:
        base += torch.arange(b, dtype=dt, device=dev).repeat_interleave(n) * total
    r = torch.arange(d + 1, dtype=dt, device=dev)
    # canonical = r - (d+1) [rank_i > d - r]
    codes = base[:, None] + r * sum(radix)                                    # (P, d+1)
    for i in range(d):
        codes.sub_((rank[:, i:i + 1] > d - r).to(dt), alpha=(d + 1) * radix[i])
    return codes, weights
