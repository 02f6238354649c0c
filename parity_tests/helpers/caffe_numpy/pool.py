"""Caffe's formulas in numpy: Pooling: ceil mode, the pad clip rule, MAX from -FLT_MAX, Caffe's AVE divisor (5.1)."""
from __future__ import annotations

import math

import numpy as np

from .common import FLT_MAX, _f


def pooled_size(size, k, s, pad, ceil=True, clip=None):
    """ceil/floor((size + 2 pad - k) / s) + 1 in float; if any pad of the layer is > 0
    (``clip``; default: this pad), drop a last window that starts at or past size + pad."""
    out = (math.ceil if ceil else math.floor)((size + 2 * pad - k) / s) + 1
    clip = pad > 0 if clip is None else clip
    return out - 1 if clip and (out - 1) * s >= size + pad else out


def pool2d(x, p):
    """MAX: max over the window clipped to the image (start -FLT_MAX). AVE: sum over the
    clipped window / ((hend - hstart) (wend - wstart)) with hend = min(hstart + k, H + pad)."""
    x = _f(x)
    n, c, h, w = x.shape
    if p.global_pooling:
        (kh, kw), (sh, sw), (ph, pw) = (h, w), (1, 1), (0, 0)
    else:
        (kh, kw), (sh, sw), (ph, pw) = p.kernel, p.stride, p.pad
    clip = ph > 0 or pw > 0  # Caffe: `if (pad_h_ || pad_w_)` clips both axes
    oh, ow = pooled_size(h, kh, sh, ph, p.ceil, clip), pooled_size(w, kw, sw, pw, p.ceil, clip)
    y = np.empty((n, c, oh, ow))
    for i in range(oh):
        hs = i * sh - ph
        he = min(hs + kh, h + ph)
        for j in range(ow):
            ws = j * sw - pw
            we = min(ws + kw, w + pw)
            win = x[:, :, max(hs, 0):min(he, h), max(ws, 0):min(we, w)]
            if p.method == "MAX":  # Caffe: if (x > max) max = x, from -FLT_MAX: NaN never wins
                win = np.where(win >= -FLT_MAX, win, -FLT_MAX)
                y[:, :, i, j] = np.max(win, axis=(2, 3), initial=-FLT_MAX)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    y[:, :, i, j] = win.sum(axis=(2, 3)) / ((he - hs) * (we - ws))
    return y
