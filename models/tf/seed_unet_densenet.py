"""The seed's Keras entry points for MobileNetV2-UNet and FC-DenseNet, over the registry.

A user of the seed switches with one import::

    from caffe2ss.models.tf.seed_unet_densenet import unet_model, build_fc_densenet

What differs from the seed (its bugs are not reproduced):

* ``unet_model``: the seed builds ``keras.applications.MobileNetV2`` with ImageNet
  weights (a download) and needs ``tensorflow_examples`` for ``pix2pix.upsample``; here
  the encoder is written out (same layers and names, 6,502,786 parameters for 2 classes),
  starts untrained (initialise it from a Caffe MobileNetV2 with ``caffe_exact=True``),
  pads stride-2 convolutions symmetrically, and H, W must be multiples of 32 (checked).
* ``build_fc_densenet``: the seed ignores ``h`` and ``w`` (its ``Input`` is hard-coded to
  512x512 while the DenseNet is built for ``h``x``w``) and ends in a softmax; here the
  model takes ``h``x``w`` (multiples of 32) and returns logits. BatchNorm is always on, as
  in the seed (it cannot be switched off there either). As in the seed, ``n_layers``
  other than 121/169 means 201.
"""
from __future__ import annotations

from ..registry import get_model


def unet_model(output_channels: int, h: int = 224, w: int = 224):
    """The seed's ``unet_model``: MobileNetV2-UNet, logits ``(N, h, w, output_channels)``."""
    return get_model("mobilenetv2_unet").builder("tf")(
        num_classes=output_channels, input_size=(h, w))


def build_fc_densenet(n_classes: int, h: int, w: int, n_layers: int = 201,
                      use_bottleneck: bool = False, bottleneck_blocks: int = 32):
    """The seed's ``build_fc_densenet``: FC-DenseNet, logits ``(N, h, w, n_classes)``."""
    n = n_layers if n_layers in (121, 169) else 201
    return get_model(f"fc_densenet{n}").builder("tf")(
        num_classes=n_classes, input_size=(h, w), use_bottleneck=use_bottleneck,
        bottleneck_blocks=bottleneck_blocks)
