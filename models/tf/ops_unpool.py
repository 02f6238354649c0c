"""Caffe's MAX-pooling mask (Pooling's second top) and unpooling by that mask (SegNet's
Upsample, the reference build's MaxUnPool) in TensorFlow; 4-D tensors are NHWC."""
from __future__ import annotations

import tensorflow as tf

from .layout import from_caffe, to_caffe
from .ops import F32, global_pool, pool2d


def max_pool_with_mask(x, p):
    """``(top, mask)`` of MAX pooling (``p``: PoolParams); the mask is ``h * W + w`` of
    the first max in raster order within the channel plane (Caffe's ``>`` scan), ``-1``
    where the max is -FLT_MAX."""
    low = F32.min
    xs = tf.where(x >= low, x, low)
    h, w = tf.shape(x)[1], tf.shape(x)[2]
    if p.global_pooling:
        y = global_pool(x, "MAX")
        pos = tf.cast(tf.reshape(tf.range(h * w), [1, h, w, 1]), x.dtype)
        mask = tf.reduce_min(tf.where(xs == y, pos, tf.float32.max), [1, 2], keepdims=True)
        return y, tf.where(y == low, -1.0, mask)
    y = pool2d(x, p)
    (kh, kw), (sh, sw), (ph, pw) = p.kernel, p.stride, p.pad
    oh, ow = tf.shape(y)[1], tf.shape(y)[2]
    rows, cols = tf.range(oh) * sh - ph, tf.range(ow) * sw - pw
    mask = tf.fill(tf.shape(y), -1.0)
    # each window offset gathered by index (no padded copy: a stride may be huge); a
    # position outside the input reads the lowest float, which never equals a window's max
    for di in reversed(range(kh)):  # last assignment wins: the first offset in raster order
        r = rows + di
        rin = (r >= 0) & (r < h)
        src_r = tf.gather(xs, tf.clip_by_value(r, 0, h - 1), axis=1)
        for dj in reversed(range(kw)):
            c = cols + dj
            inside = (rin[:, None] & ((c >= 0) & (c < w))[None, :])[None, :, :, None]
            win = tf.where(inside, tf.gather(src_r, tf.clip_by_value(c, 0, w - 1), axis=2), low)
            idx = r[:, None] * w + c[None, :]
            mask = tf.where(win == y, tf.cast(idx, x.dtype)[None, :, :, None], mask)
    return y, tf.where(y == low, -1.0, mask)


def unpool(x, mask, out_h: int, out_w: int):
    """Zeros of ``(N, out_h, out_w, C)`` with ``top[mask[i]] = x[i]`` per channel plane;
    a repeated index keeps the last write (Caffe's loop order). Index -1 (Caffe: an
    undefined out-of-plane write) is dropped, as is an index past the plane (Caffe
    aborts; the torch rebuild raises)."""
    xc, mc = to_caffe(x), to_caffe(mask)
    n, c, h, w = tf.unstack(tf.shape(xc))
    rows, plane = n * c, out_h * out_w
    idx = tf.cast(tf.reshape(mc, [rows, h * w]), tf.int32)
    valid = (idx >= 0) & (idx < plane)
    seg = tf.where(valid, idx + tf.range(rows)[:, None] * plane, rows * plane)
    pos = tf.broadcast_to(tf.range(h * w)[None, :], tf.shape(idx))
    winner = tf.math.unsorted_segment_max(tf.reshape(pos, [-1]), tf.reshape(seg, [-1]),
                                          rows * plane + 1)[:-1]
    winner = tf.reshape(winner, [rows, plane])
    vals = tf.gather(tf.reshape(xc, [rows, h * w]), tf.maximum(winner, 0), batch_dims=1)
    out = tf.where(winner >= 0, vals, tf.zeros_like(vals))
    return from_caffe(tf.reshape(out, [n, c, out_h, out_w]))
