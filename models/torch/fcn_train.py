"""Trainable FCN-32s/16s/8s/8s-atonce and DeepLab-LargeFOV (torch): registry builders.

The Caffe-exact classes of :mod:`.fcn` and :mod:`.deeplab` (so converted weights still
reproduce Caffe in eval mode), initialised for training: MSRA/He normal convolutions
(Caffe's ``msra`` filler), zero biases, FCN's bilinear kernels in the deconvolutions;
atonce's ``scale_pool4``/``scale_pool3`` keep their constants. Dropout (drop6/drop7,
0.5) is active in ``train()`` mode. ``frozen``: layer names whose parameters get
``requires_grad=False``; ``None`` is the published set
(:data:`caffe2ss.models.families.fcn.FROZEN`), ``()`` trains everything. The set is
kept as ``model.frozen``; :func:`set_frozen` changes it later.
"""
from __future__ import annotations

from torch import nn

from ..families.fcn import FROZEN
from .deeplab import DeepLabLargeFOV
from .fcn import VGG16_WIDTHS, FCN8s, FCN8sAtOnce, FCN16s, FCN32s
from .init import bilinear_, msra_
from .layers import Convolution, Deconvolution


def init_for_training(model: nn.Module) -> nn.Module:
    """He-normal convolutions, zero biases, bilinear deconvolutions (in place)."""
    for m in model.modules():
        if isinstance(m, Deconvolution):
            bilinear_(m.weight)
        elif isinstance(m, Convolution):
            msra_(m.weight)
        if isinstance(m, Convolution) and m.bias is not None:
            nn.init.zeros_(m.bias)
    return model


def set_frozen(model: nn.Module, frozen) -> nn.Module:
    """Freeze exactly the layers named in ``frozen`` (the others become trainable)."""
    names = set(frozen)
    unknown = names - {n for n, _ in model.named_children()}
    if unknown:
        raise ValueError(f"no layers {sorted(unknown)} in {type(model).__name__}")
    for name, child in model.named_children():
        for p in child.parameters():
            p.requires_grad_(name not in names)
    model.frozen = tuple(sorted(names))
    return model


def _build(cls, key, num_classes, frozen, **kwargs):
    model = init_for_training(cls(num_classes, **kwargs))
    return set_frozen(model, FROZEN[key] if frozen is None else frozen)


def fcn32s(num_classes=21, widths=VGG16_WIDTHS, fc_width=4096, frozen=None):
    """FCN-32s for training (see the module docstring)."""
    return _build(FCN32s, "fcn32s", num_classes, frozen, widths=widths, fc_width=fc_width)


def fcn16s(num_classes=21, widths=VGG16_WIDTHS, fc_width=4096, frozen=None):
    """FCN-16s for training."""
    return _build(FCN16s, "fcn16s", num_classes, frozen, widths=widths, fc_width=fc_width)


def fcn8s(num_classes=21, widths=VGG16_WIDTHS, fc_width=4096, frozen=None):
    """FCN-8s for training."""
    return _build(FCN8s, "fcn8s", num_classes, frozen, widths=widths, fc_width=fc_width)


def fcn8s_atonce(num_classes=21, widths=VGG16_WIDTHS, fc_width=4096, frozen=None):
    """FCN-8s-atonce for training (fixed scales 0.01 / 0.0001 kept)."""
    return _build(FCN8sAtOnce, "fcn8s_atonce", num_classes, frozen, widths=widths,
                  fc_width=fc_width)


def deeplab_largefov(num_classes=21, widths=VGG16_WIDTHS, fc_width=1024, frozen=None,
                     fc8_name="fc8_voc12", zoom=None):
    """DeepLab-LargeFOV for training (``zoom=8``: DeepLab v2's ``fc8_interp``)."""
    return _build(DeepLabLargeFOV, "deeplab_largefov", num_classes, frozen, widths=widths,
                  fc_width=fc_width, fc8_name=fc8_name, zoom=zoom)
