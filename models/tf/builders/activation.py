"""Element-wise activations -> TF: ReLU, PReLU, ELU, Power, Dropout, Sigmoid, TanH, AbsVal."""
from __future__ import annotations

import tensorflow as tf

from .. import ops_nonspatial
from ..caffe_layers import PReLU
from .registry import TFLayer, blobs, op, register


@register("ReLU")
def relu(layer, shapes) -> TFLayer:
    """Caffe ReLU with ``negative_slope``."""
    slope = layer.params.negative_slope
    return op(layer, lambda xs, training: ops_nonspatial.relu(xs[0], slope))


@register("PReLU")
def prelu(layer, shapes) -> TFLayer:
    """Caffe PReLU: ``alpha`` per channel, or one shared value."""
    shared = layer.params.channel_shared
    channels = None if shared else shapes[0][1]
    b = blobs(layer, 1)
    weights = {"alpha": b[0].reshape(() if shared else (channels,))} if b else {}

    def make(w, name):
        return PReLU(name, channels, weights=w)

    return TFLayer(make, weights)


@register("ELU")
def elu(layer, shapes) -> TFLayer:
    """Caffe ELU with ``alpha``."""
    alpha = layer.params.alpha
    return op(layer, lambda xs, training: ops_nonspatial.elu(xs[0], alpha))


@register("Power")
def power(layer, shapes) -> TFLayer:
    """Caffe Power ``(shift + scale * x) ** power``."""
    p = layer.params
    return op(layer, lambda xs, training: ops_nonspatial.power(xs[0], p))


@register("Dropout")
def dropout(layer, shapes) -> TFLayer:
    """Caffe Dropout: identity at test time, inverted dropout when training."""
    ratio = layer.params.ratio
    return op(layer, lambda xs, training: ops_nonspatial.dropout(xs[0], ratio, training))


@register("Sigmoid")
def sigmoid(layer, shapes) -> TFLayer:
    """Caffe Sigmoid."""
    return op(layer, lambda xs, training: tf.sigmoid(xs[0]))


@register("TanH")
def tanh(layer, shapes) -> TFLayer:
    """Caffe TanH."""
    return op(layer, lambda xs, training: tf.tanh(xs[0]))


@register("AbsVal")
def absval(layer, shapes) -> TFLayer:
    """Caffe AbsVal."""
    return op(layer, lambda xs, training: tf.abs(xs[0]))
