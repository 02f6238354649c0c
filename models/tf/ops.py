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

import tensorflow as tf

from ...converter.layers import formulas
from ...converter.layers.conv import conv_end_pad
from ...converter.layers.crop import crop_offsets
from .layout import tf_axis

F32 = tf.float32


def _pad(x, ph, pw, extra_h=0, extra_w=0, value=0.0):
    """Pad H by ``ph`` top, ``ph + extra_h`` bottom (W likewise) with ``value``."""
    return tf.pad(x, [[0, 0], [ph, ph + extra_h], [pw, pw + extra_w], [0, 0]],
                  constant_values=value)


#: Convolutions with at least this many kernel taps over at least GEMM_MIN_CHANNELS input
#: channels run as Caffe does, im2col + one GEMM (FCN's 7x7x512 fc6: TF's direct Conv2D
#: is 2-4x slower on CPU); the patch matrix is capped at GEMM_MAX_PATCHES elements.
GEMM_MIN_TAPS = 25
GEMM_MIN_CHANNELS = 256
GEMM_MAX_PATCHES = 1 << 24  # 64 MiB of float32, beyond the memory plan's blobs


def conv2d(x, kernel, bias, p, gemm: bool = True):
    """Caffe Convolution (``p``: ConvParams). ``kernel`` is HWIO with I = C/group (TF
    infers the groups).

    Caffe pads symmetrically with zeros and floors the output size; TF's 'SAME' pads
    asymmetrically, so pad explicitly (Conv2D's explicit paddings; a tf.pad before the
    space-to-batch and GEMM forms) and convolve 'VALID'. ``gemm``: a large kernel
    over many channels may run as im2col + GEMM (:func:`conv_gemm`; pass False when
    training: the patches' gradient is slow).
    """
    stride, pad, dilation = p.stride, p.pad, p.dilation
    ext = [d * (k - 1) + 1 for k, d in zip(kernel.shape[:2], dilation)]
    extra = []  # a kernel overhanging the padded input by < stride: Caffe reads zeros
    for i, (n, e, p) in enumerate(zip(x.shape[1:3], ext, pad)):
        extra.append(conv_end_pad(n, e, p) if n is not None
                     else tf.maximum(0, e - tf.shape(x)[i + 1] - 2 * p))
    kh, kw, cin, _ = kernel.shape
    s2b = tuple(stride) == (1, 1) and max(dilation) > 1
    if not s2b and not (gemm and _gemm_kernel(kernel, x)):
        # Conv2D's own explicit padding: a tf.pad before it is fused with it in a graph
        # (oneDNN), which rounds differently from the eager ops; this runs alike in both
        static = [v if isinstance(v, int) else 0 for v in extra]
        if any(not isinstance(v, int) for v in extra):  # only overhang zeros are dynamic
            x = _pad(x, 0, 0, *(0 if isinstance(v, int) else v for v in extra))
        paddings = [[0, 0], [pad[0], pad[0] + static[0]], [pad[1], pad[1] + static[1]], [0, 0]]
        y = tf.nn.conv2d(x, kernel, (1, *stride, 1), paddings if any(map(any, paddings))
                         else "VALID", dilations=(1, *dilation, 1))
        return y if bias is None else tf.nn.bias_add(y, bias)
    if any(pad) or any(not isinstance(v, int) or v for v in extra):
        x = _pad(x, pad[0], pad[1], *extra)

    def direct():
        if s2b:
            # space-to-batch form: the same values, and a gradient on CPU too (TF's CPU
            # Conv2D has no dilated backprop, so DeepLab could not train in Keras otherwise)
            return tf.nn.convolution(x, kernel, padding="VALID", dilations=tuple(dilation))
        return tf.nn.conv2d(x, kernel, (1, *stride, 1), "VALID", dilations=(1, *dilation, 1))

    if not (gemm and _gemm_kernel(kernel, x)):
        y = direct()
    else:
        dims = [x.shape[0], *((None if n is None else (n - e) // s + 1)
                              for n, e, s in zip(x.shape[1:3], ext, stride))]
        if all(d is not None for d in dims):
            small = dims[0] * dims[1] * dims[2] * kh * kw * cin <= GEMM_MAX_PATCHES
            y = conv_gemm(x, kernel, stride, dilation) if small else direct()
        else:
            s = tf.shape(x, out_type=tf.int64)
            rows = s[0] * ((s[1] - ext[0]) // stride[0] + 1) * ((s[2] - ext[1]) // stride[1] + 1)
            y = tf.cond(rows * (kh * kw * cin) <= GEMM_MAX_PATCHES,
                        lambda: conv_gemm(x, kernel, stride, dilation), direct)
    return y if bias is None else tf.nn.bias_add(y, bias)


def _gemm_kernel(kernel, x) -> bool:
    """A kernel :func:`conv2d` may run as im2col + GEMM (no groups)."""
    kh, kw, cin, _ = kernel.shape
    return kh * kw >= GEMM_MIN_TAPS and cin >= GEMM_MIN_CHANNELS and cin == x.shape[3]


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

