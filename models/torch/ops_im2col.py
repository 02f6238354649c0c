"""Caffe's Im2col in PyTorch: zero padding, then one strided slice per kernel offset,
stacked channel-major (``c``, then the offsets row-major) -- copies, so exact."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ...converter.layers.im2col import geometry, offsets


def im2col(x, p):
    """``x`` (..., C, S1..Sk) with the channel at ``p.axis`` -> (..., C*K, O1..Ok)."""
    g = geometry(p, tuple(x.shape))
    pads = []
    for i in reversed(range(len(g.kernel))):  # F.pad lists the last axis first
        pads += [g.pad[i], g.pad[i] + g.end_pad[i]]
    xp = F.pad(x, pads) if any(pads) else x
    lead = [slice(None)] * (g.axis + 1)
    cols = [xp[tuple(lead + [slice(o, o + (n - 1) * s + 1, s)
                             for o, n, s in zip(off, g.out, g.stride)])]
            for off in offsets(g.kernel, g.dilation)]
    return torch.stack(cols, g.axis + 1).reshape(g.top)
