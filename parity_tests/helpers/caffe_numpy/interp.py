"""Caffe's formulas in numpy: DeepLab's Interp: output size and align-corners bilinear in float32 (6.1)."""
from __future__ import annotations

import numpy as np

from .common import _f


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
