"""SSD's Normalize as a Keras layer (variable ``gamma``: Caffe's scale blob)."""
from __future__ import annotations

from . import ops_ssd
from .model import CaffeLayer


class Normalize(CaffeLayer):
    def __init__(self, name, shape, p, weights=None):
        super().__init__(name, trainable=True)
        self.p = p
        self._var("gamma", shape, weights)
        self.built = True

    def call(self, inputs):
        x = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        return ops_ssd.normalize(x, self.gamma, self.p)
