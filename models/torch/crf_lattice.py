"""A vectorised permutohedral lattice in PyTorch (Adams et al. 2010), as Krähenbühl's.

:class:`Lattice` is built once from per-pixel features (already divided by their
standard deviations) and then filters any number of value arrays with the Gaussian
``exp(-|f_i - f_j|^2 / 2)`` approximated as Krähenbühl's ``densecrf`` does
(``permutohedral.cpp``): the same elevation and scale factors, the same rounding to the
enclosing simplex, barycentric splatting onto its d+1 vertices, a ``[1/2, 1, 1/2]`` blur
along each of the d+1 lattice directions in order 0..d, and slicing times
``alpha = 1 / (1 + 2^-d)``. Lattice points absent from the lattice contribute zero.

The hash table of the reference is replaced by sorting: each vertex key is packed into
one int64, ``torch.unique`` numbers the distinct vertices, and the blur neighbours are
found once with ``searchsorted``. Several images are one lattice (the image index is a
digit of the packed key, so their vertices never meet). Runs on the features' device.
"""
from __future__ import annotations

import math
import warnings

import torch

#: Packed keys must stay below this (int64, with room for the neighbour offsets).
_MAX_CODE = 2**62


class Lattice:
    """Splat/blur/slice operator for ``features`` of shape ``(B, N, d)`` (float32)."""

    def __init__(self, features: torch.Tensor):
        if features.dim() != 3:
            raise ValueError(f"features must be (B, N, d), got {tuple(features.shape)}")
        f = features.to(torch.float32)
        b, n, d = f.shape
        dev = f.device
        self.d, self.n_points = d, b * n
        self.alpha = 1.0 / (1.0 + 2.0 ** -d)
        elevated = _elevate(f.reshape(b * n, d))                      # (P, d+1)
        rem0, rank = _enclosing_simplex(elevated, d)
        bary = _barycentric(elevated, rem0, rank, d)                  # (P, d+1)
        codes, self._radix = _pack(rem0, rank, b, n, d)               # (P, d+1) int64
        # Number the distinct vertices by sorting (stable: a vertex's pixels in order).
        flat, perm = torch.sort(codes.reshape(-1), stable=True)
        first = torch.ones_like(flat, dtype=torch.bool)
        first[1:] = flat[1:] != flat[:-1]
        vertex = first.cumsum(0, dtype=torch.int64) - 1               # per sorted corner
        uniq = flat[first]
        self.n_vertices = m = uniq.numel()
        self.neighbours = self._neighbours(uniq, m, d)                # (d+1, 2, M+1)
        offset = torch.empty_like(vertex)
        offset[perm] = vertex
        offset = offset.view(b * n, d + 1)
        weight = bary.contiguous()
        # Splat = S @ values with S (M+1, P) in CSR (row M, "absent", is empty); slice =
        # alpha * S^T @ vertex values, also CSR (P rows of d+1 corners, columns sorted).
        crow = torch.zeros(m + 2, dtype=torch.int64, device=dev)
        crow[1:m + 1] = torch.bincount(vertex, minlength=m).cumsum(0)
        crow[m + 1] = crow[m]
        with warnings.catch_warnings():  # "sparse CSR support is in beta state"
            warnings.simplefilter("ignore", UserWarning)
            self._csr(crow, perm, vertex, offset, weight, m, b * n, d, dev)
        self.offset, self.weight = offset, weight

    def _csr(self, crow, perm, vertex, offset, weight, m, p, d, dev):
        self.splat_csr = (crow, perm // (d + 1), weight.reshape(-1)[perm])
        self._splat = torch.sparse_csr_tensor(*self.splat_csr, (m + 1, p))
        col, w = offset, weight * self.alpha
        if dev.type != "cpu":  # MKL takes unsorted columns in a row; cuSPARSE may not
            col, order = torch.sort(offset, dim=1)
            w = w.gather(1, order)
        self.slice_cols, self.slice_weights = col, w
        self._slice = csr_rows(self.slice_cols, self.slice_weights, m + 1)

    def _neighbours(self, uniq: torch.Tensor, m: int, d: int) -> torch.Tensor:
        """Vertex index of key -/+ (1,..,1) with coordinate j -/+ (d+1) shifted, or M."""
        radix = self._radix
        all_ones = radix.sum()
        out = []
        for j in range(d + 1):
            step = int(-all_ones + ((d + 1) * radix[j] if j < d else 0))  # n1: key-1, key_j+d
            pair = []
            for sign in (1, -1):
                q = uniq + sign * step
                idx = torch.searchsorted(uniq, q).clamp_(max=m - 1)
                found = uniq[idx] == q
                idx = torch.where(found, idx, torch.full_like(idx, m))
                pair.append(torch.cat([idx, idx.new_full((1,), m)]))  # row M stays zero
            out.append(torch.stack(pair))
        return torch.stack(out)

    def splat(self, values: torch.Tensor) -> torch.Tensor:
        """``(P, C)`` pixel values -> ``(M + 1, C)`` vertex sums (last row: zero)."""
        return self._splat @ values

    def blur(self, v: torch.Tensor, reverse: bool = False) -> torch.Tensor:
        """``v + (v[n1] + v[n2]) / 2`` along each lattice direction, 0..d (d..0 reversed)."""
        m = self.n_vertices
        for j in (range(self.d, -1, -1) if reverse else range(self.d + 1)):
            n1, n2 = self.neighbours[j]
            nxt = v.index_select(0, n1).add_(v.index_select(0, n2)).mul_(0.5)
            nxt[:m] += v[:m]
            v = nxt
        return v

    def slice(self, v: torch.Tensor) -> torch.Tensor:
        """``(M + 1, C)`` vertex values -> ``(P, C)`` barycentric interpolation * alpha."""
        return self._slice @ v

    def filter(self, values: torch.Tensor, reverse: bool = False) -> torch.Tensor:
        """Gaussian-filter ``(P, C)`` values over the lattice (``Permutohedral::compute``)."""
        return self.slice(self.blur(self.splat(values), reverse))


def csr_rows(cols: torch.Tensor, vals: torch.Tensor, n_cols: int) -> torch.Tensor:
    """A CSR matrix with the same number k of entries in every row: ``(rows, k)`` sorted
    column indices and values."""
    rows, k = cols.shape
    crow = torch.arange(0, rows * k + 1, k, device=cols.device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(crow, cols.reshape(-1), vals.reshape(-1), (rows, n_cols))


def _elevate(f: torch.Tensor) -> torch.Tensor:
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


def _enclosing_simplex(elevated: torch.Tensor, d: int):
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


def _barycentric(elevated, rem0, rank, d: int) -> torch.Tensor:
    """Barycentric weights of the d+1 simplex vertices (p.10 of Adams et al.)."""
    v = (elevated - rem0.to(elevated.dtype)) * (1.0 / (d + 1))
    bary = elevated.new_zeros(elevated.shape[0], d + 2)
    bary.scatter_add_(1, d - rank, v)
    bary.scatter_add_(1, d - rank + 1, -v)
    bary[:, 0] += 1.0 + bary[:, d + 1]
    return bary[:, :d + 1]


def _pack(rem0: torch.Tensor, rank: torch.Tensor, b: int, n: int, d: int):
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
