"""Caffe's formulas in numpy, part 2 (import them from :mod:`caffe_numpy`): LRN,
element-wise layers, blob plumbing and DeepLab's Interp."""
from __future__ import annotations

import numpy as np


def _f(x):
    return np.asarray(x, dtype=np.float64)


def _axis(axis, ndim):
    return axis + ndim if axis < 0 else axis


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


def softmax(x, p):
    x = _f(x)
    a = _axis(p.axis, x.ndim)
    e = np.exp(x - x.max(axis=a, keepdims=True))
    return e / e.sum(axis=a, keepdims=True)


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


def interp_size(p, h, w):
    """DeepLab's output size: (out_h, out_w, in_h_eff, in_w_eff)."""
    hi, wi = h + p.pad_beg + p.pad_end, w + p.pad_beg + p.pad_end
    zoom = lambda a: (a - 1) * p.zoom_factor + 1  # noqa: E731
    shrink = lambda a: (a - 1) // p.shrink_factor + 1  # noqa: E731
    z, s = p.zoom_factor is not None, p.shrink_factor is not None
    hw = p.height is not None and p.width is not None
    if p.fork == "deeplab_v1":  # exactly one of zoom, shrink, height+width
        return ((zoom(hi), zoom(wi)) if z else (shrink(hi), shrink(wi)) if s
                else (p.height, p.width)) + (hi, wi)
    if s and not z:
        return shrink(hi), shrink(wi), hi, wi
    if z and not s:
        return zoom(hi), zoom(wi), hi, wi
    if hw:
        return p.height, p.width, hi, wi
    return zoom(shrink(hi)), zoom(shrink(wi)), hi, wi


def _positions(n_in, n_out):
    r = np.float32(n_in - 1) / np.float32(n_out - 1) if n_out > 1 else np.float32(0)
    t = [np.float32(r * np.float32(i)) for i in range(n_out)]  # float32, as DeepLab
    return [(int(v), 1 if int(v) < n_in - 1 else 0, float(v - np.float32(int(v)))) for v in t]


def interp(x, p):
    """Align-corners bilinear over the region starting at row/col -pad_beg (DeepLab)."""
    x = _f(x)
    ho, wo, hi, wi = interp_size(p, *x.shape[2:])
    b = -p.pad_beg
    x = x[:, :, b:b + hi, b:b + wi]
    if (ho, wo) == (hi, wi):
        return x.copy()
    y = np.empty(x.shape[:2] + (ho, wo))
    cols = _positions(wi, wo)
    w0 = np.array([c[0] for c in cols])
    w1 = w0 + np.array([c[1] for c in cols])
    lw = np.array([c[2] for c in cols])
    for i, (h0, dh, lh) in enumerate(_positions(hi, ho)):
        top = (1 - lw) * x[:, :, h0, w0] + lw * x[:, :, h0, w1]
        bot = (1 - lw) * x[:, :, h0 + dh, w0] + lw * x[:, :, h0 + dh, w1]
        y[:, :, i] = (1 - lh) * top + lh * bot
    return y
