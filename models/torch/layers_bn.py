"""PSPNet's ``BN`` as an ``nn.Module`` (tensors in Caffe's ``(1, C, 1, 1)`` layout)."""
from __future__ import annotations

import torch
from torch import nn

from .caffe_modules import tensor


def bn(x, slope, bias, mean, var, eps: float):
    """``slope * (x - mean) * (var + eps)^-1/2 + bias`` per channel (Caffe's order)."""
    shape = (1, -1) + (1,) * (x.dim() - 2)
    inv = torch.pow(var.reshape(shape) + eps, -0.5)
    return (x - mean.reshape(shape)) * inv * slope.reshape(shape) + bias.reshape(shape)


class BN(nn.Module):
    """``weight`` (slope), ``bias``, ``running_mean``, ``running_var``: (1, C, 1, 1)."""

    def __init__(self, channels: int, eps: float, slope=None, bias=None, mean=None,
                 var=None):
        super().__init__()
        shape = (1, channels, 1, 1)
        self.eps = float(eps)
        self.weight = nn.Parameter(tensor(slope, shape))
        self.bias = nn.Parameter(tensor(bias, shape))
        self.register_buffer("running_mean", tensor(mean, shape))
        self.register_buffer("running_var", tensor(var, shape))

    def forward(self, x):
        return bn(x, self.weight, self.bias, self.running_mean, self.running_var, self.eps)
