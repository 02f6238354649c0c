"""What every formula file shares: float64 conversion, Caffe's axis rule, FLT_MAX."""
from __future__ import annotations

import numpy as np

FLT_MAX = float(np.finfo(np.float32).max)


def _f(x):
    return np.asarray(x, dtype=np.float64)


def _axis(axis, ndim):
    return axis + ndim if axis < 0 else axis
