"""PSPNet's ``BN`` as a Keras layer: ``gamma`` (slope), ``beta`` (bias), ``moving_mean``,
``moving_variance``, each ``(C,)`` on the channel axis of our layout."""
from __future__ import annotations

import tensorflow as tf

from .layout import tf_axis
from .model import CaffeLayer

NAMES = ("gamma", "beta", "moving_mean", "moving_variance")


def bn(x, slope, bias, mean, var, eps: float):
    """``slope * (x - mean) * (var + eps)^-1/2 + bias`` per channel (Caffe's order)."""
    rank = x.shape.rank
    shape = [1] * rank
    shape[tf_axis(1, rank)] = -1
    r = [tf.reshape(t, shape) for t in (slope, bias, mean, var)]
    return (x - r[2]) * tf.pow(r[3] + eps, -0.5) * r[0] + r[1]


class BN(CaffeLayer):
    """PSPNet's BN with stored statistics."""

    def __init__(self, name, channels, eps, weights=None):
        super().__init__(name, trainable=False)
        self.eps = float(eps)
        for n in NAMES:
            self._var(n, (channels,), weights)
        self.built = True

    def call(self, inputs):
        x = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        return bn(x, *(getattr(self, n) for n in NAMES), self.eps)
