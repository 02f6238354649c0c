"""Caffe's formulas in numpy: blob plumbing: Concat, Slice, Flatten, Reshape (5.11)."""
from __future__ import annotations

import numpy as np

from .common import _axis, _f


def concat(xs, p):
    return np.concatenate([_f(x) for x in xs], axis=_axis(p.axis, np.ndim(xs[0])))


def slice_(x, p, n_tops):
    a = _axis(p.axis, np.ndim(x))
    pts = list(p.slice_points) or [x.shape[a] // n_tops * i for i in range(1, n_tops)]
    return np.split(_f(x), pts, axis=a)


def flatten(x, p):
    a, e = _axis(p.axis, np.ndim(x)), _axis(p.end_axis, np.ndim(x))
    return _f(x).reshape(x.shape[:a] + (-1,) + x.shape[e + 1:])


def reshape(x, p):
    """dims replace axes [axis, axis + num_axes); 0 copies that input dim, -1 is inferred."""
    s = x.shape
    a = p.axis + len(s) + 1 if p.axis < 0 else p.axis
    end = len(s) if p.num_axes == -1 else a + p.num_axes
    mid = [s[a + i] if d == 0 else d for i, d in enumerate(p.dims)]
    return _f(x).reshape(s[:a] + tuple(mid) + s[end:])
