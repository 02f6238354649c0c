"""MobileNetV2-UNet in PyTorch (registry name ``mobilenetv2_unet``).

See :mod:`caffe2ss.models.families.mobilenetv2_unet` for the structure and both counts.
"""
from __future__ import annotations

import torch
from torch import nn

from ..families.mobilenetv2_unet import SKIPS, UP_FILTERS
from ..sizes import check_multiple
from .mobilenetv2 import MobileNetV2Encoder
from .tconv import SameConvTranspose2d

def check_size(h: int, w: int) -> None:
    """Raise ``ValueError`` with the fix unless H and W are multiples of 32."""
    check_multiple("mobilenetv2_unet", h, w, 32)


class MobileNetV2UNet(MobileNetV2Encoder):
    """Encoder skips 1/2..1/32, four upsample blocks (``upN_conv``/``upN_bn``, ReLU,
    concat with the skip), ``logits`` (stride-2 transposed conv with bias). Returns
    logits ``(N, num_classes, H, W)``."""

    def __init__(self, num_classes: int = 2, caffe_exact: bool = False):
        super().__init__(caffe_exact)
        chans = [c for c, _ in SKIPS.values()][::-1]   # 320, 576, 192, 144, 96
        cin = chans[0]
        for i, f in enumerate(UP_FILTERS, start=1):
            self.add_module(f"up{i}_conv", SameConvTranspose2d(cin, f, 3, 2, bias=False))
            self.add_module(f"up{i}_bn", nn.BatchNorm2d(f, eps=1e-3, momentum=0.01))
            cin = f + chans[i]
        self.logits = SameConvTranspose2d(cin, num_classes, 3, 2, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_size(x.shape[-2], x.shape[-1])
        skips = list(self.encode(x).values())[::-1]
        x = skips[0]
        for i, skip in enumerate(skips[1:], start=1):
            x = torch.relu(getattr(self, f"up{i}_bn")(getattr(self, f"up{i}_conv")(x)))
            x = torch.cat([x, skip], dim=1)
        return self.logits(x)


def mobilenetv2_unet(num_classes: int = 2, input_size=None,
                     caffe_exact: bool = False) -> MobileNetV2UNet:
    """Registry builder. ``input_size`` (H, W) is only checked (multiples of 32)."""
    if input_size is not None:
        check_size(*input_size)
    return MobileNetV2UNet(num_classes, caffe_exact)
