"""The sum of DeepLab's Potts kernels as one splat / blur / slice over stacked lattices.

Every kernel k has its own :class:`~.crf_lattice.Lattice` (M_k vertices plus a zero row).
The vertex arrays are stacked, so one mean-field message costs one sparse matmul to
splat ``Q`` onto all lattices, a blur of each lattice along its own d_k + 1 directions,
and one sparse ``addmm`` that slices every lattice, scales it by the kernel's
``w_k * norm_k`` (Potts weight times ``NORMALIZE_AFTER``'s ``1 / K_k 1``) and adds the
unary's ``-U = logits``, all at once.

The blur step ``v + (v[n1] + v[n2]) / 2`` is computed as ``2 v + v[n1] + v[n2]`` (one
multiply fewer per step) into preallocated ping-pong buffers; the ``2^(d_k + 1)`` this
accumulates is folded into the slice weights. Nothing is allocated per step.
"""
from __future__ import annotations

import warnings

import torch

from .crf_lattice import csr_rows


class KernelSum:
    """``logits + sum_k w_k norm_k K_k q`` for kernels ``[(lattice, weight, norm)]``."""

    def __init__(self, kernels: list):
        lattices = [lat for lat, _, _ in kernels]
        starts, rows = [], 0
        for lat in lattices:
            starts.append(rows)
            rows += lat.n_vertices + 1
        self.n_rows = rows
        crows, cols, vals, nnz = [], [], [], 0
        for i, lat in enumerate(lattices):
            crow, col, val = lat.splat_csr
            crows.append((crow if i == 0 else crow[1:]) + nnz)
            cols.append(col)
            vals.append(val)
            nnz += int(crow[-1])
        with warnings.catch_warnings():  # "sparse CSR support is in beta state"
            warnings.simplefilter("ignore", UserWarning)
            self.splat_mat = torch.sparse_csr_tensor(torch.cat(crows), torch.cat(cols),
                                                     torch.cat(vals),
                                                     (rows, lattices[0].n_points))
        self.slice_mat = csr_rows(
            torch.cat([lat.slice_cols + s for lat, s in zip(lattices, starts)], dim=1),
            torch.cat([lat.slice_weights * (w * norm / 2.0 ** (lat.d + 1))
                       for lat, w, norm in kernels], dim=1),
            rows)
        # Per lattice: its row range and its (d+1, 2, M_k) local neighbour indices.
        self.blocks = [(s, s + lat.n_vertices, lat.neighbours[:, :, :lat.n_vertices])
                       for lat, s in zip(lattices, starts)]
        self._buffers = None

    def _buffers_for(self, c: int, like: torch.Tensor):
        if self._buffers is None or self._buffers[0].shape[1] != c:
            zeros = like.new_zeros(self.n_rows, c)   # zero rows of the blur stay zero
            self._buffers = (zeros, like.new_empty(self.n_rows, c))
        return self._buffers

    def blur(self, v: torch.Tensor) -> torch.Tensor:
        """``2^(d_k+1)`` times each lattice's blur of the stacked vertex values ``v``
        (overwritten)."""
        other, tmp = self._buffers_for(v.shape[1], v)
        for s, e, neighbours in self.blocks:
            src, dst = v[s:e + 1], other[s:e + 1]
            scratch = tmp[s:e]
            for n1, n2 in neighbours:
                out = dst[:e - s]
                torch.index_select(src, 0, n1, out=out)
                torch.index_select(src, 0, n2, out=scratch)
                out.add_(scratch).add_(src[:e - s], alpha=2.0)
                src, dst = dst, src
            if src.data_ptr() != v[s:e + 1].data_ptr():
                v[s:e].copy_(src[:e - s])
        return v

    def energy(self, logits: torch.Tensor, q: torch.Tensor, out=None) -> torch.Tensor:
        """``logits + sum_k w_k norm_k K_k q`` (P, C), into ``out`` if given."""
        v = self.blur(self.splat_mat @ q)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            if out is None:
                return torch.addmm(logits, self.slice_mat, v)
            return torch.addmm(logits, self.slice_mat, v, out=out)
