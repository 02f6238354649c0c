"""Caffe blob plumbing in PyTorch (NCHW): Concat, Slice, Flatten, Reshape, and the
reshape that shared memory needs. Same signatures as ``models/tf/ops_plumbing.py``."""
from __future__ import annotations

import torch

from ...converter.layers.plumbing import reshape_output, slice_bounds


def _axis(axis: int, ndim: int) -> int:
    return axis + ndim if axis < 0 else axis


def concat(xs, axis: int = 1):
    """Caffe Concat along Caffe axis ``axis``."""
    return torch.cat(list(xs), dim=_axis(axis, xs[0].dim()))


def slice_(x, p, n_tops: int):
    """Caffe Slice (``p``: SliceParams): at ``slice_points``, or in ``n_tops`` equal parts."""
    a = _axis(p.axis, x.dim())
    bounds = slice_bounds(p, x.shape[a], n_tops)
    sizes = [e - s for s, e in bounds]
    if bounds and bounds[0][0] == 0 and sum(sizes) == x.shape[a] and min(sizes) >= 0:
        return list(torch.split(x, sizes, a))  # one call: 100k tops in O(tops), no loop
    return [x.narrow(a, s, e - s) for s, e in bounds]


def flatten(x, p):
    """Caffe Flatten (``p``: FlattenParams): merge axes ``axis..end_axis`` (inclusive)."""
    a, e = _axis(p.axis, x.dim()), _axis(p.end_axis, x.dim())
    # Caffe: end_axis == axis - 1 merges no axes, i.e. inserts a 1 at `axis`
    return x.unsqueeze(a) if e == a - 1 else torch.flatten(x, a, e)


def reshape(x, p):
    """Caffe Reshape (``p``: ReshapeParams): 0 copies a dim, -1 infers one."""
    return x.reshape(reshape_output(p, tuple(x.shape)))


def reshape_like(x, like):
    """``x``'s elements in the shape of ``like`` (Caffe shared memory)."""
    return x.reshape(like.shape)
