"""MobileNetV2 encoder (Keras layer names) and its ImageNet classifier, in Keras.

Written out rather than taken from ``keras.applications`` (no download, no asymmetric
``'same'`` stride-2 padding): stride-2 convolutions get ``ZeroPadding2D(1)`` on every
side, as Caffe pads. See :mod:`caffe2ss.models.families.mobilenetv2_unet`.
"""
from __future__ import annotations

import keras
from keras import layers

from ..families.mobilenetv2_unet import BLOCKS, SKIPS, has_expand, residual, stride


def _conv(x, name, filters, k, stride=1, depthwise=False):
    if stride > 1:
        x = layers.ZeroPadding2D(k // 2, name=f"{name}_pad")(x)
    pad = "valid" if stride > 1 or k == 1 else "same"
    if depthwise:
        return layers.DepthwiseConv2D(k, stride, padding=pad, use_bias=False, name=name)(x)
    return layers.Conv2D(filters, k, stride, padding=pad, use_bias=False, name=name)(x)


def _bn(x, name, eps):
    return layers.BatchNormalization(epsilon=eps, momentum=0.999, name=name)(x)


def _act(x, name, caffe_exact):
    return layers.ReLU(None if caffe_exact else 6.0, name=name)(x)


def mobilenetv2_encoder(x, caffe_exact: bool = False) -> dict:
    """Apply the encoder to tensor ``x``; returns the five skips by name (dict)."""
    eps = 1e-5 if caffe_exact else 1e-3
    skips = {}
    x = _act(_bn(_conv(x, "Conv1", 32, 3, 2), "bn_Conv1", eps), "Conv1_relu", caffe_exact)
    for name, t, cin, cout, s, _ in BLOCKS:
        s = stride(name, s, caffe_exact)
        h = x
        if has_expand(name, t, caffe_exact):
            h = _conv(h, f"{name}_expand", cin * t, 1)
            h = _act(_bn(h, f"{name}_expand_BN", eps), f"{name}_expand_relu", caffe_exact)
            skips[f"{name}_expand_relu"] = h
        h = _bn(_conv(h, f"{name}_depthwise", None, 3, s, depthwise=True),
                f"{name}_depthwise_BN", eps)
        h = _act(h, f"{name}_depthwise_relu", caffe_exact)
        h = _conv(h, f"{name}_project", cout, 1)
        if name != "block_16":
            h = _bn(h, f"{name}_project_BN", eps)
        x = layers.Add(name=f"{name}_add")([x, h]) if residual(cin, cout, s) else h
    skips["block_16_project"] = x
    return {k: skips[k] for k in SKIPS}


def mobilenetv2_classifier(input_size=(224, 224), caffe_exact: bool = True,
                           num_classes: int = 1000) -> keras.Model:
    """The full ImageNet net (encoder + Caffe's head: ``block_16_project_BN``, ``Conv_1``
    1280 + BN + ReLU, global average pool, ``fc7`` 1x1 conv with bias); output
    ``(N, 1, 1, num_classes)``."""
    eps = 1e-5 if caffe_exact else 1e-3
    inp = keras.Input((*input_size, 3), name="data")
    x = _bn(mobilenetv2_encoder(inp, caffe_exact)["block_16_project"],
            "block_16_project_BN", eps)
    x = _act(_bn(_conv(x, "Conv_1", 1280, 1), "Conv_1_bn", eps), "out_relu", caffe_exact)
    x = layers.GlobalAveragePooling2D(keepdims=True, name="pool6")(x)
    x = layers.Conv2D(num_classes, 1, name="fc7")(x)
    model = keras.Model(inp, x, name="mobilenetv2_caffe")
    model.has_imagenet_head = True
    return model
