"""Caffe's formulas in numpy, part 1 (import them from :mod:`caffe_numpy`): convolution,
deconvolution, pooling, crop, eltwise, InnerProduct, BatchNorm, Scale/Bias."""
from __future__ import annotations

import math

import numpy as np

FLT_MAX = float(np.finfo(np.float32).max)


def _f(x):
    return np.asarray(x, dtype=np.float64)


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


def crop(x, ref_shape, p):
    """Axes >= axis cut to ref_shape from the offsets (none: 0, one: all, else per axis)."""
    axis = p.axis + x.ndim if p.axis < 0 else p.axis
    offs = list(p.offsets) or [0]
    offs = offs * (x.ndim - axis) if len(offs) == 1 else offs
    idx = [slice(None)] * axis + [slice(o, o + ref_shape[axis + i]) for i, o in enumerate(offs)]
    return _f(x)[tuple(idx)]


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


def inner_product(x, w, b, p):
    """x viewed as (count(0, axis), count(axis, end)) in row-major (C, H, W) order."""
    x, w = _f(x), _f(w)
    axis = p.axis + x.ndim if p.axis < 0 else p.axis
    flat = x.reshape(int(np.prod(x.shape[:axis])), -1)
    y = flat @ (w if p.transpose else w.T)
    y = y + _f(b) if b is not None else y
    return y.reshape(x.shape[:axis] + (p.num_output,))


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
