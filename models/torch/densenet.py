"""DenseNet encoder (Keras layer names) and its ImageNet classifier, in PyTorch.

See :mod:`caffe2ss.models.families.fc_densenet` (default vs ``caffe_exact``).
"""
from __future__ import annotations

import torch
from torch import nn

from ..families.fc_densenet import GROWTH, blocks_of, skip_names


def _bn(c: int, eps: float) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=eps, momentum=0.01)


def add_dense_block(m: nn.Module, prefix: str, cin: int, n: int, eps: float) -> int:
    """Register ``<prefix>_block<i>_{0_bn,1_conv,1_bn,2_conv}``; returns the out channels."""
    for i in range(1, n + 1):
        k = f"{prefix}_block{i}"
        m.add_module(f"{k}_0_bn", _bn(cin, eps))
        m.add_module(f"{k}_1_conv", nn.Conv2d(cin, 4 * GROWTH, 1, bias=False))
        m.add_module(f"{k}_1_bn", _bn(4 * GROWTH, eps))
        m.add_module(f"{k}_2_conv", nn.Conv2d(4 * GROWTH, GROWTH, 3, padding=1, bias=False))
        cin += GROWTH
    return cin


def run_dense_block(m: nn.Module, x: torch.Tensor, prefix: str, n: int) -> torch.Tensor:
    for i in range(1, n + 1):
        g = lambda s: getattr(m, f"{prefix}_block{i}_{s}")  # noqa: E731
        h = g("1_conv")(torch.relu(g("0_bn")(x)))
        h = g("2_conv")(torch.relu(g("1_bn")(h)))
        x = torch.cat([x, h], dim=1)
    return x


class DenseNetEncoder(nn.Module):
    """DenseNet up to ``conv5_block<n>_concat``; ``encode`` returns the 4 skips (dict).

    Layers are registered under their Keras names on the module itself (FC-DenseNet and
    the classifier subclass it): state_dict keys are ``<keras layer>.<param>``.
    """

    def __init__(self, n_layers: int = 121, caffe_exact: bool = False):
        super().__init__()
        self.n_layers, self.blocks = n_layers, blocks_of(n_layers)
        eps = 1e-5 if caffe_exact else 1.001e-5
        self.conv1_conv = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.conv1_bn = _bn(64, eps)
        self.pool1 = nn.MaxPool2d(3, 2, 1)              # floor, as Caffe's ceil_mode: false
        c = 64
        self.channels = []
        for s, n in zip(range(2, 6), self.blocks):
            c = add_dense_block(self, f"conv{s}", c, n, eps)
            self.channels.append(c)
            if s < 5:
                self.add_module(f"pool{s}_bn", _bn(c, eps))
                self.add_module(f"pool{s}_conv", nn.Conv2d(c, c // 2, 1, bias=False))
                self.add_module(f"pool{s}_pool", nn.AvgPool2d(2, 2, ceil_mode=caffe_exact))
                c //= 2

    def encode(self, x: torch.Tensor) -> dict:
        x = self.pool1(torch.relu(self.conv1_bn(self.conv1_conv(x))))
        out = []
        for s, n in zip(range(2, 6), self.blocks):
            x = run_dense_block(self, x, f"conv{s}", n)
            out.append(x)
            if s < 5:
                g = lambda t: getattr(self, f"pool{s}_{t}")  # noqa: E731
                x = g("pool")(g("conv")(torch.relu(g("bn")(x))))
        return dict(zip(skip_names(self.n_layers), out))

    forward = encode


class DenseNetClassifier(DenseNetEncoder):
    """The full ImageNet net: encoder + ``bn`` (Caffe conv5_blk/bn), ReLU, global average
    pool and ``fc6`` (1x1 conv with bias), as DenseNet-Caffe."""

    has_imagenet_head = True

    def __init__(self, n_layers: int = 121, caffe_exact: bool = True,
                 num_classes: int = 1000):
        super().__init__(n_layers, caffe_exact)
        c = self.channels[-1]
        self.bn = _bn(c, 1e-5 if caffe_exact else 1.001e-5)
        self.fc6 = nn.Conv2d(c, num_classes, 1)

    def forward(self, x):
        x = list(self.encode(x).values())[-1]
        return self.fc6(torch.relu(self.bn(x)).mean(dim=(2, 3), keepdim=True))
