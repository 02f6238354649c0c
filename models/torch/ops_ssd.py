"""SSD's Normalize and Permute in PyTorch (Caffe order)."""
from __future__ import annotations

import torch

from ...converter.layers.ssd import permute_order


def normalize(x, scale, p):
    """``x / sqrt(sum x^2 + eps)`` over C*H*W (across_spatial: times the reciprocal,
    as Caffe) or over C per position, then times ``scale`` (a scalar or per channel)."""
    sq = x * x
    if p.across_spatial:
        norm = torch.sqrt(sq.reshape(x.shape[0], -1).sum(1) + p.eps)
        y = x * (1.0 / norm).reshape((-1,) + (1,) * (x.dim() - 1))
    else:
        y = x / torch.sqrt(sq.sum(1, keepdim=True) + p.eps)
    if p.channel_shared:
        return y * scale.reshape(())
    return y * scale.reshape((1, -1) + (1,) * (x.dim() - 2))


def permute(x, p):
    """Axes in SSD's completed ``order``."""
    return x.permute(*permute_order(p, x.dim())).contiguous()
