"""FCN8 and FastFCN8 (the ssnets seed's Keras models) as a trainable ``nn.Module``.

Structure (parameter for parameter the seed's ``build_model``, see
``caffe2ss.models.tf.fcn8`` for the same net in Keras):

* VGG16 encoder ``conv{b}_{i}``: 2/2/3/3/3 3x3 'same' convolutions (with bias), each
  followed by ``conv{b}_{i}_bn`` (BatchNorm, eps 1e-3 as Keras; ``batch_norm=False``
  drops it) and ReLU; ``conv{b}_mpool``: 2x2 s2 max pool, ceil mode (Keras 'same');
* ``fc1`` 7x7 'same' and ``fc2`` 1x1 convolutions of ``fc_width`` (4096), each
  convolution -> Dropout -> ReLU (no BatchNorm, as in the seed);
* ``score32`` (on fc2), ``score16`` (pool4), ``score8`` (pool3): 1x1 convolutions;
* ``upscore32``, ``upscore16``: learned x2 transposed convolutions (k4 s2, 'same', no
  bias), each cropped centrally (top/left ``off // 2``) to the skip score and added;
  then a x8 nearest-neighbour upsampling cropped to the input (no parameters).

``conv_type='ds'`` (FastFCN8) makes every convolution above depthwise-separable as
Keras' ``SeparableConv2D``: a depthwise k x k (no bias, no BatchNorm in between) then a
pointwise 1x1 with bias; the transposed convolutions stay dense. ``dropout`` is the
fraction *dropped* (the seed's ``dropout`` is a keep probability: see
:func:`caffe2ss.models.fcn8_seed.build_model`). Output: logits, NCHW, the input's size.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .init import bilinear_, glorot_uniform_, he_normal_

VGG16_WIDTHS = (64, 128, 256, 512, 512)
DEPTHS = (2, 2, 3, 3, 3)


class SeparableConv2d(nn.Module):
    """Keras ``SeparableConv2D`` (depth multiplier 1): ``depthwise`` then ``pointwise``."""

    def __init__(self, cin, cout, k):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, k, padding=k // 2, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


def _conv(conv_type, cin, cout, k):
    return SeparableConv2d(cin, cout, k) if conv_type == "ds" else \
        nn.Conv2d(cin, cout, k, padding=k // 2)


def center_crop(x, like_hw):
    """Crop NCHW ``x`` to ``like_hw``, ``off // 2`` from the top/left (the seed's crop)."""
    h, w = like_hw
    dh, dw = x.shape[2] - h, x.shape[3] - w
    return x[:, :, dh // 2:dh // 2 + h, dw // 2:dw // 2 + w]


class FCN8(nn.Module):
    """FCN8 (``conv_type='conv'``) or FastFCN8 (``'ds'``); see the module docstring.

    ``widths``/``fc_width`` thin the net (the published VGG16 widths by default);
    ``l2_reg``: the L2 factor of :meth:`regularization_loss` (Keras' ``l2``:
    ``l2_reg * sum(w ** 2)`` over every kernel, depthwise and pointwise included).
    """

    def __init__(self, num_classes=21, conv_type="conv", batch_norm=True, dropout=0.5,
                 l2_reg=0.0, widths=VGG16_WIDTHS, fc_width=4096, in_channels=3):
        super().__init__()
        if conv_type not in ("conv", "ds"):
            raise ValueError(f"conv_type must be 'conv' or 'ds', not {conv_type!r}")
        self.conv_type, self.batch_norm, self.l2_reg = conv_type, batch_norm, float(l2_reg)
        c = in_channels
        for b, (width, depth) in enumerate(zip(widths, DEPTHS), 1):
            for i in range(1, depth + 1):
                setattr(self, f"conv{b}_{i}", _conv(conv_type, c, width, 3))
                if batch_norm:  # Keras defaults: eps 1e-3, momentum 0.99
                    setattr(self, f"conv{b}_{i}_bn", nn.BatchNorm2d(width, 1e-3, 0.01))
                c = width
        self.fc1 = _conv(conv_type, c, fc_width, 7)
        self.fc2 = _conv(conv_type, fc_width, fc_width, 1)
        self.drop = nn.Dropout(dropout)
        self.score32 = _conv(conv_type, fc_width, num_classes, 1)
        self.score16 = _conv(conv_type, widths[3], num_classes, 1)
        self.score8 = _conv(conv_type, widths[2], num_classes, 1)
        self.upscore32 = nn.ConvTranspose2d(num_classes, num_classes, 4, 2, 1, bias=False)
        self.upscore16 = nn.ConvTranspose2d(num_classes, num_classes, 4, 2, 1, bias=False)
        self.reset_parameters()

    def reset_parameters(self):
        """The seed's initialisers: Glorot-uniform kernels (Keras' default), He-normal
        score kernels, zero biases; FCN's bilinear kernels for the x2 upsamplings."""
        for name, m in self.named_modules():
            if isinstance(m, nn.ConvTranspose2d):
                bilinear_(m.weight)
            elif isinstance(m, nn.Conv2d):
                (he_normal_ if name.startswith("score") else glorot_uniform_)(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def kernels(self):
        """Every kernel the L2 term covers (conv, depthwise, pointwise, transposed)."""
        return [m.weight for m in self.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]

    def regularization_loss(self):
        """``l2_reg * sum(w ** 2)`` over :meth:`kernels` (Keras' ``l2`` regulariser);
        add it to the training loss (0 when ``l2_reg`` is 0)."""
        return self.l2_reg * sum((w ** 2).sum() for w in self.kernels())

    def features(self, x):
        """The encoder's skip points: {'pool3', 'pool4', 'fc2'} (fc2 after its ReLU)."""
        out = {}
        for b, depth in enumerate(DEPTHS, 1):
            for i in range(1, depth + 1):
                x = getattr(self, f"conv{b}_{i}")(x)
                if self.batch_norm:
                    x = getattr(self, f"conv{b}_{i}_bn")(x)
                x = F.relu(x)
            x = out[f"pool{b}"] = F.max_pool2d(x, 2, 2, ceil_mode=True)
        x = F.relu(self.drop(self.fc1(x)))
        out["fc2"] = F.relu(self.drop(self.fc2(x)))
        return out

    def forward(self, x):
        f = self.features(x)
        score16, score8 = self.score16(f["pool4"]), self.score8(f["pool3"])
        fuse1 = score16 + center_crop(self.upscore32(self.score32(f["fc2"])), score16.shape[2:])
        fuse2 = center_crop(self.upscore16(fuse1), score8.shape[2:]) + score8
        up = fuse2.repeat_interleave(8, dim=2).repeat_interleave(8, dim=3)
        return center_crop(up, x.shape[2:])


def count_params(model: nn.Module) -> int:
    """Parameters plus BatchNorm running mean/variance (Keras' ``count_params()``)."""
    stats = sum(b.numel() for n, b in model.named_buffers()
                if n.endswith(("running_mean", "running_var")))
    return sum(p.numel() for p in model.parameters()) + stats


def fcn8(num_classes=21, **kwargs) -> FCN8:
    """Registry builder: FCN8 (``conv_type='conv'`` unless given)."""
    return FCN8(num_classes, **{"conv_type": "conv", **kwargs})


def fastfcn8(num_classes=21, **kwargs) -> FCN8:
    """Registry builder: FastFCN8 (``conv_type='ds'``)."""
    return FCN8(num_classes, **{"conv_type": "ds", **kwargs})
