"""FC-DenseNet in Keras (registry names ``fc_densenet121/169/201``); logits, no Lambda.

See :mod:`caffe2ss.models.families.fc_densenet` for the structure and the counts.
"""
from __future__ import annotations

import keras
from keras import layers

from ..families.fc_densenet import blocks_of
from ..sizes import check_multiple
from .densenet import dense_block, densenet_encoder


def fc_densenet(num_classes: int = 2, input_size=(224, 224), n_layers: int = 201,
                use_bottleneck: bool = False, bottleneck_blocks: int = 32,
                caffe_exact: bool = False) -> keras.Model:
    """Builder: logits ``(N, H, W, num_classes)``; H and W must be multiples of 32."""
    name = f"fc_densenet{n_layers}"
    if input_size is None:
        raise ValueError(f"{name} (Keras) needs input_size=(H, W), multiples of 32")
    h, w = input_size
    check_multiple(name, h, w, 32)
    blocks = blocks_of(n_layers)
    inp = keras.Input((h, w, 3), name="image")
    skips = list(densenet_encoder(inp, n_layers, caffe_exact).values())
    x = skips[-1]
    if use_bottleneck:
        x = dense_block(x, bottleneck_blocks, "bottleneck")
    for i in range(1, 4):
        skip = skips[-i - 1]
        x = layers.Conv2DTranspose(skip.shape[-1] // 2, 3, 2, padding="same",
                                   kernel_initializer="he_uniform",
                                   name=f"transition_up{i}")(x)
        x = layers.Concatenate(name=f"transition_up{i}_concat")([x, skip])
        x = dense_block(x, blocks[-i], f"upsample{i}")
    x = layers.Conv2DTranspose(64, 3, 4, padding="same", kernel_initializer="he_uniform",
                               name="upsample_x4")(x)
    x = layers.Conv2D(num_classes, 1, kernel_initializer="he_uniform", name="score")(x)
    model = keras.Model(inp, x, name=name)
    model.n_layers = n_layers
    return model


def fc_densenet121(num_classes: int = 2, input_size=(224, 224), **kw) -> keras.Model:
    """Registry builder for ``fc_densenet121`` (kw: use_bottleneck, bottleneck_blocks,
    caffe_exact)."""
    return fc_densenet(num_classes, input_size, 121, **kw)


def fc_densenet169(num_classes: int = 2, input_size=(224, 224), **kw) -> keras.Model:
    """Registry builder for ``fc_densenet169``."""
    return fc_densenet(num_classes, input_size, 169, **kw)


def fc_densenet201(num_classes: int = 2, input_size=(224, 224), **kw) -> keras.Model:
    """Registry builder for ``fc_densenet201``."""
    return fc_densenet(num_classes, input_size, 201, **kw)
