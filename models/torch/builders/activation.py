"""Element-wise layers: ReLU, PReLU, Sigmoid, TanH, AbsVal, ELU, Power, Dropout."""
from __future__ import annotations

import torch

from .. import ops
from ..caffe_modules import PReLU
from .registry import Fn, register, weights


_RELU = Fn(torch.relu, "ReLU")  # stateless: one for every ReLU of slope 0


@register("ReLU")
def relu(layer):
    slope = layer.params.negative_slope
    if slope == 0:  # ops.relu's own first case, without two Python calls per forward
        return _RELU
    return Fn(lambda x: ops.relu(x, slope), "ReLU")


@register("PReLU")
def prelu(layer):
    slopes = weights(layer, 1)[0]
    shared = layer.params.channel_shared  # one 0-d slope instead of one per channel
    return PReLU(1 if shared else slopes.shape[0], shared, slopes)


@register("ELU")
def elu(layer):
    alpha = layer.params.alpha
    return Fn(lambda x: ops.elu(x, alpha), "ELU")


@register("Power")
def power(layer):
    p = layer.params
    return Fn(lambda x: ops.power(x, p), "Power")


@register("Dropout")
def dropout(layer):
    return Fn(lambda x: x, "Dropout")  # identity at test time (Caffe scales in training)


@register("Sigmoid")
def sigmoid(layer):
    return Fn(torch.sigmoid, "Sigmoid")


@register("TanH")
def tanh(layer):
    return Fn(torch.tanh, "TanH")


@register("AbsVal")
def absval(layer):
    return Fn(torch.abs, "AbsVal")
