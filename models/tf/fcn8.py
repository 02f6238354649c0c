"""FCN8 and FastFCN8 (the ssnets seed's models) as Keras functional models.

The same net as :mod:`caffe2ss.models.torch.fcn8` (read its docstring for the structure),
with the seed's layer names (``conv1_1``, ``conv1_1_bn``, ``conv1_mpool``, ``fc1``,
``fc1_dropout``, ``score32``, ``upscore32``, ``upscore32c``, ``fuse1``, ``upscore8`` ...),
so ``count_params()`` is the seed's: 134,287,302 (FCN8) and 20,615,521 (FastFCN8) for 2
classes. Differences from the seed: the output is logits (``softmax=True`` adds a Keras
``Softmax`` layer, never a ``Lambda``), any input size works (``input_size=None``: the
crops are computed at run time), ``dropout`` is the fraction dropped, ``batch_norm`` is
a real switch, and the x2 upsamplings start as FCN's bilinear kernels.
Every kernel (``kernel``, ``depthwise_kernel``, ``pointwise_kernel``, transposed) carries
``l2(l2_reg)``; Keras adds it to ``model.losses``.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from ..bilinear import bilinear_kernel

VGG16_WIDTHS = (64, 128, 256, 512, 512)
DEPTHS = (2, 2, 3, 3, 3)


@keras.saving.register_keras_serializable(package="caffe2ss")
class CropLike(layers.Layer):
    """Crop ``inputs[0]`` (NHWC) to the height and width of ``inputs[1]``, ``off // 2``
    from the top/left (the seed's ``crop``), at run time so any input size works."""

    def call(self, inputs):
        x, like = inputs
        h, w = tf.shape(like)[1], tf.shape(like)[2]
        dh, dw = (tf.shape(x)[1] - h) // 2, (tf.shape(x)[2] - w) // 2
        return x[:, dh:dh + h, dw:dw + w, :]

    def compute_output_shape(self, shapes):
        return shapes[0][:1] + shapes[1][1:3] + shapes[0][3:]


@keras.saving.register_keras_serializable(package="caffe2ss")
class Bilinear(keras.initializers.Initializer):
    """FCN's bilinear kernel for a Conv2DTranspose ``(k, k, out, in)`` kernel."""

    def __call__(self, shape, dtype=None):
        k, _, cout, cin = shape
        return tf.constant(np.transpose(bilinear_kernel(cin, cout, k), (2, 3, 1, 0)),
                           dtype=dtype or "float32")


def _conv(conv_type, filters, k, name, l2_reg, init="glorot_uniform"):
    reg = keras.regularizers.l2(l2_reg)
    if conv_type == "ds":
        return layers.SeparableConv2D(filters, k, padding="same", name=name,
                                      depthwise_initializer=init, pointwise_initializer=init,
                                      depthwise_regularizer=reg, pointwise_regularizer=reg)
    return layers.Conv2D(filters, k, padding="same", name=name, kernel_initializer=init,
                         kernel_regularizer=reg)


def FCN8(num_classes=21, conv_type="conv", batch_norm=True, dropout=0.5, l2_reg=0.0,
         widths=VGG16_WIDTHS, fc_width=4096, in_channels=3, input_size=None,
         softmax=False, name=None) -> keras.Model:
    """FCN8 (``conv_type='conv'``) or FastFCN8 (``'ds'``); NHWC in, NHWC logits out.

    ``input_size=(H, W)`` fixes the input shape (None: any size). Arguments as the
    torch class :class:`caffe2ss.models.torch.fcn8.FCN8`.
    """
    if conv_type not in ("conv", "ds"):
        raise ValueError(f"conv_type must be 'conv' or 'ds', not {conv_type!r}")
    h, w = input_size or (None, None)
    x_in = keras.Input((h, w, in_channels), name="X")
    x, pools = x_in, {}
    for b, (width, depth) in enumerate(zip(widths, DEPTHS), 1):
        for i in range(1, depth + 1):
            n = f"conv{b}_{i}"
            x = _conv(conv_type, width, 3, n, l2_reg)(x)
            if batch_norm:
                x = layers.BatchNormalization(name=n + "_bn")(x)
            x = layers.ReLU(name=n + "_relu")(x)
        x = pools[b] = layers.MaxPooling2D(2, 2, padding="same", name=f"conv{b}_mpool")(x)
    for n, k in (("fc1", 7), ("fc2", 1)):
        x = _conv(conv_type, fc_width, k, n, l2_reg)(x)
        x = layers.Dropout(dropout, name=n + "_dropout")(x)
        x = layers.ReLU(name=n + "_relu")(x)
    score32 = _conv(conv_type, num_classes, 1, "score32", l2_reg, "he_normal")(x)
    score16 = _conv(conv_type, num_classes, 1, "score16", l2_reg, "he_normal")(pools[4])
    score8 = _conv(conv_type, num_classes, 1, "score8", l2_reg, "he_normal")(pools[3])
    up = _upscore("upscore32", num_classes, l2_reg)(score32)
    fuse1 = layers.Add(name="fuse1")([score16, CropLike(name="upscore32c")([up, score16])])
    up = _upscore("upscore16", num_classes, l2_reg)(fuse1)
    fuse2 = layers.Add(name="fuse2")([CropLike(name="upscore16c")([up, score8]), score8])
    up = layers.UpSampling2D(8, name="upscore8")(fuse2)
    out = CropLike(name="upscore8c")([up, x_in])
    if softmax:
        out = layers.Softmax(name="softmax")(out)
    default = "FastFCN8" if conv_type == "ds" else "FCN8"
    return keras.Model(x_in, out, name=name or default)


def _upscore(name, num_classes, l2_reg):
    return layers.Conv2DTranspose(num_classes, 4, 2, padding="same", use_bias=False,
                                  name=name, kernel_initializer=Bilinear(),
                                  kernel_regularizer=keras.regularizers.l2(l2_reg))


def feature_model(model: keras.Model) -> keras.Model:
    """The encoder's skip points of an FCN8 model: {'pool3', 'pool4', 'fc2'} (NHWC)."""
    names = {"pool3": "conv3_mpool", "pool4": "conv4_mpool", "fc2": "fc2_relu"}
    return keras.Model(model.input, {k: model.get_layer(v).output for k, v in names.items()})


def fcn8(num_classes=21, **kwargs) -> keras.Model:
    """Registry builder: FCN8 (``conv_type='conv'`` unless given)."""
    return FCN8(num_classes, **{"conv_type": "conv", **kwargs})


def fastfcn8(num_classes=21, **kwargs) -> keras.Model:
    """Registry builder: FastFCN8 (``conv_type='ds'``)."""
    return FCN8(num_classes, **{"conv_type": "ds", **kwargs})
