"""FCN-32s / 16s / 8s / 8s-atonce (Long, Shelhamer, Darrell) as Keras models, Caffe-exact.

Layer and blob names are those of fcn.berkeleyvision.org's prototxts (``conv1_1`` ...
``fc7``, ``score_fr``, ``upscore2``, ``score_pool4``, ``score_pool4c`` ...), so the
weights written by ``caffe2ss convert fcn8s.caffemodel --to tf`` load directly::

    model = FCN8s(num_classes=21)
    model.load_weights("fcn8s.weights.h5")
    logits = model(x_nhwc)                        # (N, H, W, 21), any H, W

Input: NHWC float32, BGR, mean-subtracted, 0-255 (Caffe's preprocessing). The upsampling
Deconvolutions are fixed bilinear filters in FCN (``lr_mult: 0``), so they are created
non-trainable; Dropout is active only with ``training=True``. Same arguments and shape
as the PyTorch classes (``models/torch/fcn.py``), from :mod:`caffe2ss.models.vgg16`.
"""
from __future__ import annotations

from ..vgg16 import (ATONCE_SCALES, DROPOUT_RATIO, FCN_CONV1_PAD, FCN_HEADS, FCN_POOL,
                     POOL_STAGE, VGG16_STAGES, VGG16_WIDTHS, fc_width_arg, fcn_crop)
from . import ops
from .caffe_layers import Affine, conv, deconv
from .model import CaffeModel
from .ops_nonspatial import dropout, relu

#: VGG16 stages: (name, number of 3x3 convolutions)
VGG16 = VGG16_STAGES
WIDTHS = VGG16_WIDTHS


class FCN(CaffeModel):
    """The shared VGG16 trunk (pad 100 on conv1_1, ceil-mode 2x2 pools, fc6 as 7x7 conv),
    score_fr, the skip scorers and the upsampling path of :data:`head`.

    ``call(x, blobs=True)`` returns every named blob.
    """

    #: (name, skipped pool or None, kernel, stride, crop offset): set by subclasses
    head: tuple = ()

    def __init__(self, num_classes=21, widths=VGG16_WIDTHS, fc_width=None, in_channels=3,
                 atonce=False, *, fc=None, name=None):
        super().__init__(name=name or type(self).__name__.lower())
        fc_width = fc_width_arg(fc_width, fc, 4096)
        self.num_classes, self.atonce = num_classes, atonce
        layers, c = {}, in_channels
        for (stage, n), width in zip(VGG16_STAGES, widths):
            for i in range(1, n + 1):
                lname = f"{stage}_{i}"
                pad = FCN_CONV1_PAD if lname == "conv1_1" else 1
                layers[lname] = conv(lname, c, width, 3, pad=pad)
                c = width
        layers["fc6"] = conv("fc6", c, fc_width, 7)
        layers["fc7"] = conv("fc7", fc_width, fc_width, 1)
        layers["score_fr"] = conv("score_fr", fc_width, num_classes, 1)
        for _, skip, _, _, _ in self.head:
            if skip is None:
                continue
            width = widths[POOL_STAGE[skip]]
            if atonce:  # stored parameters (lr_mult 0 in Caffe): frozen here too
                lname = f"scale_{skip}"
                layers[lname] = Affine(lname, (width,), [3], [0], ("gamma",), trainable=False,
                                       weights={"gamma": [ATONCE_SCALES[skip]] * width})
            layers[f"score_{skip}"] = conv(f"score_{skip}", width, num_classes, 1)
        for lname, _, k, s, _ in self.head:  # fixed bilinear filters (lr_mult 0) in FCN
            layers[lname] = deconv(lname, num_classes, num_classes, k, stride=s,
                                   trainable=False)
        self._add_caffe_layers(layers)
        self.built = True

    def trunk(self, x, b: dict, training=None):
        """VGG16 + fc6/fc7/score_fr; fills ``b`` with the blobs, returns score_fr."""
        L, h = self.caffe_layers, x
        for stage, n in VGG16_STAGES:
            for i in range(1, n + 1):
                h = b[f"{stage}_{i}"] = relu(L[f"{stage}_{i}"](h))
            h = b["pool" + stage[-1]] = ops.pool2d(h, FCN_POOL)
        h = b["fc6"] = dropout(relu(L["fc6"](h)), DROPOUT_RATIO, training)
        h = b["fc7"] = dropout(relu(L["fc7"](h)), DROPOUT_RATIO, training)
        b["score_fr"] = L["score_fr"](h)
        return b["score_fr"]

    def call(self, x, training=None, blobs: bool = False):
        """``x``: NHWC. Returns the logits ``score`` (NHWC), or every blob by name."""
        b = {"data": x}
        h = self.trunk(x, b, training)
        L = self.caffe_layers
        for lname, skip, _, _, offset in self.head:
            h = b[lname] = L[lname](h)
            if skip:  # score the pool, crop it to the upsampled map, add
                score = b[f"score_{skip}"] = L[f"score_{skip}"](self._skip_input(skip, b))
                crop = b[f"score_{skip}c"] = ops.crop(score, h, fcn_crop(offset))
                h = b[f"fuse_{skip}"] = h + crop
        b["score"] = ops.crop(h, x, fcn_crop(self.head[-1][4]))
        return b if blobs else b["score"]

    def _skip_input(self, skip, b):
        if not self.atonce:
            return b[skip]
        b[f"scale_{skip}"] = self.caffe_layers[f"scale_{skip}"](b[skip])
        return b[f"scale_{skip}"]


class FCN32s(FCN):
    """FCN-32s: score_fr upsampled x32 (``upscore``, k64 s32), cropped at 19."""

    head = FCN_HEADS["FCN32s"]


class FCN16s(FCN):
    """FCN-16s: + pool4 skip (``score_pool4`` cropped at 5), ``upscore16`` k32 s16 at 27."""

    head = FCN_HEADS["FCN16s"]


class FCN8s(FCN):
    """FCN-8s: pool4 and pool3 skips (crops 5 and 9), ``upscore8`` k16 s8 at 31.
    ``atonce=True``: see :class:`FCN8sAtOnce`."""

    head = FCN_HEADS["FCN8s"]


class FCN8sAtOnce(FCN8s):
    """FCN-8s-atonce: pool4/pool3 scaled by fixed 0.01 / 0.0001 (``scale_pool4/3``)."""

    def __init__(self, num_classes=21, widths=VGG16_WIDTHS, fc_width=None, in_channels=3,
                 *, fc=None, name=None):
        super().__init__(num_classes, widths, fc_width, in_channels, atonce=True, fc=fc,
                         name=name)
