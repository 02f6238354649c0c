"""FCN-32s, FCN-16s, FCN-8s and FCN-8s-atonce (Long, Shelhamer, Darrell), as the Caffe
deploy nets of fcn.berkeleyvision.org compute them.

Module names are the Caffe layer names, so a converted state_dict loads with
``load_state_dict(torch.load(path, weights_only=True))``. The crop offsets (19; 5, 9,
31; 5, 27) are the Caffe nets' and do not depend on the input size. Parameters start
at zero (FCN-8s-atonce's fixed scales excepted): load converted weights, e.g. with
:func:`caffe2ss.models.torch.from_state_dict`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...converter.layers.crop import CropParams
from ...converter.layers.pool import PoolParams
from . import ops
from .layers import Scale, conv, deconv

VGG16_WIDTHS = (64, 128, 256, 512, 512)
_DEPTHS = (2, 2, 3, 3, 3)  # convolutions per VGG block
_POOL = PoolParams("MAX", (2, 2), (2, 2), (0, 0), False, True)  # k2 s2, ceil mode


def _crop(x, like, offset):
    return ops.crop(x, like.shape, CropParams(axis=2, offsets=(offset,)))


class _FCN(nn.Module):
    """VGG16 trunk (conv1_1 with pad 100), fc6/fc7 as convolutions, and score_fr."""

    def __init__(self, num_classes=21, widths=VGG16_WIDTHS, fc_width=4096):
        super().__init__()
        cin = 3
        for b, (width, depth) in enumerate(zip(widths, _DEPTHS), 1):
            for i in range(1, depth + 1):
                pad = 100 if (b, i) == (1, 1) else 1  # FCN's pad 100 makes any size work
                setattr(self, f"conv{b}_{i}", conv(cin, width, 3, pad=pad))
                cin = width
        self.fc6 = conv(cin, fc_width, 7)
        self.fc7 = conv(fc_width, fc_width, 1)
        self.score_fr = conv(fc_width, num_classes, 1)

    def trunk(self, x):
        """score_fr and the pooled features {'pool1': ..., 'pool5': ...}."""
        pools = {}
        for b, depth in enumerate(_DEPTHS, 1):
            for i in range(1, depth + 1):
                x = ops.relu(getattr(self, f"conv{b}_{i}")(x))
            x = pools[f"pool{b}"] = ops.pool2d(x, _POOL)
        # drop6/drop7 (0.5): active in train() mode, the identity in eval() as in Caffe
        x = F.dropout(ops.relu(self.fc6(x)), 0.5, self.training)
        x = F.dropout(ops.relu(self.fc7(x)), 0.5, self.training)
        return self.score_fr(x), pools

    @classmethod
    def from_state_dict(cls, state: dict, **kwargs):
        """An instance with widths inferred from ``state``'s shapes, with it loaded."""
        widths = tuple(state[f"conv{b}_1.weight"].shape[0] for b in range(1, 6))
        fc_width, num_classes = state["fc6.weight"].shape[0], state["score_fr.weight"].shape[0]
        model = cls(num_classes, widths, fc_width, **kwargs)
        model.load_state_dict(state, strict=True)
        return model


class FCN32s(_FCN):
    def __init__(self, num_classes=21, widths=VGG16_WIDTHS, fc_width=4096):
        super().__init__(num_classes, widths, fc_width)
        self.upscore = deconv(num_classes, num_classes, 64, stride=32)

    def forward(self, data):
        score_fr, _ = self.trunk(data)
        return _crop(self.upscore(score_fr), data, 19)


class FCN16s(_FCN):
    def __init__(self, num_classes=21, widths=VGG16_WIDTHS, fc_width=4096):
        super().__init__(num_classes, widths, fc_width)
        self.upscore2 = deconv(num_classes, num_classes, 4, stride=2)
        self.score_pool4 = conv(widths[3], num_classes, 1)
        self.upscore16 = deconv(num_classes, num_classes, 32, stride=16)

    def forward(self, data):
        score_fr, pools = self.trunk(data)
        upscore2 = self.upscore2(score_fr)
        fuse_pool4 = upscore2 + _crop(self.score_pool4(pools["pool4"]), upscore2, 5)
        return _crop(self.upscore16(fuse_pool4), data, 27)


class FCN8s(_FCN):
    """FCN-8s. ``atonce=True`` (see :class:`FCN8sAtOnce`) scales pool4 by 0.01 and pool3
    by 0.0001 first, with the fixed Scale layers ``scale_pool4``/``scale_pool3``."""

    def __init__(self, num_classes=21, widths=VGG16_WIDTHS, fc_width=4096, atonce=False):
        super().__init__(num_classes, widths, fc_width)
        self.upscore2 = deconv(num_classes, num_classes, 4, stride=2)
        if atonce:  # stored parameters (lr_mult 0 in Caffe): frozen here too
            self.scale_pool4 = Scale(1, (widths[3],), weight=torch.full((widths[3],), 0.01))
            self.scale_pool3 = Scale(1, (widths[2],), weight=torch.full((widths[2],), 1e-4))
            for p in (self.scale_pool4.weight, self.scale_pool3.weight):
                p.requires_grad_(False)
        self.atonce = atonce
        self.score_pool4 = conv(widths[3], num_classes, 1)
        self.upscore_pool4 = deconv(num_classes, num_classes, 4, stride=2)
        self.score_pool3 = conv(widths[2], num_classes, 1)
        self.upscore8 = deconv(num_classes, num_classes, 16, stride=8)

    def forward(self, data):
        score_fr, pools = self.trunk(data)
        pool4, pool3 = pools["pool4"], pools["pool3"]
        if self.atonce:
            pool4, pool3 = self.scale_pool4(pool4), self.scale_pool3(pool3)
        upscore2 = self.upscore2(score_fr)
        fuse_pool4 = upscore2 + _crop(self.score_pool4(pool4), upscore2, 5)
        upscore_pool4 = self.upscore_pool4(fuse_pool4)
        fuse_pool3 = upscore_pool4 + _crop(self.score_pool3(pool3), upscore_pool4, 9)
        return _crop(self.upscore8(fuse_pool3), data, 31)


class FCN8sAtOnce(FCN8s):
    """FCN-8s-atonce: all strides trained at once, pool4/pool3 scaled by 0.01/0.0001."""

    def __init__(self, num_classes=21, widths=VGG16_WIDTHS, fc_width=4096):
        super().__init__(num_classes, widths, fc_width, atonce=True)
