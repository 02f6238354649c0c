"""Caffe blob plumbing in TensorFlow: Concat, Slice, Split, Flatten, Reshape.

Axes are Caffe's (NCHW). Concat and Slice map the axis onto our layout; Flatten and
Reshape reinterpret memory in Caffe's row-major C,H,W order, so a 4-D input is turned
back to NCHW first and a 4-D result to NHWC (``layout.py``).
"""
from __future__ import annotations

import tensorflow as tf

from ...converter.layers import formulas
from .layout import canonical, from_caffe, tf_axis, to_caffe


def concat(xs, axis: int = 1):
    """Caffe Concat along Caffe axis ``axis`` (one bottom: a copy)."""
    if len(xs) == 1:
        return tf.identity(xs[0])
    return tf.concat(xs, axis=tf_axis(axis, xs[0].shape.rank))


def slice_(x, p, n_tops: int):
    """Caffe Slice (``p``: SliceParams): at ``slice_points`` along Caffe axis ``axis``, or
    in ``n_tops`` equal parts."""
    a = tf_axis(p.axis, x.shape.rank)
    size = x.shape[a] if x.shape[a] is not None else tf.shape(x)[a]
    out = []
    for lo, hi in formulas.slice_bounds(p.slice_points, size, n_tops):
        begin, length = [0] * x.shape.rank, [-1] * x.shape.rank
        begin[a], length[a] = lo, hi - lo
        out.append(tf.slice(x, begin, length))
    return out


def _dims(x):
    return [x.shape[i] if x.shape[i] is not None else tf.shape(x)[i]
            for i in range(x.shape.rank)]


def flatten(x, p):
    """Caffe Flatten (``p``: FlattenParams): merge Caffe axes ``axis..end_axis``
    (inclusive), C,H,W order."""
    c = to_caffe(x)
    ndim = c.shape.rank
    a, e = canonical(p.axis, ndim), canonical(p.end_axis, ndim)
    s = _dims(c)
    merged = 1
    for d in s[a:e + 1]:
        merged = merged * d
    return from_caffe(tf.reshape(c, s[:a] + [merged] + s[e + 1:]))


def reshape(x, p):
    """Caffe Reshape (``p``: ReshapeParams): ``dims`` replace axes ``[axis,
    axis+num_axes)``; 0 copies, -1 infers."""
    c = to_caffe(x)
    return from_caffe(tf.reshape(c, formulas.reshape_dims(_dims(c), p.dims, p.axis,
                                                          p.num_axes)))


def reshape_like(x, like):
    """``x``'s elements in Caffe order, in the Caffe shape of ``like`` (shared memory)."""
    return from_caffe(tf.reshape(to_caffe(x), _dims(to_caffe(like))))
