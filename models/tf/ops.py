"""Caffe-exact spatial ops on NHWC tensors: convolution, deconvolution, pooling, crop.

Shared by the generic rebuild (``generic.py``) and the FCN/DeepLab classes. Each op
takes the converter's parameter objects (``caffe2ss.converter.layers``), exactly as the
PyTorch ops of ``models/torch/ops.py`` do. Sizes are
computed with TF ops from ``tf.shape``, so every op works for any input size, also
inside a ``tf.function`` with unknown H and W. The other ops, blob plumbing and Interp
are in ``ops_nonspatial.py``, ``ops_plumbing.py`` and ``ops_interp.py``; the layout rule is in
``layout.py``.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from ...converter.layers import formulas
from ...converter.layers.conv import conv_end_pad
from ...converter.layers.crop import crop_offsets
from ...converter import memplan
from ...converter.memplan import tf_conv_form
from .layout import tf_axis

F32 = tf.float32


def _pad(x, ph, pw, extra_h=0, extra_w=0, value=0.0):
    """Pad H by ``ph`` top, ``ph + extra_h`` bottom (W likewise) with ``value``."""
    return tf.pad(x, [[0, 0], [ph, ph + extra_h], [pw, pw + extra_w], [0, 0]],
                  constant_values=value)


# TF's inference convolution forms: which kernels take them and their caps live in
# :mod:`caffe2ss.converter.memplan` (:func:`tf_conv_form`, ``TF_GEMM_MAX_PATCHES``,
# ``TF_TAPS_MAX_ELEMENTS``), which counts their scratch. im2col + one GEMM as Caffe
# computes it: FCN's 7x7x512 fc6 (TF's direct Conv2D is 2-4x slower on CPU). One 1x1
# Conv2D (a GEMM) per kernel tap on the shifted input, summed: 3x3x512 on 88 x 88,
# FCN's conv4, in 0.55-0.6x the time of TF's 3x3 Conv2D (at 256 channels no faster);
# dilated too (DeepLab's conv5 and fc6).

#: A dilated stride-1 convolution whose space-to-batch tiles (padded size / dilation)
#: would be under this many pixels runs as one dilated Conv2D (DeepLab's fc6, dilation
#: 12 on 41 x 41: 2x faster; on larger tiles space-to-batch is the faster form).
S2B_MIN_TILE = 10


def conv2d(x, kernel, bias, p):
    """Caffe Convolution (``p``: ConvParams), TF's own Conv2D forms: training-safe
    (every form has a CPU gradient). ``kernel`` is HWIO with I = C/group."""
    return _conv2d(x, kernel, bias, p, inference=False)


def conv2d_inference(x, kernel, bias, p):
    """:func:`conv2d` in the fastest exact form for its sizes (no gradients needed)."""
    return _conv2d(x, kernel, bias, p, inference=True)


def _conv2d(x, kernel, bias, p, inference: bool):
    """Caffe Convolution (``p``: ConvParams). ``kernel`` is HWIO with I = C/group (TF
    infers the groups).

    Caffe pads symmetrically with zeros and floors the output size; TF's 'SAME' pads
    asymmetrically, so pad explicitly (Conv2D's explicit paddings: a tf.pad before a
    Conv2D is fused with it in a graph, rounding differently from the eager ops; a
    tf.pad before the space-to-batch and GEMM forms) and convolve 'VALID'.
    ``inference``: the fastest form for the sizes (im2col + GEMM for a large kernel
    over many channels, :func:`conv_gemm`; a 1x1 GEMM per tap over 512+ channels,
    :func:`conv_taps`; one dilated Conv2D for small dilated planes); pass False when
    training: those gradients are slow or missing on CPU.
    """
    stride, pad, dilation = p.stride, p.pad, p.dilation
    ext = [d * (k - 1) + 1 for k, d in zip(kernel.shape[:2], dilation)]
    extra = []  # a kernel overhanging the padded input by < stride: Caffe reads zeros
    for i, (n, e, p) in enumerate(zip(x.shape[1:3], ext, pad)):
        extra.append(conv_end_pad(n, e, p) if n is not None
                     else tf.maximum(0, e - tf.shape(x)[i + 1] - 2 * p))
    kh, kw, cin, _ = kernel.shape
    hw = [n if n is not None else tf.shape(x)[i + 1] for i, n in enumerate(x.shape[1:3])]

    def explicit():
        static = [v if isinstance(v, int) else 0 for v in extra]
        xe = x
        if any(not isinstance(v, int) for v in extra):  # only overhang zeros are dynamic
            xe = _pad(x, 0, 0, *(0 if isinstance(v, int) else v for v in extra))
        paddings = [[0, 0], [pad[0], pad[0] + static[0]], [pad[1], pad[1] + static[1]], [0, 0]]
        return tf.nn.conv2d(xe, kernel, (1, *stride, 1), paddings if any(map(any, paddings))
                            else "VALID", dilations=(1, *dilation, 1))

    def padded(form):
        def run():
            xp = x
            if any(pad) or any(not isinstance(v, int) or v for v in extra):
                xp = _pad(x, pad[0], pad[1], *extra)
            return form(xp)
        return run

    # space-to-batch form: the same values, and a gradient on CPU too (TF's CPU Conv2D
    # has no dilated backprop, so DeepLab could not train in Keras otherwise)
    s2b = padded(lambda xp: tf.nn.convolution(xp, kernel, padding="VALID",
                                              dilations=tuple(dilation)))
    dilated = tuple(stride) == (1, 1) and max(dilation) > 1
    base = s2b if dilated else explicit
    if inference and dilated:
        small = _all([n + 2 * q < S2B_MIN_TILE * d
                      for n, q, d in zip(hw, pad, dilation) if d > 1])
        base = _when(small, explicit, s2b)
    rows = [(n + 2 * q + e_ - e) // s + 1 for n, q, e_, e, s in zip(hw, pad, extra, ext, stride)]
    batch = x.shape[0] if x.shape[0] is not None else tf.shape(x)[0]
    # the form memplan counts the scratch of (its cap exceeded: the form above)
    form = tf_conv_form(kh, kw, cin, stride, cin != x.shape[3]) if inference else None
    if form == "taps":
        count = _prod([batch, *rows, kh * kw * kernel.shape[3]])
        base = _when(count <= memplan.TF_TAPS_MAX_ELEMENTS,
                     padded(lambda xp: conv_taps(xp, kernel, dilation)), base)
    elif form == "gemm":
        count = _prod([batch, *rows, kh * kw * cin])
        base = _when(count <= memplan.TF_GEMM_MAX_PATCHES,
                     padded(lambda xp: conv_gemm(xp, kernel, stride, dilation)), base)
    return _bias(base(), bias)


def _bias(y, bias):
    return y if bias is None else tf.nn.bias_add(y, bias)


def _all(conds):
    """And of Python bools and boolean tensors (a Python bool when all are)."""
    conds = list(conds)
    if any(c is False for c in conds):
        return False
    out = True
    for c in conds:
        out = c if out is True else out if c is True else tf.logical_and(out, c)
    return out


def _prod(values):
    """Product of Python ints and int tensors, in int64 when any is a tensor."""
    if all(isinstance(v, int) for v in values):
        out = 1
        for v in values:
            out *= v
        return out
    out = tf.constant(1, tf.int64)
    for v in values:
        out = out * tf.cast(v, tf.int64)
    return out


def _when(cond, yes, no):
    """``yes`` or ``no`` (zero-argument functions) by ``cond``: chosen here when it is a
    Python bool, else by ``tf.cond`` in the graph. Returns a zero-argument function."""
    if isinstance(cond, (bool, np.bool_)):
        return yes if cond else no
    return lambda: tf.cond(cond, yes, no)


def conv_taps(x, kernel, dilation=(1, 1)):
    """VALID stride-1 convolution as the sum over kernel taps (i, j) of the input shifted
    by (i * dh, j * dw) times the tap's ``(C, O)`` matrix (a 1x1 Conv2D each)."""
    kh, kw = kernel.shape[:2]
    (dh, dw), eh, ew = dilation, dilation[0] * (kh - 1), dilation[1] * (kw - 1)
    h = x.shape[1] if x.shape[1] is not None else tf.shape(x)[1]
    w = x.shape[2] if x.shape[2] is not None else tf.shape(x)[2]
    return tf.add_n([tf.nn.conv2d(x[:, i * dh:h - (eh - i * dh), j * dw:w - (ew - j * dw)],
                                  kernel[i:i + 1, j:j + 1], 1, "VALID")
                     for i in range(kh) for j in range(kw)])


def conv_gemm(x, kernel, stride, dilation):
    """VALID convolution as Caffe computes it: im2col patches (tap-major, channels
    last: the HWIO kernel's row order) times the kernel as a ``(kh*kw*C, O)`` matrix."""
    kh, kw, cin, cout = kernel.shape
    patches = tf.image.extract_patches(x, (1, kh, kw, 1), (1, *stride, 1),
                                       (1, *dilation, 1), "VALID")
    s = tf.shape(patches)
    y = tf.matmul(tf.reshape(patches, (-1, kh * kw * cin)),
                  tf.reshape(kernel, (kh * kw * cin, cout)))
    return tf.reshape(y, (s[0], s[1], s[2], cout))


def _dilate(k, dilation):
    """Insert ``d - 1`` zero taps between kernel taps (exact: the zeros add 0)."""
    for axis, d in enumerate(dilation):
        if d > 1:
            n = k.shape[axis]
            k = tf.stack([k] + [tf.zeros_like(k)] * (d - 1), axis=axis + 1)
            shape = list(k.shape[:axis]) + [n * d] + list(k.shape[axis + 2:])
            k = tf.gather(tf.reshape(k, shape), tf.range((n - 1) * d + 1), axis=axis)
    return k


def deconv2d(x, kernel, bias, p):
    """Caffe Deconvolution (``p``: ConvParams). ``kernel`` is ``(kh, kw, O/group, C_in)``
    (conv2d_transpose's layout).

    Output ``s*(in-1) + K_eff`` ('VALID' transpose), then ``pad`` cropped from each side.
    Dilation is done by zero-dilating the kernel (TF's CPU transpose has no dilation);
    groups by splitting channels (conv2d_transpose has no groups).
    """
    stride, pad, group = p.stride, p.pad, p.group
    k = _dilate(tf.convert_to_tensor(kernel), p.dilation)
    kh, kw, og = k.shape[0], k.shape[1], k.shape[2]
    n, h, w = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
    oh, ow = stride[0] * (h - 1) + kh, stride[1] * (w - 1) + kw
    xs = tf.split(x, group, axis=3) if group > 1 else [x]
    ks = tf.split(k, group, axis=3) if group > 1 else [k]
    ys = [tf.nn.conv2d_transpose(xi, ki, tf.stack([n, oh, ow, og]), (1, *stride, 1), "VALID")
          for xi, ki in zip(xs, ks)]
    y = tf.concat(ys, axis=3) if group > 1 else ys[0]
    y = y[:, pad[0]:oh - pad[0], pad[1]:ow - pad[1], :]  # Caffe's pad crops the output
    return y if bias is None else tf.nn.bias_add(y, bias)


def pool_size(size, k: int, s: int, p: int, ceil: bool = True, clip: bool | None = None):
    """Caffe's pooled size with TF ints (``converter.layers.formulas.pool_size``)."""
    return formulas.pool_size(size, k, s, p, ceil, p > 0 if clip is None else clip,
                              ge=lambda a, b: tf.cast(a >= b, a.dtype))


def ave_divisor(h, w, kernel, stride, pad, oh, ow):
    """Caffe's AVE divisor map ``(1, oh, ow, 1)``: ``converter.layers.formulas.ave_divisor``
    over TF int tensors (padded cells up to ``H + pad`` count, the ceil overhang not)."""
    div = formulas.ave_divisor(tf.range(oh), tf.range(ow), h, w, kernel, stride, pad,
                               minimum=tf.minimum, column=lambda v: v[:, None])
    return tf.cast(div, F32)[None, :, :, None]


def pool2d(x, p):
    """Caffe Pooling (``p``: PoolParams; MAX or AVE, global or windowed) with ceil mode
    and pad clipping, via explicit padding."""
    if p.global_pooling:
        return global_pool(x, p.method)
    method, kernel, stride, pad, ceil = p.method, p.kernel, p.stride, p.pad, p.ceil
    h, w = tf.shape(x)[1], tf.shape(x)[2]
    clip = any(pad)  # Caffe: `if (pad_h_ || pad_w_)` clips both axes
    oh = pool_size(h, kernel[0], stride[0], pad[0], ceil, clip)
    ow = pool_size(w, kernel[1], stride[1], pad[1], ceil, clip)
    # ceil mode may need windows that hang past the padding: pad bottom/right further
    eh = tf.maximum(0, (oh - 1) * stride[0] + kernel[0] - (h + 2 * pad[0]))
    ew = tf.maximum(0, (ow - 1) * stride[1] + kernel[1] - (w + 2 * pad[1]))
    st = (1, *stride, 1)
    if method == "MAX":  # -FLT_MAX padding never wins; an empty window gives -FLT_MAX as in Caffe
        x = tf.where(x >= F32.min, x, F32.min)  # Caffe's `x > max` never picks NaN (or -inf)
        y = tf.nn.max_pool2d(_pad(x, pad[0], pad[1], eh, ew, F32.min), kernel, st, "VALID")
    else:  # AVE: zero padding, sum (= avg * kh*kw on full VALID windows) / Caffe's divisor
        y = tf.nn.avg_pool2d(_pad(x, pad[0], pad[1], eh, ew), kernel, st, "VALID")
        scale = float(kernel[0] * kernel[1]) / ave_divisor(h, w, kernel, stride, pad, oh, ow)
        return y[:, :oh, :ow] * scale
    return y[:, :oh, :ow]  # the clip rule can drop a window that VALID would keep


def global_pool(x, method: str):
    """Caffe global pooling: the whole H x W plane (AVE divides by H*W)."""
    if method == "MAX":  # Caffe's `x > max` from -FLT_MAX: NaN and -inf never win
        return tf.reduce_max(tf.where(x >= F32.min, x, F32.min), axis=[1, 2], keepdims=True)
    return tf.reduce_mean(x, axis=[1, 2], keepdims=True)


def crop(x, ref, p):
    """Caffe Crop (``p``: CropParams): every Caffe axis >= ``axis`` of ``x`` cut to
    ``ref``'s size at Caffe's offsets."""
    ndim = x.shape.rank
    axis, offsets = crop_offsets(p, ndim)
    begin, size = [0] * ndim, [-1] * ndim
    for i, off in zip(range(axis, ndim), offsets):
        a = tf_axis(i, ndim)
        begin[a], size[a] = off, (ref.shape[a] if ref.shape[a] is not None else tf.shape(ref)[a])
    return tf.slice(x, begin, size)

