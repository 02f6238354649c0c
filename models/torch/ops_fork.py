"""Caffe-exact PyTorch ops for the reference build's fork layers (``--fork inisis``):
ReLU6, HardSwish, HardSigmoid, PixelShuffle, Pad, nearest Upsample. NCHW float32."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def relu6(x, p):
    """``min(max(x, 0) + negative_slope * min(x, 0), threshold)``."""
    y = torch.clamp(x, min=0)
    if p.negative_slope != 0:
        y = y + p.negative_slope * torch.clamp(x, max=0)
    return torch.clamp(y, max=p.threshold)


def hardswish(x, p=None):
    """``x * max(0, min(1, x / 6 + 0.5))``."""
    return x * torch.clamp(x / 6.0 + 0.5, 0.0, 1.0)


def hardsigmoid(x, p):
    """``max(0, min(1, alpha * x + beta))``."""
    return torch.clamp(x * p.alpha + p.beta, 0.0, 1.0)


def pixel_shuffle(x, p):
    """Channel ``c * r * r + i * r + j`` -> channel ``c`` at offset ``(i, j)``."""
    return F.pixel_shuffle(x, p.upscale_factor)


def pad(x, p):
    """Pad (up, down, left, right) by CONSTANT value, REPLICATE or REFLECT; all
    negative: crop."""
    u, d, l, r = p.pads
    if u < 0:
        return x[..., -u:x.shape[-2] + d, -l:x.shape[-1] + r]
    mode = {"CONSTANT": "constant", "REPLICATE": "replicate", "REFLECT": "reflect"}[p.mode]
    if mode == "constant":
        return F.pad(x, (l, r, u, d), value=p.value)
    return F.pad(x, (l, r, u, d), mode=mode)


def upsample_nearest(x, p):
    """Each of the last ``p.axes`` axes repeated ``p.scale`` times (``out[h] = in[h // s]``)."""
    for a in range(x.dim() - p.axes, x.dim()):
        x = torch.repeat_interleave(x, p.scale, dim=a)
    return x
