"""The reference build's BilinearInterpolate in PyTorch (NCHW)."""
from __future__ import annotations

import torch

from ...converter.layers.bilinear import bilinear_table


def bilinear_interpolate(x, p):
    """``(h1 - h) * r0 + (h - h0) * r1``, ``r = (w1 - w) * q_0 + (w - w0) * q_1``."""
    h, w = x.shape[-2:]
    oh, ow = p.output_size(h, w)
    (h0, h1, hp), (w0, w1, wp) = (bilinear_table(h, oh, p.align_corners),
                                  bilinear_table(w, ow, p.align_corners))
    t = lambda a: torch.from_numpy(a)  # noqa: E731
    hp, wp = t(hp).reshape(-1, 1), t(wp)
    rows = [x.index_select(2, t(i)) for i in (h0, h1)]
    r = [q.index_select(3, t(w0)) * (t(w1.astype("float32")) - wp) +
         q.index_select(3, t(w1)) * (wp - t(w0.astype("float32"))) for q in rows]
    return (t(h1.astype("float32")).reshape(-1, 1) - hp) * r[0] + \
        (hp - t(h0.astype("float32")).reshape(-1, 1)) * r[1]
