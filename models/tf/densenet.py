"""DenseNet encoder (Keras names, as ``keras.applications``) and its ImageNet classifier.

Written out (no download): conv1 ``ZeroPadding2D(3)`` + 7x7/2, pool1 ``ZeroPadding2D(1)``
+ 3x3/2 valid max pool (floor, as Caffe's ``ceil_mode: false``). ``caffe_exact`` sets BN
eps 1e-5 and ceil-rounded transition pools (``'same'`` = Caffe's ceil for 2x2/2, pad 0).
"""
from __future__ import annotations

import keras
from keras import layers

from ..families.fc_densenet import GROWTH, blocks_of, skip_names


def _bn(x, name, eps):
    return layers.BatchNormalization(epsilon=eps, name=name)(x)


def dense_block(x, n: int, prefix: str, eps: float = 1.001e-5):
    """``n`` layers BN-ReLU-1x1(128)-BN-ReLU-3x3(32), each concatenated to its input."""
    for i in range(1, n + 1):
        k = f"{prefix}_block{i}"
        h = layers.ReLU(name=f"{k}_0_relu")(_bn(x, f"{k}_0_bn", eps))
        h = layers.Conv2D(4 * GROWTH, 1, use_bias=False, name=f"{k}_1_conv")(h)
        h = layers.ReLU(name=f"{k}_1_relu")(_bn(h, f"{k}_1_bn", eps))
        h = layers.Conv2D(GROWTH, 3, padding="same", use_bias=False, name=f"{k}_2_conv")(h)
        x = layers.Concatenate(name=f"{k}_concat")([x, h])
    return x


def densenet_encoder(x, n_layers: int = 121, caffe_exact: bool = False) -> dict:
    """Apply the encoder to ``x``; returns the 4 skips by name (dict)."""
    eps = 1e-5 if caffe_exact else 1.001e-5
    x = layers.ZeroPadding2D(3, name="conv1_pad")(x)
    x = layers.Conv2D(64, 7, 2, use_bias=False, name="conv1_conv")(x)
    x = layers.ReLU(name="conv1_relu")(_bn(x, "conv1_bn", eps))
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)     # after ReLU: zeros never win
    x = layers.MaxPooling2D(3, 2, name="pool1")(x)
    out = []
    for s, n in zip(range(2, 6), blocks_of(n_layers)):
        x = dense_block(x, n, f"conv{s}", eps)
        out.append(x)
        if s < 5:
            x = layers.ReLU(name=f"pool{s}_relu")(_bn(x, f"pool{s}_bn", eps))
            x = layers.Conv2D(x.shape[-1] // 2, 1, use_bias=False, name=f"pool{s}_conv")(x)
            x = layers.AveragePooling2D(2, 2, padding="same" if caffe_exact else "valid",
                                        name=f"pool{s}_pool")(x)
    return dict(zip(skip_names(n_layers), out))


def densenet_classifier(input_size=(224, 224), n_layers: int = 121,
                        caffe_exact: bool = True, num_classes: int = 1000) -> keras.Model:
    """The full ImageNet net (encoder + ``bn``, ReLU, global average pool, ``fc6`` 1x1
    conv with bias, as DenseNet-Caffe); output ``(N, 1, 1, num_classes)``."""
    inp = keras.Input((*input_size, 3), name="data")
    x = list(densenet_encoder(inp, n_layers, caffe_exact).values())[-1]
    x = layers.ReLU(name="relu")(_bn(x, "bn", 1e-5 if caffe_exact else 1.001e-5))
    x = layers.GlobalAveragePooling2D(keepdims=True, name="pool5")(x)
    x = layers.Conv2D(num_classes, 1, name="fc6")(x)
    model = keras.Model(inp, x, name=f"densenet{n_layers}_caffe")
    model.n_layers, model.has_imagenet_head = n_layers, True
    return model
