"""DeepLab-LargeFOV (Chen et al.), as its Caffe test net computes it.

VGG16 with 3x3 s2 p1 max pools (ceil mode with Caffe's pad clip: 321 -> 161 -> 81 ->
41), stride-1 pool4/pool5, conv5 dilated by 2, AVE ``pool5a`` (3x3 s1 p1), fc6 a 3x3
convolution dilated by 12, fc7 1x1, and the classifier, named ``fc8_voc12`` in the
published nets (``fc8_<exp>`` in others: pass ``classifier``). ``zoom=8`` adds the
DeepLab v2 ``fc8_interp`` layer (align-corners bilinear, output ``(H - 1) * 8 + 1``).
Module names are the Caffe layer names, so a converted state_dict loads as is
(parameters start at zero until then). Same arguments and shape as the Keras class.
"""
from __future__ import annotations

from torch import nn

from ..vgg16 import (DEEPLAB_FC6_DILATION, DEEPLAB_POOL5A, DEEPLAB_POOLS, DEEPLAB_STAGES,
                     DROPOUT_RATIO, VGG16_STAGES, VGG16_WIDTHS, classifier_arg,
                     deeplab_interp, fc_width_arg)
from . import ops
from .caffe_modules import conv


class DeepLabLargeFOV(nn.Module):
    """``forward(data, blobs=False)``: the classifier's logits (NCHW), or every blob."""

    def __init__(self, num_classes=21, widths=VGG16_WIDTHS, fc_width=None, in_channels=3,
                 classifier=None, zoom=None, *, fc=None, fc8_name=None, name=None):
        super().__init__()
        fc_width = fc_width_arg(fc_width, fc, 1024)
        self.classifier = classifier_arg(classifier, fc8_name)
        self.zoom = zoom
        c = in_channels
        for (stage, n), width, (d, _) in zip(VGG16_STAGES, widths, DEEPLAB_STAGES):
            for i in range(1, n + 1):
                setattr(self, f"{stage}_{i}", conv(c, width, 3, pad=d, dilation=d))
                c = width
        d = DEEPLAB_FC6_DILATION
        self.fc6 = conv(c, fc_width, 3, pad=d, dilation=d)
        self.fc7 = conv(fc_width, fc_width, 1)
        self.add_module(self.classifier, conv(fc_width, num_classes, 1))
        self.interp = None if zoom is None else deeplab_interp(zoom)

    @property
    def fc8_name(self) -> str:
        """The classifier's layer name (older spelling of :attr:`classifier`)."""
        return self.classifier

    def forward(self, data, blobs: bool = False):
        b, h = {"data": data}, data
        for (stage, n), (_, stride) in zip(VGG16_STAGES, DEEPLAB_STAGES):
            for i in range(1, n + 1):
                h = b[f"{stage}_{i}"] = ops.relu(getattr(self, f"{stage}_{i}")(h))
            h = b["pool" + stage[-1]] = ops.pool2d(h, DEEPLAB_POOLS[stride])
        h = b["pool5a"] = ops.pool2d(h, DEEPLAB_POOL5A)
        h = b["fc6"] = ops.dropout(ops.relu(self.fc6(h)), DROPOUT_RATIO, self.training)
        h = b["fc7"] = ops.dropout(ops.relu(self.fc7(h)), DROPOUT_RATIO, self.training)
        out = b[self.classifier] = getattr(self, self.classifier)(h)
        if self.interp is not None:
            out = b["fc8_interp"] = ops.interp(out, self.interp)
        return b if blobs else out

    @classmethod
    def from_state_dict(cls, state: dict, **kwargs):
        """An instance with widths, classes and classifier name read from ``state``."""
        trunk = {f"{s}_{i}" for s, n in VGG16_STAGES for i in range(1, n + 1)}
        heads = [k[:-7] for k in state if k.endswith(".weight")
                 and k[:-7] not in trunk | {"fc6", "fc7"}]
        if len(heads) != 1:
            raise ValueError(f"cannot tell the classifier layer among {heads}")
        widths = tuple(state[f"conv{b}_1.weight"].shape[0] for b in range(1, 6))
        model = cls(state[f"{heads[0]}.weight"].shape[0], widths, state["fc6.weight"].shape[0],
                    classifier=heads[0], **kwargs)
        model.load_state_dict(state, strict=True)
        return model
