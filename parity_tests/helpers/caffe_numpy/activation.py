"""Caffe's formulas in numpy: Element-wise layers: ReLU, PReLU, ELU, Power, Sigmoid, TanH, AbsVal, Dropout (5.5-5.8)."""
from __future__ import annotations

import numpy as np

from .common import _f


def relu(x, p):
    x = _f(x)
    return np.maximum(x, 0) + p.negative_slope * np.minimum(x, 0)


def prelu(x, slopes):
    x, s = _f(x), _f(slopes)
    s = s.reshape((1, -1) + (1,) * (x.ndim - 2)) if s.ndim else s
    return np.maximum(x, 0) + s * np.minimum(x, 0)


def elu(x, p):
    x = _f(x)
    return np.maximum(x, 0) + p.alpha * (np.exp(np.minimum(x, 0)) - 1)


def power(x, p):
    """(shift + scale x)^power; if power * scale == 0: 1 (power 0) or shift^power."""
    x = _f(x)
    if p.power * p.scale == 0:  # powf in float32: a negative shift gives NaN
        with np.errstate(invalid="ignore"):
            value = np.float32(p.shift) ** np.float32(p.power)
        return np.full_like(x, 1.0 if p.power == 0 else value)
    with np.errstate(invalid="ignore"):
        return (p.shift + p.scale * x) ** p.power


def sigmoid(x, p=None):
    return 1 / (1 + np.exp(-_f(x)))


def tanh(x, p=None):
    return np.tanh(_f(x))


def absval(x, p=None):
    return np.abs(_f(x))


def dropout(x, p=None):
    return _f(x)  # test phase: identity
