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
upsamples the logits as DeepLab v2's deploy nets do. Same arguments and shape as the
PyTorch class (``models/torch/deeplab.py``).
"""
from __future__ import annotations

from ..vgg16 import (DEEPLAB_FC6_DILATION, DEEPLAB_POOL5A, DEEPLAB_POOLS, DEEPLAB_STAGES,
                     DROPOUT_RATIO, VGG16_STAGES, VGG16_WIDTHS, classifier_arg,
                     deeplab_interp, fc_width_arg)
from . import ops
from .caffe_layers import conv
from .model import CaffeModel
from .ops_nonspatial import dropout, relu
from .ops_interp import interp

WIDTHS = VGG16_WIDTHS


class DeepLabLargeFOV(CaffeModel):
    """VGG16 with 3x3 s2 p1 max pools (s1 after conv4/conv5), dilation 2 in conv5,
    AVE ``pool5a`` 3x3 s1 p1, ``fc6`` 3x3 dilation 12, ``fc7`` 1x1, classifier 1x1."""

    def __init__(self, num_classes=21, widths=VGG16_WIDTHS, fc_width=None, in_channels=3,
                 classifier=None, zoom=None, *, fc=None, fc8_name=None, name=None):
        super().__init__(name=name or "deeplab_largefov")
        fc_width = fc_width_arg(fc_width, fc, 1024)
        self.classifier = classifier_arg(classifier, fc8_name)
        self.zoom = zoom
        self.__dict__["_interp"] = None if zoom is None else deeplab_interp(zoom)
        layers, c = {}, in_channels
        for (stage, n), width, (d, _) in zip(VGG16_STAGES, widths, DEEPLAB_STAGES):
            for i in range(1, n + 1):
                lname = f"{stage}_{i}"
                layers[lname] = conv(lname, c, width, 3, pad=d, dilation=d)
                c = width
        d = DEEPLAB_FC6_DILATION
        layers["fc6"] = conv("fc6", c, fc_width, 3, pad=d, dilation=d)
        layers["fc7"] = conv("fc7", fc_width, fc_width, 1)
        layers[self.classifier] = conv(self.classifier, fc_width, num_classes, 1)
        self._add_caffe_layers(layers)
        self.built = True

    @property
    def fc8_name(self) -> str:
        """The classifier's layer name (older spelling of :attr:`classifier`)."""
        return self.classifier

    def call(self, x, training=None, blobs: bool = False):
        """``x``: NHWC. Returns the classifier's logits (NHWC), or every blob by name."""
        L, b, h = self.caffe_layers, {"data": x}, x
        for (stage, n), (_, stride) in zip(VGG16_STAGES, DEEPLAB_STAGES):
            for i in range(1, n + 1):
                h = b[f"{stage}_{i}"] = relu(L[f"{stage}_{i}"](h))
            h = b["pool" + stage[-1]] = ops.pool2d(h, DEEPLAB_POOLS[stride])
        h = b["pool5a"] = ops.pool2d(h, DEEPLAB_POOL5A)
        h = b["fc6"] = dropout(relu(L["fc6"](h)), DROPOUT_RATIO, training)
        h = b["fc7"] = dropout(relu(L["fc7"](h)), DROPOUT_RATIO, training)
        out = b[self.classifier] = L[self.classifier](h)
        if self._interp is not None:
            out = b["fc8_interp"] = interp(out, self._interp)
        return b if blobs else out
