"""Caffe's Embed as a Keras layer (works in Caffe's axis order; output via the layout rule)."""
from __future__ import annotations

import tensorflow as tf

from .layout import from_caffe, to_caffe
from .model import CaffeLayer


class Embed(CaffeLayer):
    def __init__(self, name, p, weights=None):
        super().__init__(name, trainable=True)
        self._var("kernel", (p.input_dim, p.num_output), weights)
        if p.bias_term:
            self._var("bias", (p.num_output,), weights)
        self.built = True

    def call(self, inputs):
        x = to_caffe(inputs[0] if isinstance(inputs, (list, tuple)) else inputs)
        y = tf.gather(self.kernel, tf.cast(x, tf.int32))  # truncation, as static_cast
        if hasattr(self, "bias"):
            y = y + self.bias
        return from_caffe(y)
