"""Caffe's formulas in numpy: InnerProduct, flattening C,H,W (5.4)."""
from __future__ import annotations

import numpy as np

from .common import _f


def inner_product(x, w, b, p):
    """x viewed as (count(0, axis), count(axis, end)) in row-major (C, H, W) order."""
    x, w = _f(x), _f(w)
    axis = p.axis + x.ndim if p.axis < 0 else p.axis
    flat = x.reshape(int(np.prod(x.shape[:axis])), -1)
    y = flat @ (w if p.transpose else w.T)
    y = y + _f(b) if b is not None else y
    return y.reshape(x.shape[:axis] + (p.num_output,))
