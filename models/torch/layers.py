"""Caffe layers that carry weights, as small ``nn.Module``s over :mod:`.ops`.

Their tensors are named as the converter's state_dict keys (``weight``, ``bias``,
``running_mean``, ``running_var``) and kept in Caffe's own layouts, so the generic
rebuild and the FCN/DeepLab classes load the same converted files.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ...converter.layers.conv import ConvParams
from . import ops


def tensor(value, shape) -> torch.Tensor:
    """A float32 copy of ``value`` (numpy/tensor, may be read-only), or zeros of ``shape``."""
    if value is None:
        return torch.zeros(shape, dtype=torch.float32)
    if isinstance(value, torch.Tensor):  # also on the meta device (shape-only models)
        value = value.detach().to(torch.float32).clone()
        if tuple(value.shape) != tuple(shape):
            raise ValueError(f"expected shape {tuple(shape)}, got {tuple(value.shape)}")
        return value
    t = torch.from_numpy(np.array(value, dtype=np.float32, copy=True))
    if tuple(t.shape) != tuple(shape):
        raise ValueError(f"expected shape {tuple(shape)}, got {tuple(t.shape)}")
    return t


class Convolution(nn.Module):
    """Caffe Convolution: ``weight`` (O, C/g, kh, kw), ``bias`` (O,) if ``bias_term``."""

    def __init__(self, in_channels: int, p: ConvParams, weight=None, bias=None):
        super().__init__()
        self.p = p
        self.weight = nn.Parameter(tensor(weight, self._wshape(in_channels)))
        self.bias = nn.Parameter(tensor(bias, (p.num_output,))) if p.bias_term else None

    def _wshape(self, c):
        return (self.p.num_output, c // self.p.group) + tuple(self.p.kernel)

    def forward(self, x):
        return ops.conv2d(x, self.weight, self.bias, self.p)

    def extra_repr(self) -> str:
        p = self.p
        return (f"weight={tuple(self.weight.shape)}, stride={p.stride}, pad={p.pad}, "
                f"dilation={p.dilation}, group={p.group}, bias={p.bias_term}")


class Deconvolution(Convolution):
    """Caffe Deconvolution: ``weight`` (C_in, O/g, kh, kw), ``bias`` (O,)."""

    def _wshape(self, c):
        return (c, self.p.num_output // self.p.group) + tuple(self.p.kernel)

    def forward(self, x):
        return ops.deconv2d(x, self.weight, self.bias, self.p)


def conv(cin, cout, k, *, pad=0, stride=1, dilation=1, group=1, bias=True) -> Convolution:
    """A square Caffe convolution, written as in a prototxt."""
    return Convolution(cin, ConvParams(cout, (k, k), (stride, stride), (pad, pad),
                                       (dilation, dilation), group, bias))


def deconv(cin, cout, k, *, stride=1, pad=0, bias=False) -> Deconvolution:
    """A square Caffe deconvolution (FCN's upsampling layers have no bias)."""
    return Deconvolution(cin, ConvParams(cout, (k, k), (stride, stride), (pad, pad),
                                         (1, 1), 1, bias))


class InnerProduct(nn.Module):
    """Caffe InnerProduct: ``weight`` (N, K), or (K, N) with ``transpose``; ``bias`` (N,)."""

    def __init__(self, in_features: int, p, weight=None, bias=None):
        super().__init__()
        self.p = p
        shape = (in_features, p.num_output) if p.transpose else (p.num_output, in_features)
        self.weight = nn.Parameter(tensor(weight, shape))
        self.bias = nn.Parameter(tensor(bias, (p.num_output,))) if p.bias_term else None

    def forward(self, x):
        return ops.inner_product(x, self.weight, self.bias, self.p)


class BatchNorm(nn.Module):
    """Caffe BatchNorm (global stats): buffers hold the mean/variance already divided
    by Caffe's scale-factor blob."""

    def __init__(self, channels: int, eps: float, mean=None, var=None):
        super().__init__()
        self.eps = eps
        self.register_buffer("running_mean", tensor(mean, (channels,)))
        self.register_buffer("running_var", tensor(var, (channels,)))

    def forward(self, x):
        return ops.batch_norm(x, self.running_mean, self.running_var, self.eps)


class Scale(nn.Module):
    """Caffe Scale (``weight`` = gamma, optional ``bias`` = beta) and Bias (``bias`` only).

    ``shape`` is the parameter shape (``x.shape[axis:axis+num_axes]``); with two bottoms
    gamma (Scale) or beta (Bias) is the second input instead of a parameter.
    """

    def __init__(self, axis: int, shape, *, gamma=True, beta=False, weight=None, bias=None,
                 two_bottoms=False, is_bias=False):
        super().__init__()
        self.axis, self.two_bottoms, self.is_bias = axis, two_bottoms, is_bias
        self.weight = nn.Parameter(tensor(weight, shape)) if gamma else None
        self.bias = nn.Parameter(tensor(bias, shape)) if beta else None

    def forward(self, x, other=None):
        axis = self.axis + x.dim() if self.axis < 0 else self.axis
        if self.is_bias:  # Bias layer: y = x + beta
            return ops.affine(x, None, other if self.two_bottoms else self.bias, axis)
        gamma = other if self.two_bottoms else self.weight
        return ops.affine(x, gamma, self.bias, axis)


class PReLU(nn.Module):
    """Caffe PReLU: ``weight`` = slopes (C,), or a 0-d tensor when channel_shared."""

    def __init__(self, channels: int, channel_shared=False, weight=None):
        super().__init__()
        self.weight = nn.Parameter(tensor(weight, () if channel_shared else (channels,)))

    def forward(self, x):
        return ops.prelu(x, self.weight)
