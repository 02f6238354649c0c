"""Caffe-exact functional ops in PyTorch (NCHW float32), shared by the generic rebuild
(:mod:`.generic`) and the FCN/DeepLab classes. Formulas: docs/caffe-semantics.md.

Every op takes tensors plus the converter's normalised parameter dataclasses
(``caffe2ss.converter.layers``) and never modifies its inputs in place.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ...converter.layers.activation import PowerParams
from ...converter.layers.conv import conv_end_pad
from ...converter.layers.crop import crop_offsets
from ...converter.layers.formulas import power_constant
from ...converter.layers.pool import PoolParams, ave_divisor, pool_windows
from .ops_interp import interp  # noqa: F401 (DeepLab's Interp, one of these ops)

#: Caffe starts every MAX window at -FLT_MAX (so an all -inf or empty window gives it).
FLT_MAX = float(np.finfo(np.float32).max)


def conv2d(x, weight, bias, p):
    """Convolution: cross-correlation, symmetric zero pad, Caffe's output size."""
    extra = [conv_end_pad(n, e, q) for n, e, q in zip(x.shape[-2:], p.extent(), p.pad)]
    if any(extra):  # kernel overhangs the padded input by < stride: Caffe reads zeros
        x = F.pad(x, (0, extra[1], 0, extra[0]))
    outs = [(n + 2 * q - e) // s + 1 for n, e, q, s in
            zip(x.shape[-2:], p.extent(), p.pad, p.stride)]
    # one window on an axis: its stride is irrelevant (and may overflow torch's int)
    stride = tuple(1 if o == 1 else s for o, s in zip(outs, p.stride))
    y = F.conv2d(x, weight, bias, stride, p.pad, p.dilation, p.group)
    return y[..., :outs[0], :outs[1]] if stride != tuple(p.stride) else y


def deconv2d(x, weight, bias, p):
    """Deconvolution (conv's transpose): weight (C_in, O/g, kh, kw); ``pad`` crops the
    output: ``s*(in-1) + d*(k-1) + 1 - 2*pad``, Caffe's size (no output_padding)."""
    return F.conv_transpose2d(x, weight, bias, p.stride, p.pad, 0, p.group, p.dilation)


def _implicit_pad_ok(h, w, k, s, pad, out) -> bool:
    """Whether torch's ``ceil_mode`` max pooling with implicit padding computes Caffe's
    windows: same output size, pad <= k/2 (torch's limit), and every window, the last
    included, starts inside the real input (so none is empty: Caffe gives -FLT_MAX)."""
    for n, kk, ss, pp, o in zip((h, w), k, s, pad, out):
        t = -(-(n + 2 * pp - kk) // ss) + 1  # torch: ceil, then the same clip rule
        if (t - 1) * ss >= n + pp:
            t -= 1
        if n + 2 * pp < kk or pp > kk // 2 or t != o or (o - 1) * ss - pp >= n or pp >= kk:
            return False
    return True


def pool2d(x, p):
    """Pooling with Caffe's ceil-mode size (+ pad clip rule) and AVE divisor.

    We pad explicitly (``pad`` top/left, whatever the last window needs bottom/right),
    pool without padding and keep Caffe's number of windows.
    """
    h, w = x.shape[-2:]
    (kh, kw), (sh, sw), (ph, pw) = p.resolved(h, w)
    oh, ow = p.output_size(h, w)
    eh = max(0, (oh - 1) * sh + kh - h - ph)  # ceil-mode windows may hang past H + pad
    ew = max(0, (ow - 1) * sw + kw - w - pw)
    if (h + ph + eh) * (w + pw + ew) > 4 * h * w + 4096 or max(kh, kw) >= 2**31:
        return _pool2d_by_windows(x, p, h, w, oh, ow)  # huge stride/pad: no padding
    sh, sw = 1 if oh == 1 else sh, 1 if ow == 1 else sw  # one window: any stride (int32)
    if p.method == "MAX":  # Caffe: m = -FLT_MAX; if (x > m) m = x -- NaN never wins
        def max_pool(x):  # Caffe's windows; padding at -FLT_MAX, an empty window's value
            if p.ceil and _implicit_pad_ok(h, w, (kh, kw), (sh, sw), (ph, pw), (oh, ow)):
                # no padded copy: torch's implicit -inf padding never wins over real values
                return F.max_pool2d(x, (kh, kw), (sh, sw), (ph, pw), ceil_mode=True)
            xp = F.pad(x, (pw, ew, ph, eh), value=-FLT_MAX)
            return F.max_pool2d(xp, (kh, kw), (sh, sw))[..., :oh, :ow]

        if x.device.type == "cpu":
            # torch's max is Caffe's wherever the result is finite (a NaN in a window
            # propagates, an all -inf window gives -inf). A finite sum proves every
            # output finite (one read, no mask; an overflowing sum only costs the
            # clamped pass below). Not on other devices: the check would sync.
            y = max_pool(x)
            if math.isfinite(float(y.detach().sum())):
                return y
        return max_pool(torch.fmax(x, x.new_tensor(-FLT_MAX)))  # NaN, -inf -> -FLT_MAX
    xp = F.pad(x, (pw, ew, ph, eh))  # padding adds 0 to the sum
    total = F.avg_pool2d(xp, (kh, kw), (sh, sw), divisor_override=1)[..., :oh, :ow]
    # Caffe's divisor counts padding up to H + pad but not the ceil overhang beyond it.
    div = torch.from_numpy(ave_divisor(h, w, p)).to(x.device, x.dtype)
    return total / div


def _pool2d_by_windows(x, p, h, w, oh, ow):
    """Pooling as two separable passes over each window's part inside the image.

    Used when explicit padding would dwarf the input (a stride or pad of 2^32 pads to
    ~2^32 rows): memory stays input + output, whatever the stride, pad or kernel.
    MAX ignores padding like Caffe (empty window: -FLT_MAX); AVE sums the image cells
    and divides by Caffe's divisor.
    """
    (kh, kw), (sh, sw), (ph, pw) = p.resolved(h, w)
    is_max = p.method == "MAX"
    if is_max:
        x = torch.where(x >= -FLT_MAX, x, -FLT_MAX)
    for axis, (size, k, s, q, n) in ((2, (h, kh, sh, ph, oh)), (3, (w, kw, sw, pw, ow))):
        _, _, lo, hi = pool_windows(size, k, s, q, n)
        parts = []
        for a, b in zip(lo.tolist(), hi.tolist()):
            if b > a:
                part = x.narrow(axis, a, b - a)
                parts.append(part.amax(axis, keepdim=True) if is_max
                             else part.sum(axis, keepdim=True))
            else:
                shape = list(x.shape)
                shape[axis] = 1
                parts.append(x.new_full(shape, -FLT_MAX if is_max else 0.0))
        x = torch.cat(parts, axis)
    if is_max:
        return x
    return x / torch.from_numpy(ave_divisor(h, w, p)).to(x.device, x.dtype)


def crop(x, ref, p):
    """Crop: axes >= ``axis`` of ``x`` cut to ``ref``'s size starting at Caffe's offsets."""
    axis, offs = crop_offsets(p, x.dim())
    index = [slice(None)] * axis
    index += [slice(o, o + int(ref.shape[axis + i])) for i, o in enumerate(offs)]
    return x[tuple(index)]


def eltwise(xs, p):
    """Eltwise SUM (``top = 0 + c0*x0 + c1*x1 + ...`` as Caffe's axpy loop), PROD, MAX."""
    if p.op == "SUM":
        y = xs[0] if p.coeffs[0] == 1 else xs[0] * p.coeffs[0]
        for c, x in zip(p.coeffs[1:], xs[1:]):
            y = y + x if c == 1 else y + x * c
        return y
    if p.op == "MAX":  # Caffe's loop: a > b ? a : b, then x > top ? x : top (NaN order)
        y = torch.where(xs[0] > xs[1], xs[0], xs[1])
        for x in xs[2:]:
            y = torch.where(x > y, x, y)
        return y
    y = xs[0]
    for x in xs[1:]:
        y = y * x
    return y


def inner_product(x, weight, bias, p):
    """InnerProduct: flatten axes >= ``axis`` row-major (C, H, W order) into K."""
    axis = p.axis + x.dim() if p.axis < 0 else p.axis
    flat = x.reshape(*x.shape[:axis], -1)
    y = flat @ weight if p.transpose else F.linear(flat, weight)  # transpose: W is (K, N)
    return y + bias if bias is not None else y


def _bshape(ndim, axis, pshape):  # broadcast a parameter of pshape at axis
    return (1,) * axis + tuple(pshape) + (1,) * (ndim - axis - len(pshape))


def batch_norm(x, mean, var, eps):
    """BatchNorm with global stats: ``(x - mean) / sqrt(var + eps)`` over channel axis 1.

    ``mean``/``var`` are already divided by Caffe's scale factor (zero factor -> 0).
    """
    shape = _bshape(x.dim(), 1, mean.shape) if x.dim() > 1 else mean.shape
    return (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)


def affine(x, gamma, beta, axis):
    """Scale/Bias: ``x * gamma + beta``, both broadcast from ``axis`` (either may be None)."""
    ref = gamma if gamma is not None else beta
    shape = _bshape(x.dim(), axis, ref.shape)
    y = x * gamma.reshape(shape) if gamma is not None else x
    return y + beta.reshape(shape) if beta is not None else y


def power(x, p):
    """Power ``(shift + scale*x) ** power`` with Caffe's constant cases and op order."""
    value = power_constant(p)  # Caffe: constant 1 or shift**power
    if value is not None:
        return torch.full_like(x, value)
    y = x * p.scale if p.scale != 1 else x
    y = y + p.shift if p.shift != 0 else y
    return torch.pow(y, p.power) if p.power != 1 else y


def lrn(x, p):
    """LRN. ACROSS: ``x * (k + alpha/n * sum_window x^2)^-beta`` (alpha divided by n).
    WITHIN: square -> AVE pool (n, pad (n-1)/2) -> Power(-beta, alpha, shift 1) -> product;
    the divisor is n^2 everywhere and ``k`` is ignored, as Caffe builds it."""
    n, half = p.local_size, (p.local_size - 1) // 2
    if p.region == "WITHIN_CHANNEL":
        pool = PoolParams("AVE", (n, n), (1, 1), (half, half), False, True)
        scale = power(pool2d(x * x, pool), PowerParams(-p.beta, p.alpha, 1.0))
        return x * scale
    if half >= x.shape[1]:  # every window holds all channels: no padding to ~n channels
        total = (x * x).sum(1, keepdim=True).expand_as(x)
    else:
        sq = F.pad(x * x, (0, 0, 0, 0, half, half))  # channels outside [0, C) count as 0
        total = sum(sq[:, i:i + x.shape[1]] for i in range(n))
    alpha_n = float(np.float32(p.alpha) / np.float32(n))  # Caffe: alpha / size in float
    return x * torch.pow(total * alpha_n + p.k, -p.beta)


def relu(x, negative_slope=0.0):
    """ReLU ``max(x, 0) + slope * min(x, 0)``."""
    if negative_slope == 0:
        return torch.relu(x)
    return torch.clamp_min(x, 0) + negative_slope * torch.clamp_max(x, 0)


def prelu(x, slope):
    """PReLU ``max(x, 0) + slope_c * min(x, 0)``; ``slope`` is (C,) or 0-d (shared)."""
    s = slope.reshape(_bshape(x.dim(), 1, slope.shape)) if slope.dim() else slope
    return torch.clamp_min(x, 0) + s * torch.clamp_max(x, 0)


def elu(x, alpha=1.0):
    """ELU as Caffe writes it: ``max(x, 0) + alpha * (exp(min(x, 0)) - 1)``."""
    return torch.clamp_min(x, 0) + alpha * (torch.exp(torch.clamp_max(x, 0)) - 1)


def dropout(x, ratio: float, training: bool = False):
    """Caffe Dropout: identity at test time; inverted dropout (scale 1/(1-ratio)) in training."""
    return F.dropout(x, ratio, training=True) if training else x


def softmax(x, axis=1):
    """Softmax over ``axis`` (max-subtracted, as Caffe)."""
    return torch.softmax(x, dim=axis)
