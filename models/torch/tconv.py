"""Keras-``'same'`` transposed convolution in PyTorch (output exactly ``stride * input``)."""
from __future__ import annotations

from torch import nn


class SameConvTranspose2d(nn.ConvTranspose2d):
    """``ConvTranspose2d`` that equals Keras ``Conv2DTranspose(padding='same')``.

    TF places input ``i`` at output ``stride*i + k - pad_before`` with
    ``pad_before = max(kernel - stride, 0) // 2`` (0 for k3 s2 and k3 s4); the output is
    cropped (or, for ``stride > kernel``, extended by ``output_padding``) to ``stride*H``.
    """

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, bias: bool = True):
        super().__init__(cin, cout, kernel, stride, padding=0,
                         output_padding=max(stride - kernel, 0), bias=bias)
        self._before = max(kernel - stride, 0) // 2

    def forward(self, x):
        h, w = x.shape[-2] * self.stride[0], x.shape[-1] * self.stride[1]
        y = super().forward(x)
        b = self._before
        return y[..., b:b + h, b:b + w]
