"""Caffe's Im2col in TensorFlow, computed in Caffe's axis order: zero padding, one
strided slice per kernel offset, stacked channel-major (copies, so exact)."""
from __future__ import annotations

import tensorflow as tf

from ...converter.layers.im2col import geometry, offsets
from .layout import from_caffe, to_caffe


def im2col(x, p):
    """``x`` in our layout -> the Im2col top in our layout (spatial sizes static)."""
    xc = to_caffe(x)
    g = geometry(p, tuple(d if d is not None else 1 for d in xc.shape))
    a = g.axis
    pads = [[0, 0]] * (a + 1) + [[pl, pl + e] for pl, e in zip(g.pad, g.end_pad)]
    xp = tf.pad(xc, pads) if any(map(any, pads)) else xc
    lead = [slice(None)] * (a + 1)
    cols = [xp[tuple(lead + [slice(o, o + (n - 1) * s + 1, s)
                             for o, n, s in zip(off, g.out, g.stride)])]
            for off in offsets(g.kernel, g.dilation)]
    y = tf.stack(cols, a + 1)
    shape = tf.concat([tf.shape(xc)[:a], [g.top[a]], list(g.out)], 0)  # batch may be None
    return from_caffe(tf.reshape(y, shape))
