"""DeepLab-LargeFOV (Chen et al., DeepLab v1/v2 VGG16) as a Keras model, Caffe-exact.

Layer names follow the published prototxts (``conv1_1`` ... ``conv5_3``, ``fc6``,
``fc7``, ``fc8_voc12``; the classifier's name is an argument because trainers rename it
to re-initialise it), so ``caffe2ss convert deeplab.caffemodel --to tf`` output loads
directly::

    model = DeepLabLargeFOV(num_classes=21)
    model.load_weights("deeplab.weights.h5")
    logits = model(x_nhwc)                     # (N, ceil(H/8), ceil(W/8), 21)

Input: NHWC float32, BGR, mean-subtracted (104.008, 116.669, 122.675), 0-255.
With ``zoom`` (e.g. 8) an ``Interp`` layer (``fc8_interp``, align-corners bilinear)
upsamples the logits as DeepLab v2's deploy nets do.
"""
from __future__ import annotations

from . import ops
from .layers import Conv
from .model import CaffeModel
from .ops_elem import dropout, relu
from .ops_interp import interp

#: stages: (name, convolutions, dilation, pool stride)
STAGES = (("conv1", 2, 1, 2), ("conv2", 2, 1, 2), ("conv3", 3, 1, 2), ("conv4", 3, 1, 1),
          ("conv5", 3, 2, 1))
WIDTHS = (64, 128, 256, 512, 512)


class DeepLabLargeFOV(CaffeModel):
    """VGG16 with 3x3 s2 p1 max pools (s1 after conv4/conv5), dilation 2 in conv5,
    AVE ``pool5a`` 3x3 s1 p1, ``fc6`` 3x3 dilation 12, ``fc7`` 1x1, classifier 1x1."""

    def __init__(self, num_classes=21, widths=WIDTHS, fc=1024, in_channels=3,
                 classifier="fc8_voc12", zoom=None, name=None):
        super().__init__(name=name or "deeplab_largefov")
        self.classifier, self.zoom = classifier, zoom
        layers, c = {}, in_channels
        for (stage, n, d, _), width in zip(STAGES, widths):
            for i in range(1, n + 1):
                lname = f"{stage}_{i}"
                layers[lname] = Conv(lname, c, width, 3, pad=d, dilation=d)
                c = width
        layers["fc6"] = Conv("fc6", c, fc, 3, pad=12, dilation=12)  # the large field of view
        layers["fc7"] = Conv("fc7", fc, fc, 1)
        layers[classifier] = Conv(classifier, fc, num_classes, 1)
        self._add_caffe_layers(layers)
        self.built = True

    def call(self, x, training=None, blobs: bool = False):
        """``x``: NHWC. Returns the classifier's logits (NHWC), or every blob by name."""
        L, b, h = self.caffe_layers, {"data": x}, x
        for stage, n, _, stride in STAGES:
            for i in range(1, n + 1):
                h = b[f"{stage}_{i}"] = relu(L[f"{stage}_{i}"](h))
            pool = "pool" + stage[-1]
            # ceil mode + pad clipping: 321 -> 161 -> 81 -> 41 (floor would give 160 ...)
            h = b[pool] = ops.pool2d(h, "MAX", (3, 3), (stride, stride), (1, 1))
        h = b["pool5a"] = ops.pool2d(h, "AVE", (3, 3), (1, 1), (1, 1))  # divisor 9 everywhere
        h = b["fc6"] = dropout(relu(L["fc6"](h)), 0.5, training)
        h = b["fc7"] = dropout(relu(L["fc7"](h)), 0.5, training)
        out = b[self.classifier] = L[self.classifier](h)
        if self.zoom:
            out = b["fc8_interp"] = interp(out, zoom=self.zoom)
        return b if blobs else out
