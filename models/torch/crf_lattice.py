"""A vectorised permutohedral lattice in PyTorch (Adams et al. 2010), as Krähenbühl's.

:class:`Lattice` is built once from per-pixel features (already divided by their
standard deviations) and then filters any number of value arrays with the Gaussian
``exp(-|f_i - f_j|^2 / 2)`` approximated as Krähenbühl's ``densecrf`` does
(``permutohedral.cpp``): the same elevation and scale factors, the same rounding to the
enclosing simplex, barycentric splatting onto its d+1 vertices, a ``[1/2, 1, 1/2]`` blur
along each of the d+1 lattice directions in order 0..d, and slicing times
``alpha = 1 / (1 + 2^-d)``. Lattice points absent from the lattice contribute zero.

The hash table of the reference is replaced by sorting: each vertex key is packed into
one integer, a sort numbers the distinct vertices, and the blur neighbours are
found once with ``searchsorted``. Several images are one lattice (the image index is a
digit of the packed key, so their vertices never meet). Runs on the features' device.
"""
from __future__ import annotations

import warnings

import torch

from .crf_simplex import barycentric, elevate, enclosing_simplex, pack

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
        elevated = elevate(f.reshape(b * n, d))                      # (P, d+1)
        rem0, rank = enclosing_simplex(elevated, d)
        bary = barycentric(elevated, rem0, rank, d)                  # (P, d+1)
        codes, self._radix = pack(rem0, rank, b, n, d)               # (P, d+1) int64
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
