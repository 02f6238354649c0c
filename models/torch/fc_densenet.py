"""FC-DenseNet in PyTorch (registry names ``fc_densenet121/169/201``).

See :mod:`caffe2ss.models.families.fc_densenet` for the structure and the counts.
"""
from __future__ import annotations

import torch
from torch import nn

from ..families.fc_densenet import GROWTH
from ..sizes import check_multiple
from .densenet import DenseNetEncoder, add_dense_block, run_dense_block
from .tconv import SameConvTranspose2d


class FCDenseNet(DenseNetEncoder):
    """Encoder skips 1/4..1/32, optional ``bottleneck`` dense block, three up steps
    (``transition_up<i>`` + concat + ``upsample<i>`` dense block), ``upsample_x4`` and
    ``score``. Returns logits ``(N, num_classes, H, W)``."""

    def __init__(self, num_classes: int = 2, n_layers: int = 201,
                 use_bottleneck: bool = False, bottleneck_blocks: int = 32,
                 caffe_exact: bool = False):
        super().__init__(n_layers, caffe_exact)
        enc = self
        self.bottleneck_blocks = bottleneck_blocks if use_bottleneck else 0
        eps = 1.001e-5
        c = enc.channels[-1]
        if self.bottleneck_blocks:
            c = add_dense_block(self, "bottleneck", c, bottleneck_blocks, eps)
        for i in range(1, 4):
            skip = enc.channels[-i - 1]
            self.add_module(f"transition_up{i}", SameConvTranspose2d(c, skip // 2, 3, 2))
            c = add_dense_block(self, f"upsample{i}", skip // 2 + skip, enc.blocks[-i], eps)
        self.upsample_x4 = SameConvTranspose2d(c, 64, 3, 4)
        self.score = nn.Conv2d(64, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_multiple(f"fc_densenet{self.n_layers}", x.shape[-2], x.shape[-1], 32)
        skips = list(self.encode(x).values())
        x = skips[-1]
        if self.bottleneck_blocks:
            x = run_dense_block(self, x, "bottleneck", self.bottleneck_blocks)
        for i in range(1, 4):
            x = torch.cat([getattr(self, f"transition_up{i}")(x), skips[-i - 1]], dim=1)
            x = run_dense_block(self, x, f"upsample{i}", self.blocks[-i])
        return self.score(self.upsample_x4(x))


def fc_densenet(num_classes: int = 2, input_size=None, n_layers: int = 201,
                use_bottleneck: bool = False, bottleneck_blocks: int = 32,
                caffe_exact: bool = False) -> FCDenseNet:
    """Builder; ``input_size`` (H, W) is only checked (multiples of 32)."""
    if input_size is not None:
        check_multiple(f"fc_densenet{n_layers}", *input_size, 32)
    return FCDenseNet(num_classes, n_layers, use_bottleneck, bottleneck_blocks, caffe_exact)


def fc_densenet121(num_classes: int = 2, input_size=None, **kw) -> FCDenseNet:
    """Registry builder for ``fc_densenet121`` (kw: use_bottleneck, bottleneck_blocks,
    caffe_exact)."""
    return fc_densenet(num_classes, input_size, 121, **kw)


def fc_densenet169(num_classes: int = 2, input_size=None, **kw) -> FCDenseNet:
    """Registry builder for ``fc_densenet169``."""
    return fc_densenet(num_classes, input_size, 169, **kw)


def fc_densenet201(num_classes: int = 2, input_size=None, **kw) -> FCDenseNet:
    """Registry builder for ``fc_densenet201``."""
    return fc_densenet(num_classes, input_size, 201, **kw)
