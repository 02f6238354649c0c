"""MobileNetV2 encoder (Keras layer names) and its ImageNet classifier, in PyTorch.

Explicit symmetric padding (Caffe's), so a Caffe MobileNetV2 converts exactly when built
with ``caffe_exact=True``; see :mod:`caffe2ss.models.families.mobilenetv2_unet`.
"""
from __future__ import annotations

import torch
from torch import nn

from ..families.mobilenetv2_unet import BLOCKS, SKIPS, has_expand, residual, stride


def conv_bn(m: nn.Module, name: str, cin: int, cout: int, k: int, stride: int = 1,
            groups: int = 1, bn: bool = True, eps: float = 1e-3, bn_name: str = None):
    """Register ``name`` (conv, no bias, pad k//2 on every side) and its BatchNorm."""
    m.add_module(name, nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False))
    if bn:
        m.add_module(bn_name or f"{name}_BN", nn.BatchNorm2d(cout, eps=eps, momentum=0.001))


class MobileNetV2Encoder(nn.Module):
    """MobileNetV2 up to ``block_16_project``; ``encode`` returns the five skips (dict).

    Its layers are registered under their Keras names on the module itself, and the
    UNet and the classifier subclass it, so a state_dict key is ``<keras layer>.<param>``
    (the project's canonical torch/Keras key).

    ``caffe_exact=False``: the seed's Keras structure (ReLU6, eps 1e-3);
    ``caffe_exact=True``: shicai's Caffe net (``expanded_conv_expand``, ReLU, eps 1e-5).
    """

    def __init__(self, caffe_exact: bool = False):
        super().__init__()
        self.caffe_exact = caffe_exact
        eps = 1e-5 if caffe_exact else 1e-3
        self.act = nn.ReLU() if caffe_exact else nn.ReLU6()
        conv_bn(self, "Conv1", 3, 32, 3, 2, eps=eps, bn_name="bn_Conv1")
        for name, t, cin, cout, s, _ in BLOCKS:
            s = stride(name, s, caffe_exact)
            mid = cin * t
            if has_expand(name, t, caffe_exact):
                conv_bn(self, f"{name}_expand", cin, mid, 1, eps=eps)
            conv_bn(self, f"{name}_depthwise", mid, mid, 3, s, groups=mid, eps=eps)
            conv_bn(self, f"{name}_project", mid, cout, 1, eps=eps, bn=name != "block_16")

    def _cbr(self, x, name, bn=None, act=True):
        x = getattr(self, bn or f"{name}_BN")(getattr(self, name)(x))
        return self.act(x) if act else x

    def encode(self, x: torch.Tensor) -> dict:
        skips = {}
        x = self._cbr(x, "Conv1", "bn_Conv1")
        for name, t, cin, cout, s, _ in BLOCKS:
            s = stride(name, s, self.caffe_exact)
            h = x
            if has_expand(name, t, self.caffe_exact):
                h = self._cbr(h, f"{name}_expand")
                skips[f"{name}_expand_relu"] = h
            h = self._cbr(h, f"{name}_depthwise")
            if name == "block_16":
                h = self.block_16_project(h)
            else:
                h = self._cbr(h, f"{name}_project", act=False)
            x = x + h if residual(cin, cout, s) else h
        skips["block_16_project"] = x
        return {k: skips[k] for k in SKIPS}

    forward = encode


class MobileNetV2Classifier(MobileNetV2Encoder):
    """The full ImageNet net: encoder + ``block_16_project_BN``, ``Conv_1`` 1x1 1280 + BN
    + ReLU, global average pool and ``fc7`` (1x1 conv with bias), as Caffe's net."""

    has_imagenet_head = True

    def __init__(self, caffe_exact: bool = True, num_classes: int = 1000):
        super().__init__(caffe_exact)
        eps = 1e-5 if caffe_exact else 1e-3
        self.block_16_project_BN = nn.BatchNorm2d(320, eps=eps, momentum=0.001)
        conv_bn(self, "Conv_1", 320, 1280, 1, eps=eps, bn_name="Conv_1_bn")
        self.fc7 = nn.Conv2d(1280, num_classes, 1)

    def forward(self, x):
        x = self.block_16_project_BN(self.encode(x)["block_16_project"])
        x = self.act(self.Conv_1_bn(self.Conv_1(x)))
        return self.fc7(x.mean(dim=(2, 3), keepdim=True))
