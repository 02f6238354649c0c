"""Caffe's Parameter as a Keras layer: no input, returns its variable ``kernel`` (the
blob, in our layout: a 4-D blob is NHWC)."""
from __future__ import annotations

import tensorflow as tf

from .model import CaffeLayer


class Parameter(CaffeLayer):
    def __init__(self, name, shape, weights=None):
        super().__init__(name, trainable=True)
        self._var("kernel", shape, weights)
        self.built = True

    def call(self, inputs=None, training=None):
        return tf.identity(self.kernel)
