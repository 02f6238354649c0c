"""Keras layers standing for Caffe layers, built on the Caffe-exact ops.

Variables are created at construction (shapes are known from the Caffe parameters),
named after the TF checkpoint's variable names (``kernel``, ``bias``, ``gamma``,
``beta``, ``alpha``, ``moving_mean``, ``moving_variance``), in TF layouts, and saved to
/ loaded from ``.weights.h5`` as ``<layer>/vars/<i>`` in declaration order.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from ...converter.layers.conv import ConvParams
from . import ops, ops_nonspatial
from .layout import to_caffe
from .model import CaffeLayer


def pair(v) -> tuple[int, int]:
    """An int or a pair -> a pair."""
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


def _first(inputs):
    return inputs[0] if isinstance(inputs, (list, tuple)) else inputs


class Conv(CaffeLayer):
    """Caffe Convolution (``deconv=False``, kernel HWIO ``(kh, kw, C/g, O)``) or
    Deconvolution (``deconv=True``, kernel ``(kh, kw, O/g, C)``), with bias ``(O,)``.

    ``p`` is the converter's ConvParams, as for the PyTorch ``Convolution`` module.
    """

    def __init__(self, name, in_channels, p: ConvParams, deconv=False, weights=None,
                 trainable=True):
        super().__init__(name, trainable)
        self.p, self.deconv = p, deconv
        io = ((p.num_output // p.group, in_channels) if deconv else
              (in_channels // p.group, p.num_output))
        self._var("kernel", tuple(p.kernel) + io, weights)
        if p.bias_term:
            self._var("bias", (p.num_output,), weights)
        self.built = True

    def call(self, inputs, training=None):
        b = getattr(self, "bias", None)
        if self.deconv:
            return ops.deconv2d(_first(inputs), self.kernel, b, self.p)
        conv = ops.conv2d if training else ops.conv2d_inference  # inference: fastest form
        return conv(_first(inputs), self.kernel, b, self.p)

    def infer_with(self, inputs, params):
        """The inference convolution with other parameters for the same weights (a cut
        zero pad: constant-border compression, ``converter/borders.py``)."""
        return ops.conv2d_inference(_first(inputs), self.kernel, getattr(self, "bias", None),
                                    params)


def conv(name, cin, cout, k, *, pad=0, stride=1, dilation=1, group=1, bias=True,
         trainable=True) -> Conv:
    """A square Caffe convolution, written as in a prototxt (as ``models.torch.caffe_modules.conv``)."""
    return Conv(name, cin, ConvParams(cout, (k, k), (stride, stride), (pad, pad),
                                      (dilation, dilation), group, bias), trainable=trainable)


def deconv(name, cin, cout, k, *, stride=1, pad=0, bias=False, trainable=True) -> Conv:
    """A square Caffe deconvolution (FCN's upsampling layers have no bias)."""
    return Conv(name, cin, ConvParams(cout, (k, k), (stride, stride), (pad, pad), (1, 1), 1,
                                      bias), deconv=True, trainable=trainable)


class Dense(CaffeLayer):
    """Caffe InnerProduct; kernel ``(K, N)`` (rows H,W,C for a 4-D input with axis 1)."""

    def __init__(self, name, in_features, p, weights=None, trainable=True):
        super().__init__(name, trainable)
        self.p = p
        self._var("kernel", (in_features, p.num_output), weights)
        if p.bias_term:
            self._var("bias", (p.num_output,), weights)
        self.built = True

    def call(self, inputs):
        return ops_nonspatial.inner_product(_first(inputs), self.kernel, getattr(self, "bias", None),
                                      self.p)


class BatchNorm(CaffeLayer):
    """Caffe BatchNorm (no affine part): ``moving_mean``/``moving_variance``, divided."""

    def __init__(self, name, channels, eps, weights=None):
        super().__init__(name, trainable=False)
        self.eps = float(eps)
        self._var("moving_mean", (channels,), weights)
        self._var("moving_variance", (channels,), weights)
        self.built = True

    def call(self, inputs):
        return ops_nonspatial.batch_norm(_first(inputs), self.moving_mean, self.moving_variance,
                                   self.eps)


class Affine(CaffeLayer):
    """Caffe Scale (``gamma`` [+ ``beta``]) or Bias (``bias``) over tensor ``axes``.

    ``shape`` is the parameter's TF-layout shape; ``perm`` turns a Caffe-order parameter
    into it (``layout.param_layout``). A parameter named in ``from_bottom`` comes from
    the second bottom instead of a variable.
    """

    def __init__(self, name, shape, axes, perm, names=("gamma",), from_bottom=None,
                 weights=None, trainable=True):
        super().__init__(name, trainable)
        self.axes, self.perm = list(axes), list(perm)
        self.names, self.from_bottom = tuple(names), from_bottom
        for n in names:
            if n != from_bottom:
                self._var(n, shape, weights)
        self.built = True

    def call(self, inputs):
        x = _first(inputs)
        p = {n: getattr(self, n, None) for n in self.names}
        if self.from_bottom:
            p[self.from_bottom] = tf.transpose(to_caffe(inputs[1]), self.perm)
        gamma = p.get("gamma")
        beta = p.get("beta", p.get("bias"))
        return ops_nonspatial.affine(x, gamma, beta, self.axes)


class PReLU(CaffeLayer):
    """Caffe PReLU: ``alpha`` of shape ``(C,)``, or ``()`` when channel_shared."""

    def __init__(self, name, channels=None, weights=None, trainable=True):
        super().__init__(name, trainable)
        self._var("alpha", () if channels is None else (channels,), weights)
        self.built = True

    def call(self, inputs):
        return ops_nonspatial.prelu(_first(inputs), self.alpha)


class Op(CaffeLayer):
    """A parameterless Caffe layer: ``fn(inputs: list, training) -> tensor or list``."""

    def __init__(self, name, fn):
        super().__init__(name, trainable=False)
        self.fn = fn
        self.built = True

    def call(self, inputs, training=None):
        return self.fn(list(inputs) if isinstance(inputs, (list, tuple)) else [inputs],
                       training)


__all__ = ["Affine", "BatchNorm", "CaffeLayer", "Conv", "Dense", "Op", "PReLU", "conv",
           "deconv", "pair"]
