"""DeepLab-LargeFOV (Chen et al.), as its Caffe test net computes it.

VGG16 with 3x3 s2 p1 max pools (ceil mode with Caffe's pad clip: 321 -> 161 -> 81 ->
41), stride-1 pool4/pool5, conv5 dilated by 2, AVE ``pool5a`` (3x3 s1 p1), fc6 a 3x3
convolution dilated by 12, fc7 1x1, and the classifier, named ``fc8_voc12`` in the
published nets (``fc8_<exp>`` in others: pass ``fc8_name``). ``zoom=8`` adds the DeepLab
v2 ``fc8_interp`` layer (align-corners bilinear, output ``(H - 1) * 8 + 1``).
Module names are the Caffe layer names, so a converted state_dict loads as is
(parameters start at zero until then).
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import nn

from ...converter.layers.interp import InterpParams
from ...converter.layers.pool import PoolParams
from . import ops
from .fcn import VGG16_WIDTHS, _DEPTHS
from .layers import conv

_POOL_S2 = PoolParams("MAX", (3, 3), (2, 2), (1, 1), False, True)
_POOL_S1 = PoolParams("MAX", (3, 3), (1, 1), (1, 1), False, True)
_POOL5A = PoolParams("AVE", (3, 3), (1, 1), (1, 1), False, True)  # divisor 9 everywhere


class DeepLabLargeFOV(nn.Module):
    def __init__(self, num_classes=21, widths=VGG16_WIDTHS, fc_width=1024,
                 fc8_name="fc8_voc12", zoom=None):
        super().__init__()
        cin = 3
        for b, (width, depth) in enumerate(zip(widths, _DEPTHS), 1):
            for i in range(1, depth + 1):
                dilation = 2 if b == 5 else 1  # conv5: dilation 2, pad 2
                setattr(self, f"conv{b}_{i}", conv(cin, width, 3, pad=dilation,
                                                   dilation=dilation))
                cin = width
        self.fc6 = conv(cin, fc_width, 3, pad=12, dilation=12)
        self.fc7 = conv(fc_width, fc_width, 1)
        self.fc8_name = fc8_name
        self.add_module(fc8_name, conv(fc_width, num_classes, 1))
        self.interp = None if zoom is None else \
            InterpParams(None, None, zoom, None, 0, 0, "deeplab_v2")

    def forward(self, data):
        x = data
        for b, depth in enumerate(_DEPTHS, 1):
            for i in range(1, depth + 1):
                x = ops.relu(getattr(self, f"conv{b}_{i}")(x))
            x = ops.pool2d(x, _POOL_S2 if b <= 3 else _POOL_S1)
        x = ops.pool2d(x, _POOL5A)
        # drop6/drop7 (0.5): active in train() mode, the identity in eval() as in Caffe
        x = F.dropout(ops.relu(self.fc6(x)), 0.5, self.training)
        x = F.dropout(ops.relu(self.fc7(x)), 0.5, self.training)
        x = getattr(self, self.fc8_name)(x)
        return ops.interp(x, self.interp) if self.interp is not None else x

    @classmethod
    def from_state_dict(cls, state: dict, **kwargs):
        """An instance with widths, classes and fc8 name read from ``state``, loaded."""
        trunk = {f"conv{b}_{i}" for b, d in enumerate(_DEPTHS, 1) for i in range(1, d + 1)}
        heads = [k[:-7] for k in state if k.endswith(".weight")
                 and k[:-7] not in trunk | {"fc6", "fc7"}]
        if len(heads) != 1:
            raise ValueError(f"cannot tell the classifier layer among {heads}")
        widths = tuple(state[f"conv{b}_1.weight"].shape[0] for b in range(1, 6))
        model = cls(state[f"{heads[0]}.weight"].shape[0], widths, state["fc6.weight"].shape[0],
                    fc8_name=heads[0], **kwargs)
        model.load_state_dict(state, strict=True)
        return model
