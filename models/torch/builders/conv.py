"""Convolution and Deconvolution -> :mod:`caffe2ss.models.torch.caffe_modules` modules."""
from __future__ import annotations

from ..caffe_modules import Convolution, Deconvolution
from .registry import register, weights


@register("Convolution")
def convolution(layer):
    p = layer.params
    w = weights(layer, 1 + p.bias_term)
    # weight (O, C/g, kh, kw): the input channels are C/g * group
    return Convolution(w[0].shape[1] * p.group, p, w[0], w[1] if p.bias_term else None)


@register("Deconvolution")
def deconvolution(layer):
    p = layer.params
    w = weights(layer, 1 + p.bias_term)
    # weight (C_in, O/g, kh, kw): the first axis is the *input* channels
    return Deconvolution(w[0].shape[0], p, w[0], w[1] if p.bias_term else None)
