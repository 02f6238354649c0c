"""Caffe's formulas in numpy: Eltwise SUM/PROD/MAX in Caffe's loop order (5.3)."""
from __future__ import annotations

import numpy as np

from .common import _f


def eltwise(xs, p):
    xs = [_f(x) for x in xs]
    if p.op == "SUM":
        return sum(c * x for c, x in zip(p.coeffs, xs))
    if p.op == "PROD":
        return np.prod(xs, axis=0)
    y = np.where(xs[0] > xs[1], xs[0], xs[1])  # Caffe's loop order decides NaN cases
    for x in xs[2:]:
        y = np.where(x > y, x, y)
    return y
