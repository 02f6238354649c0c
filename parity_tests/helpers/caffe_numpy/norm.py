"""Caffe's formulas in numpy: BatchNorm, Scale/Bias and LRN (5.9, 5.10, 5.13)."""
from __future__ import annotations

import numpy as np

from .common import _f


def _bcast(v, ndim, axis):
    v = _f(v)
    return v.reshape((1,) * axis + v.shape + (1,) * (ndim - axis - v.ndim))


def batch_norm(x, blobs, p):
    """f = 0 if s == 0 else 1/s; y = (x - f*mean_sum) / sqrt(f*var_sum + eps), channel axis 1."""
    s = float(np.asarray(blobs[2]).reshape(-1)[0])
    f = 0.0 if s == 0 else 1.0 / s
    x = _f(x)
    axis = 1 if x.ndim > 1 else 0
    return (x - _bcast(f * _f(blobs[0]), x.ndim, axis)) / np.sqrt(
        _bcast(f * _f(blobs[1]), x.ndim, axis) + p.eps)


def scale(x, p, blobs, other=None, is_bias=False):
    """Scale: x * gamma (+ beta); Bias (``is_bias``): x + beta. The parameter spans
    num_axes axes from axis (-1: to the end), or is bottom[1] (``other``)."""
    x = _f(x)
    axis = p.axis + x.ndim if p.axis < 0 else p.axis
    params = list(blobs) if other is None else [other] + list(blobs)
    if is_bias:
        return x + _bcast(params[0], x.ndim, axis)
    y = x * _bcast(params[0], x.ndim, axis)
    return y + _bcast(params[1], x.ndim, axis) if p.bias_term else y


def lrn(x, p):
    """ACROSS: x * (k + alpha/n * sum_{|c'-c| <= (n-1)/2} x_c'^2)^-beta (outside C: 0).
    WITHIN: x * (1 + alpha/n^2 * sum of x^2 over the n x n window, zero padded)^-beta."""
    x = _f(x)
    n, half = p.local_size, (p.local_size - 1) // 2
    out = np.empty_like(x)
    if p.region == "ACROSS_CHANNELS":
        for c in range(x.shape[1]):
            s = (x[:, max(0, c - half):c + half + 1] ** 2).sum(axis=1)
            out[:, c] = x[:, c] * (p.k + p.alpha / n * s) ** -p.beta
        return out
    h, w = x.shape[2:]
    for i in range(h):
        for j in range(w):
            s = (x[:, :, max(0, i - half):i + half + 1, max(0, j - half):j + half + 1] ** 2)
            scale = 1 + p.alpha * s.sum(axis=(2, 3)) / (n * n)  # k is not used
            out[:, :, i, j] = x[:, :, i, j] * scale ** -p.beta
    return out
