"""DeepLab's Interp layer in TensorFlow (NHWC): Caffe's align-corners bilinear formula."""
from __future__ import annotations

import tensorflow as tf

from ...converter.layers.formulas import interp_size

F32 = tf.float32


def _taps(n_in, n_out):
    """Caffe's float32 sample positions: first row, its neighbour, and both weights."""
    r = tf.where(n_out > 1, tf.cast(n_in - 1, F32) / tf.cast(tf.maximum(n_out - 1, 1), F32), 0.0)
    t = r * tf.cast(tf.range(n_out), F32)
    i0 = tf.cast(t, tf.int32)  # truncation, as Caffe's (int)
    i1 = i0 + tf.cast(i0 < n_in - 1, tf.int32)
    l1 = t - tf.cast(i0, F32)
    return i0, i1, 1.0 - l1, l1


def interp(x, p):
    """DeepLab Interp (``p``: InterpParams): align-corners bilinear over the region
    starting at ``-pad_beg``.

    Computed with Caffe's own float32 formula (``y = l0h*(l0w*a + l1w*b) + l1h*(...)``)
    by gathers, so it equals Caffe's result to rounding and works for any size.
    """
    zoom, shrink, height, width = p.zoom_factor, p.shrink_factor, p.height, p.width
    pad_beg, pad_end = p.pad_beg, p.pad_end
    h, w = tf.shape(x)[1], tf.shape(x)[2]
    hi, wi = h + pad_beg + pad_end, w + pad_beg + pad_end  # pads <= 0 crop the input
    x = x[:, -pad_beg:-pad_beg + hi, -pad_beg:-pad_beg + wi, :]
    ho = interp_size(hi, zoom, shrink, height if width is not None else None)
    wo = interp_size(wi, zoom, shrink, width if height is not None else None)
    h0, h1, lh0, lh1 = _taps(hi, ho)
    w0, w1, lw0, lw1 = _taps(wi, wo)
    lh0, lh1 = lh0[None, :, None, None], lh1[None, :, None, None]
    lw0, lw1 = lw0[None, None, :, None], lw1[None, None, :, None]
    r0, r1 = tf.gather(x, h0, axis=1), tf.gather(x, h1, axis=1)
    top = lw0 * tf.gather(r0, w0, axis=2) + lw1 * tf.gather(r0, w1, axis=2)
    bottom = lw0 * tf.gather(r1, w0, axis=2) + lw1 * tf.gather(r1, w1, axis=2)
    return lh0 * top + lh1 * bottom
