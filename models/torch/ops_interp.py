"""DeepLab's Interp in PyTorch: align-corners bilinear with DeepLab's float32 sample
positions (docs/caffe-semantics.md 6.1). Exported as ``ops.interp``."""
from __future__ import annotations

import numpy as np
import torch

from ...converter.layers.interp import interp_output_size


def _interp_axis(n_in, n_out):
    """DeepLab's sample positions in float32: index, next index, weight of the next."""
    r = np.float32(n_in - 1) / np.float32(n_out - 1) if n_out > 1 else np.float32(0)
    t = r * np.arange(n_out, dtype=np.float32)
    i0 = t.astype(np.int64)  # C++ (int) truncation
    i1 = np.where(i0 < n_in - 1, i0 + 1, i0)  # the last row/column has no successor
    return i0, i1, t - i0.astype(np.float32)


def interp(x, p):
    """DeepLab Interp: align-corners bilinear over the region starting at ``-pad_beg``."""
    h, w = x.shape[-2:]
    ho, wo, hi, wi = interp_output_size(p, h, w)
    b = -p.pad_beg  # pad_beg <= 0 crops rows and columns alike
    x = x[..., b:b + hi, b:b + wi]
    if (ho, wo) == (hi, wi):
        return x.clone()
    dev = x.device
    h0, h1, lh = (torch.from_numpy(a).to(dev) for a in _interp_axis(hi, ho))
    w0, w1, lw = (torch.from_numpy(a).to(dev) for a in _interp_axis(wi, wo))
    lh, lw = lh.to(x.dtype)[:, None], lw.to(x.dtype)
    top, bot = x.index_select(-2, h0), x.index_select(-2, h1)
    # DeepLab's blend: (1-lh)*((1-lw)*x00 + lw*x01) + lh*((1-lw)*x10 + lw*x11)
    a = (1 - lw) * top.index_select(-1, w0) + lw * top.index_select(-1, w1)
    c = (1 - lw) * bot.index_select(-1, w0) + lw * bot.index_select(-1, w1)
    return (1 - lh) * a + lh * c
