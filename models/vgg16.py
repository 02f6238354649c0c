"""The VGG16-based published nets (FCN, DeepLab-LargeFOV), framework-free.

The PyTorch and Keras classes (``models/torch/{fcn,deeplab}.py``,
``models/tf/{fcn,deeplab}.py``) are written in the same shape from these tables and
take the same constructor arguments (:func:`fc_width_arg`, :func:`classifier_arg`).
Layer parameters are the converter's own parameter objects, so every op receives what
the generic rebuild gives it.
"""
from __future__ import annotations

from ..converter.layers.crop import CropParams
from ..converter.layers.interp import InterpParams
from ..converter.layers.pool import PoolParams

#: Output channels of the five VGG16 stages (the published nets; thinned nets differ).
VGG16_WIDTHS = (64, 128, 256, 512, 512)
#: (stage name, number of 3x3 convolutions)
VGG16_STAGES = (("conv1", 2), ("conv2", 2), ("conv3", 3), ("conv4", 3), ("conv5", 3))

# --- FCN (fcn.berkeleyvision.org) -------------------------------------------------------
#: conv1_1's pad: FCN's trick so that any input size survives fc6's 7x7.
FCN_CONV1_PAD = 100
#: every FCN pool: MAX 2x2 stride 2, ceil mode (175 -> 88)
FCN_POOL = PoolParams("MAX", (2, 2), (2, 2), (0, 0), False, True)
#: Dropout ratio of drop6/drop7 (FCN and DeepLab)
DROPOUT_RATIO = 0.5
#: Upsampling path per class: (deconv name, skipped pool or None, kernel, stride, crop
#: offset). The deconvolutions are fixed bilinear filters (``lr_mult: 0``).
FCN_HEADS = {
    "FCN32s": (("upscore", None, 64, 32, 19),),
    "FCN16s": (("upscore2", "pool4", 4, 2, 5), ("upscore16", None, 32, 16, 27)),
    "FCN8s": (("upscore2", "pool4", 4, 2, 5), ("upscore_pool4", "pool3", 4, 2, 9),
              ("upscore8", None, 16, 8, 31)),
}
#: FCN-8s-atonce's fixed scales of the skipped pools (Scale layers, ``lr_mult: 0``).
ATONCE_SCALES = {"pool4": 0.01, "pool3": 0.0001}
#: pool -> the VGG stage index whose width it has
POOL_STAGE = {"pool3": 2, "pool4": 3}


def fcn_crop(offset: int) -> CropParams:
    """FCN's Crop layers: axis 2, one offset for H and W."""
    return CropParams(axis=2, offsets=(offset,))


# --- DeepLab-LargeFOV ------------------------------------------------------------------
#: per stage: (dilation of its 3x3 convolutions, stride of the pool after it)
DEEPLAB_STAGES = ((1, 2), (1, 2), (1, 2), (1, 1), (2, 1))
#: the pools after each stage: 3x3, pad 1, ceil mode with pad clipping (321 -> 161 -> 81 -> 41)
DEEPLAB_POOLS = {s: PoolParams("MAX", (3, 3), (s, s), (1, 1), False, True) for s in (1, 2)}
#: pool5a: AVE 3x3 stride 1 pad 1 (divisor 9 everywhere)
DEEPLAB_POOL5A = PoolParams("AVE", (3, 3), (1, 1), (1, 1), False, True)
#: fc6: 3x3 dilated by 12 (the large field of view)
DEEPLAB_FC6_DILATION = 12
DEEPLAB_CLASSIFIER = "fc8_voc12"


def deeplab_interp(zoom: int) -> InterpParams:
    """DeepLab v2's ``fc8_interp``: align-corners bilinear, output ``(H - 1) * zoom + 1``."""
    return InterpParams(None, None, zoom, None, 0, 0, "deeplab_v2")


# --- constructor arguments -------------------------------------------------------------
def fc_width_arg(fc_width, fc, default: int) -> int:
    """``fc_width`` (the width of fc6/fc7); ``fc`` is its older Keras spelling."""
    if fc is not None:
        if fc_width is not None and fc_width != fc:
            raise TypeError(f"give fc_width or fc, not both ({fc_width} != {fc})")
        return int(fc)
    return default if fc_width is None else int(fc_width)


def classifier_arg(classifier, fc8_name) -> str:
    """``classifier`` (the last layer's name); ``fc8_name`` is its older torch spelling."""
    if fc8_name is not None:
        if classifier is not None and classifier != fc8_name:
            raise TypeError(f"give classifier or fc8_name, not both ({classifier!r} != "
                            f"{fc8_name!r})")
        return fc8_name
    return DEEPLAB_CLASSIFIER if classifier is None else classifier
