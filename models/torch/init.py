"""Initialisers shared by the trainable torch models (Keras' and FCN's conventions)."""
from __future__ import annotations

import math

import torch
from torch import nn

from ..bilinear import bilinear_kernel


def glorot_uniform_(w: torch.Tensor) -> torch.Tensor:
    """Keras' default kernel initialiser (Glorot/Xavier uniform)."""
    return nn.init.xavier_uniform_(w)


def he_normal_(w: torch.Tensor) -> torch.Tensor:
    """Keras' ``he_normal``: truncated normal (2 std), std ``sqrt(2 / fan_in)``."""
    fan_in = w[0].numel()
    std = math.sqrt(2.0 / fan_in)
    with torch.no_grad():
        return nn.init.trunc_normal_(w, 0.0, std, -2 * std, 2 * std)


def msra_(w: torch.Tensor) -> torch.Tensor:
    """Caffe's ``msra`` filler (He): normal, std ``sqrt(2 / fan_in)``."""
    with torch.no_grad():
        return w.normal_(0.0, math.sqrt(2.0 / w[0].numel()))


def bilinear_(w: torch.Tensor) -> torch.Tensor:
    """FCN's bilinear upsampling kernel on the diagonal (channel c -> c), zeros elsewhere.

    ``w``: ``(C_in, C_out, k, k)`` (torch ConvTranspose / Caffe Deconvolution layout).
    """
    with torch.no_grad():
        w.copy_(torch.from_numpy(bilinear_kernel(w.shape[0], w.shape[1], w.shape[2])))
    return w
