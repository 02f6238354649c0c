"""The sum of DeepLab's Potts kernels as one splat / blur / slice over stacked lattices.

Every kernel k has its own :class:`~.crf_lattice.Lattice` (M_k vertices plus a zero row).
The vertex arrays are stacked, so one mean-field message costs one sparse matmul to
splat ``Q`` onto all lattices, one blur over all of them (directions a lattice lacks are
the identity), and one sparse ``addmm`` that slices every lattice, scales it by the
kernel's ``w_k * norm_k`` (Potts weight times ``NORMALIZE_AFTER``'s ``1 / K_k 1``) and
adds the unary's ``-U = logits``, all at once.
"""
from __future__ import annotations

import warnings

import torch

from .crf_lattice import Lattice, csr_rows


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
            torch.cat([lat.slice_weights * (w * norm) for lat, w, norm in kernels], dim=1),
            rows)
        self.neighbours = self._neighbours(lattices, starts)

    @staticmethod
    def _neighbours(lattices, starts) -> torch.Tensor:
        """(D, 2, rows): blur neighbours per direction; a lattice's own zero row where it
        has no such direction (then the step is the identity)."""
        steps = max(lat.d for lat in lattices) + 1
        out = []
        for j in range(steps):
            parts = []
            for lat, s in zip(lattices, starts):
                if j <= lat.d:
                    parts.append(lat.neighbours[j] + s)
                else:
                    zero = s + lat.n_vertices
                    parts.append(torch.full((2, lat.n_vertices + 1), zero,
                                            device=lat.neighbours.device))
            out.append(torch.cat(parts, dim=1))
        return torch.stack(out)

    def energy(self, logits: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
        """``logits + sum_k w_k norm_k K_k q`` (P, C)."""
        v = self.splat_mat @ q
        for n1, n2 in self.neighbours:
            nxt = v.index_select(0, n1).add_(v.index_select(0, n2)).mul_(0.5)
            v = nxt.add_(v)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return torch.addmm(logits, self.slice_mat, v)
