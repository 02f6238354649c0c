"""Caffe's formula in numpy: Softmax over an axis, max-subtracted (5.7)."""
from __future__ import annotations

import numpy as np

from .common import _axis, _f


def softmax(x, p):
    x = _f(x)
    a = _axis(p.axis, x.ndim)
    e = np.exp(x - x.max(axis=a, keepdims=True))
    return e / e.sum(axis=a, keepdims=True)
