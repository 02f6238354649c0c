"""FCN-32s, FCN-16s, FCN-8s and FCN-8s-atonce (Long, Shelhamer, Darrell), as the Caffe
deploy nets of fcn.berkeleyvision.org compute them.

Module names are the Caffe layer names, so a converted state_dict loads with
``load_state_dict(torch.load(path, weights_only=True))``. The crop offsets (19; 5, 9,
31; 5, 27) are the Caffe nets' and do not depend on the input size. Parameters start
at zero (FCN-8s-atonce's fixed scales excepted): load converted weights, e.g. with
:func:`caffe2ss.models.torch.from_state_dict`. Written in the same shape as the Keras
classes (``models/tf/fcn.py``), from the tables of :mod:`caffe2ss.models.vgg16`.
"""
from __future__ import annotations

import torch
from torch import nn

from ..vgg16 import (ATONCE_SCALES, DROPOUT_RATIO, FCN_CONV1_PAD, FCN_HEADS, FCN_POOL,
                     POOL_STAGE, VGG16_STAGES, VGG16_WIDTHS, fc_width_arg, fcn_crop)
from . import ops
from .caffe_modules import Scale, conv, deconv

class FCN(nn.Module):
    """The shared VGG16 trunk (pad 100 on conv1_1, ceil-mode 2x2 pools, fc6 as 7x7 conv),
    score_fr, the skip scorers and the upsampling path of :data:`head`.

    ``forward(data, blobs=False)`` returns the logits ``score`` (NCHW), or every blob by
    its Caffe name. Dropout is active in training mode only.
    """

    #: (name, skipped pool or None, kernel, stride, crop offset): set by subclasses
    head: tuple = ()

    def __init__(self, num_classes=21, widths=VGG16_WIDTHS, fc_width=None, in_channels=3,
                 atonce=False, *, fc=None, name=None):
        super().__init__()
        fc_width = fc_width_arg(fc_width, fc, 4096)
        self.num_classes, self.atonce = num_classes, atonce
        c = in_channels
        for (stage, n), width in zip(VGG16_STAGES, widths):
            for i in range(1, n + 1):
                pad = FCN_CONV1_PAD if (stage, i) == ("conv1", 1) else 1
                setattr(self, f"{stage}_{i}", conv(c, width, 3, pad=pad))
                c = width
        self.fc6 = conv(c, fc_width, 7)
        self.fc7 = conv(fc_width, fc_width, 1)
        self.score_fr = conv(fc_width, num_classes, 1)
        for _, skip, _, _, _ in self.head:
            if skip is None:
                continue
            width = widths[POOL_STAGE[skip]]
            if atonce:  # stored parameters (lr_mult 0 in Caffe): frozen here too
                scale = Scale(1, (width,), weight=torch.full((width,), ATONCE_SCALES[skip]))
                scale.weight.requires_grad_(False)
                setattr(self, f"scale_{skip}", scale)
            setattr(self, f"score_{skip}", conv(width, num_classes, 1))
        for lname, _, k, s, _ in self.head:
            up = deconv(num_classes, num_classes, k, stride=s)
            up.weight.requires_grad_(False)  # fixed bilinear filters (lr_mult 0) in FCN
            setattr(self, lname, up)

    def trunk(self, x, b: dict):
        """VGG16 + fc6/fc7/score_fr; fills ``b`` with the blobs, returns score_fr."""
        h = x
        for stage, n in VGG16_STAGES:
            for i in range(1, n + 1):
                h = b[f"{stage}_{i}"] = ops.relu(getattr(self, f"{stage}_{i}")(h))
            h = b["pool" + stage[-1]] = ops.pool2d(h, FCN_POOL)
        h = b["fc6"] = ops.dropout(ops.relu(self.fc6(h)), DROPOUT_RATIO, self.training)
        h = b["fc7"] = ops.dropout(ops.relu(self.fc7(h)), DROPOUT_RATIO, self.training)
        b["score_fr"] = self.score_fr(h)
        return b["score_fr"]

    def forward(self, data, blobs: bool = False):
        b = {"data": data}
        h = self.trunk(data, b)
        for lname, skip, _, _, offset in self.head:
            h = b[lname] = getattr(self, lname)(h)
            if skip:  # score the pool, crop it to the upsampled map, add
                score = b[f"score_{skip}"] = getattr(self, f"score_{skip}")(
                    self._skip_input(skip, b))
                crop = b[f"score_{skip}c"] = ops.crop(score, h, fcn_crop(offset))
                h = b[f"fuse_{skip}"] = h + crop
        b["score"] = ops.crop(h, data, fcn_crop(self.head[-1][4]))
        return b if blobs else b["score"]

    def _skip_input(self, skip, b):
        if not self.atonce:
            return b[skip]
        b[f"scale_{skip}"] = getattr(self, f"scale_{skip}")(b[skip])
        return b[f"scale_{skip}"]

    @classmethod
    def from_state_dict(cls, state: dict, **kwargs):
        """An instance with widths inferred from ``state``'s shapes, with it loaded."""
        widths = tuple(state[f"conv{b}_1.weight"].shape[0] for b in range(1, 6))
        fc_width, num_classes = state["fc6.weight"].shape[0], state["score_fr.weight"].shape[0]
        model = cls(num_classes, widths, fc_width, **kwargs)
        model.load_state_dict(state, strict=True)
        return model


class FCN32s(FCN):
    """FCN-32s: score_fr upsampled x32 (``upscore``, k64 s32), cropped at 19."""

    head = FCN_HEADS["FCN32s"]


class FCN16s(FCN):
    """FCN-16s: + pool4 skip (``score_pool4`` cropped at 5), ``upscore16`` k32 s16 at 27."""

    head = FCN_HEADS["FCN16s"]


class FCN8s(FCN):
    """FCN-8s: pool4 and pool3 skips (crops 5 and 9), ``upscore8`` k16 s8 at 31.
    ``atonce=True`` (see :class:`FCN8sAtOnce`) scales pool4 by 0.01 and pool3 by 0.0001
    first, with the fixed Scale layers ``scale_pool4``/``scale_pool3``."""

    head = FCN_HEADS["FCN8s"]


class FCN8sAtOnce(FCN8s):
    """FCN-8s-atonce: all strides trained at once, pool4/pool3 scaled by 0.01/0.0001."""

    def __init__(self, num_classes=21, widths=VGG16_WIDTHS, fc_width=None, in_channels=3,
                 *, fc=None, name=None):
        super().__init__(num_classes, widths, fc_width, in_channels, atonce=True, fc=fc,
                         name=name)
