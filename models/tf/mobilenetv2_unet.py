"""MobileNetV2-UNet in Keras (registry name ``mobilenetv2_unet``); no Lambda layers.

See :mod:`caffe2ss.models.families.mobilenetv2_unet` for the structure and both counts.
"""
from __future__ import annotations

import keras
from keras import layers

from ..families.mobilenetv2_unet import UP_FILTERS
from ..sizes import check_multiple
from .mobilenetv2 import mobilenetv2_encoder


def mobilenetv2_unet(num_classes: int = 2, input_size=(224, 224),
                     caffe_exact: bool = False) -> keras.Model:
    """Registry builder: logits ``(N, H, W, num_classes)``; H and W multiples of 32."""
    if input_size is None:
        raise ValueError("mobilenetv2_unet (Keras) needs input_size=(H, W), multiples of 32")
    h, w = input_size
    check_multiple("mobilenetv2_unet", h, w, 32)
    inp = keras.Input((h, w, 3), name="image")
    skips = list(mobilenetv2_encoder(inp, caffe_exact).values())[::-1]
    x = skips[0]
    for i, (f, skip) in enumerate(zip(UP_FILTERS, skips[1:]), start=1):
        x = layers.Conv2DTranspose(f, 3, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=keras.initializers.RandomNormal(0., .02),
                                   name=f"up{i}_conv")(x)
        x = layers.BatchNormalization(epsilon=1e-3, momentum=0.99, name=f"up{i}_bn")(x)
        x = layers.ReLU(name=f"up{i}_relu")(x)
        x = layers.Concatenate(name=f"up{i}_concat")([x, skip])
    x = layers.Conv2DTranspose(num_classes, 3, strides=2, padding="same", name="logits")(x)
    return keras.Model(inp, x, name="mobilenetv2_unet")
