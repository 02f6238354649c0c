"""Caffe's formulas in numpy: Convolution and Deconvolution (docs/caffe-semantics.md 4)."""
from __future__ import annotations

import numpy as np

from .common import _f


def conv2d(x, w, b, p):
    """y[n,o,i,j] = b[o] + sum_{c in group(o), u, v} W[o,c,u,v] x_pad[n,c,i*s+u*d-p, j*s+v*d-p]."""
    x, w = _f(x), _f(w)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), g = p.kernel, p.stride, p.pad, p.dilation, p.group
    n, c, h, wd = x.shape
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    oh = int((h + 2 * ph - eh) / sh) + 1  # C division truncates: an overhang < stride
    ow = int((wd + 2 * pw - ew) / sw) + 1  # still gives an output (reading zeros)
    xp = np.zeros((n, c, max(h + 2 * ph, (oh - 1) * sh + eh),
                   max(wd + 2 * pw, (ow - 1) * sw + ew)))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    y = np.zeros((n, p.num_output, oh, ow))
    ci, co = c // g, p.num_output // g
    for gi in range(g):
        for u in range(kh):
            for v in range(kw):
                tap = xp[:, gi * ci:(gi + 1) * ci, u * dh:u * dh + sh * (oh - 1) + 1:sh,
                         v * dw:v * dw + sw * (ow - 1) + 1:sw]
                y[:, gi * co:(gi + 1) * co] += np.einsum("nchw,oc->nohw", tap,
                                                         w[gi * co:(gi + 1) * co, :, u, v])
    return y + _f(b).reshape(1, -1, 1, 1) if b is not None else y


def deconv2d(x, w, b, p):
    """Every input pixel scatters W[c, o, u, v] * x to (i*s - pad + u*d, j*s - pad + v*d)."""
    x, w = _f(x), _f(w)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), g = p.kernel, p.stride, p.pad, p.dilation, p.group
    n, c, h, wd = x.shape
    full = np.zeros((n, p.num_output, sh * (h - 1) + dh * (kh - 1) + 1,
                     sw * (wd - 1) + dw * (kw - 1) + 1))
    ci, co = c // g, p.num_output // g
    for gi in range(g):
        for u in range(kh):
            for v in range(kw):
                full[:, gi * co:(gi + 1) * co, u * dh:u * dh + sh * (h - 1) + 1:sh,
                     v * dw:v * dw + sw * (wd - 1) + 1:sw] += np.einsum(
                    "nchw,co->nohw", x[:, gi * ci:(gi + 1) * ci], w[gi * ci:(gi + 1) * ci, :, u, v])
    y = full[:, :, ph:full.shape[2] - ph, pw:full.shape[3] - pw]  # pad crops the output
    return y + _f(b).reshape(1, -1, 1, 1) if b is not None else y
