"""The reference build's BilinearInterpolate in TensorFlow (NHWC; static input size)."""
from __future__ import annotations

import tensorflow as tf

from ...converter.layers.bilinear import bilinear_table


def bilinear_interpolate(x, p):
    """``(h1 - h) * r0 + (h - h0) * r1``, ``r = (w1 - w) * q_0 + (w - w0) * q_1``."""
    h, w = int(x.shape[1]), int(x.shape[2])
    oh, ow = p.output_size(h, w)
    (h0, h1, hp), (w0, w1, wp) = (bilinear_table(h, oh, p.align_corners),
                                  bilinear_table(w, ow, p.align_corners))
    hp, wp = tf.constant(hp.reshape(-1, 1, 1)), tf.constant(wp.reshape(-1, 1))
    f = lambda a, shape: tf.constant(a.astype("float32").reshape(shape))  # noqa: E731
    rows = [tf.gather(x, i, axis=1) for i in (h0, h1)]
    r = [tf.gather(q, w0, axis=2) * (f(w1, (-1, 1)) - wp) +
         tf.gather(q, w1, axis=2) * (wp - f(w0, (-1, 1))) for q in rows]
    return (f(h1, (-1, 1, 1)) - hp) * r[0] + (hp - f(h0, (-1, 1, 1))) * r[1]
