"""FCN-32s / 16s / 8s / 8s-atonce (Long, Shelhamer, Darrell) as Keras models, Caffe-exact.

Layer and blob names are those of fcn.berkeleyvision.org's prototxts (``conv1_1`` ...
``fc7``, ``score_fr``, ``upscore2``, ``score_pool4``, ``score_pool4c`` ...), so the
weights written by ``caffe2ss convert fcn8s.caffemodel --to tf`` load directly::

    model = FCN8s(num_classes=21)
    model.load_weights("fcn8s.weights.h5")
    logits = model(x_nhwc)                        # (N, H, W, 21), any H, W

Input: NHWC float32, BGR, mean-subtracted, 0-255 (Caffe's preprocessing). The upsampling
Deconvolutions are fixed bilinear filters in FCN (``lr_mult: 0``), so they are created
non-trainable; Dropout is active only with ``training=True``.
"""
from __future__ import annotations

from . import ops
from .layers import Affine, Conv
from .model import CaffeModel
from .ops_elem import dropout, eltwise, relu

#: VGG16 stages: (name, number of 3x3 convolutions)
VGG16 = (("conv1", 2), ("conv2", 2), ("conv3", 3), ("conv4", 3), ("conv5", 3))
WIDTHS = (64, 128, 256, 512, 512)


class FCN(CaffeModel):
    """The shared VGG16 trunk (pad 100 on conv1_1, ceil-mode 2x2 pools, fc6 as 7x7 conv).

    Subclasses add their skip layers; ``call(x, blobs=True)`` returns every named blob.
    """

    #: (name, bottom, kernel, stride, crop offset) of the upsampling path, set by subclasses
    head: tuple = ()

    def __init__(self, num_classes=21, widths=WIDTHS, fc=4096, in_channels=3, name=None):
        super().__init__(name=name or type(self).__name__.lower())
        self.num_classes = num_classes
        layers, c = {}, in_channels
        for (stage, n), width in zip(VGG16, widths):
            for i in range(1, n + 1):
                lname = f"{stage}_{i}"
                # pad 100: FCN's trick so that any input size survives fc6's 7x7
                layers[lname] = Conv(lname, c, width, 3, pad=100 if lname == "conv1_1" else 1)
                c = width
        self.pool4_channels, self.pool3_channels = widths[3], widths[2]
        layers["fc6"] = Conv("fc6", c, fc, 7)
        layers["fc7"] = Conv("fc7", fc, fc, 1)
        layers["score_fr"] = Conv("score_fr", fc, num_classes, 1)
        layers.update(self._skip_layers())
        for lname, _, k, s, _ in self.head:
            layers[lname] = Conv(lname, num_classes, num_classes, k, s, bias=False,
                                 deconv=True, trainable=False)  # fixed bilinear in FCN
        self._add_caffe_layers(layers)
        self.built = True

    def _skip_layers(self) -> dict:
        return {}

    def trunk(self, x, b: dict, training=None):
        """VGG16 + fc6/fc7/score_fr; fills ``b`` with the blobs, returns score_fr."""
        L, h = self.caffe_layers, x
        for stage, n in VGG16:
            for i in range(1, n + 1):
                h = b[f"{stage}_{i}"] = relu(L[f"{stage}_{i}"](h))
            pool = "pool" + stage[-1]
            h = b[pool] = ops.pool2d(h, "MAX", (2, 2), (2, 2))  # ceil mode: 175 -> 88
        h = b["fc6"] = dropout(relu(L["fc6"](h)), 0.5, training)
        h = b["fc7"] = dropout(relu(L["fc7"](h)), 0.5, training)
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
                crop = b[f"score_{skip}c"] = ops.crop(score, h, 2, (offset, offset))
                h = b[f"fuse_{skip}"] = eltwise([h, crop])
        b["score"] = ops.crop(h, x, 2, (self.head[-1][4],) * 2)
        return b if blobs else b["score"]

    def _skip_input(self, skip, b):
        return b[skip]


class FCN32s(FCN):
    """FCN-32s: score_fr upsampled x32 (``upscore``, k64 s32), cropped at 19."""

    head = (("upscore", None, 64, 32, 19),)


class FCN16s(FCN):
    """FCN-16s: + pool4 skip (``score_pool4`` cropped at 5), ``upscore16`` k32 s16 at 27."""

    head = (("upscore2", "pool4", 4, 2, 5), ("upscore16", None, 32, 16, 27))

    def _skip_layers(self):
        nc = self.num_classes
        return {"score_pool4": Conv("score_pool4", self.pool4_channels, nc, 1)}


class FCN8s(FCN):
    """FCN-8s: pool4 and pool3 skips (crops 5 and 9), ``upscore8`` k16 s8 at 31."""

    head = (("upscore2", "pool4", 4, 2, 5), ("upscore_pool4", "pool3", 4, 2, 9),
            ("upscore8", None, 16, 8, 31))

    def _skip_layers(self):
        nc = self.num_classes
        return {"score_pool4": Conv("score_pool4", self.pool4_channels, nc, 1),
                "score_pool3": Conv("score_pool3", self.pool3_channels, nc, 1)}


class FCN8sAtOnce(FCN8s):
    """FCN-8s-atonce: pool4/pool3 scaled by fixed 0.01 / 0.0001 (``scale_pool4/3``)."""

    def _skip_layers(self):
        layers = super()._skip_layers()
        for pool, c, g in (("pool4", self.pool4_channels, 0.01),
                           ("pool3", self.pool3_channels, 0.0001)):
            name = f"scale_{pool}"
            layers[name] = Affine(name, (c,), [3], [0], ("gamma",),
                                  weights={"gamma": [g] * c}, trainable=False)  # lr_mult 0
        return layers

    def _skip_input(self, skip, b):
        b[f"scale_{skip}"] = self.caffe_layers[f"scale_{skip}"](b[skip])
        return b[f"scale_{skip}"]
