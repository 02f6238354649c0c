"""The trainable model, its initialisation and the optimiser's parameter groups.

The model is the hand-written FCN/DeepLab class picked from the converted state_dict's
keys (:func:`caffe2ss.models.torch.from_state_dict`), whose module names are the Caffe
layer names. Parameters that start afresh (all of them with ``--init none``, the class
layers with ``--reinit-classifier``) get FCN/DeepLab's own initialisation: MSRA/He
normal for convolutions (Caffe's ``msra`` filler: std sqrt(2 / fan_in), fan_in = C_in *
kh * kw), zero biases, and bilinear kernels for the Deconvolution upsampling layers.
"""
from __future__ import annotations

import math

import torch

from .. import from_state_dict
from ..caffe_modules import Deconvolution


def bilinear_kernel(channels_in: int, channels_out: int, k: int) -> torch.Tensor:
    """FCN's ``bilinear`` filler for a (C_in, C_out, k, k) deconvolution: channel i -> i."""
    f = math.ceil(k / 2)
    c = (2 * f - 1 - f % 2) / (2.0 * f)
    og = torch.arange(k, dtype=torch.float64)
    filt = 1 - torch.abs(og / f - c)
    kern = (filt[:, None] * filt[None, :]).float()
    w = torch.zeros(channels_in, channels_out, k, k)
    for i in range(min(channels_in, channels_out)):
        w[i, i] = kern
    return w


@torch.no_grad()
def init_parameters(model, keys=None, generator=None) -> None:
    """He-normal convolutions, zero biases, bilinear deconvolutions, for the modules
    whose parameter keys are in ``keys`` (all when None)."""
    for name, module in model.named_modules():
        w = getattr(module, "weight", None)
        if not isinstance(w, torch.Tensor) or w.dim() != 4:
            continue
        if keys is not None and f"{name}.weight" not in keys:
            continue
        if isinstance(module, Deconvolution):
            w.copy_(bilinear_kernel(w.shape[0], w.shape[1], w.shape[2]))
        else:
            fan_in = w.shape[1] * w.shape[2] * w.shape[3]
            w.normal_(0.0, math.sqrt(2.0 / fan_in), generator=generator)
        if getattr(module, "bias", None) is not None:
            module.bias.zero_()


def build_model(state: dict, *, fresh=None, seed: int = 0, **kwargs):
    """The model class for ``state`` with ``state`` loaded; ``fresh``: keys to initialise
    afresh (``"all"`` for every parameter). ``kwargs`` go to the class (``zoom=8``)."""
    model = from_state_dict(state, **kwargs)
    if fresh:
        g = torch.Generator().manual_seed(int(seed))
        init_parameters(model, None if fresh == "all" else set(fresh), g)
    return model


def param_groups(model, mults: dict, base_lr: float, weight_decay: float) -> list[dict]:
    """One optimiser group per (lr_mult, decay_mult) pair; ``mults`` maps state_dict
    keys to pairs (missing keys: 1, 1). Parameters with ``lr_mult`` 0 are frozen
    (``requires_grad`` off) and left out, as Caffe skips their update."""
    groups: dict = {}
    for name, p in model.named_parameters():
        lr_m, wd_m = mults.get(name, (1.0, 1.0))
        if lr_m == 0 or not p.requires_grad:
            p.requires_grad_(False)
            continue
        g = groups.setdefault((lr_m, wd_m), {"params": [], "names": [], "lr_mult": lr_m,
                                             "lr": base_lr * lr_m,
                                             "weight_decay": weight_decay * wd_m})
        g["params"].append(p)
        g["names"].append(name)
    return [groups[k] for k in sorted(groups)]


def make_optimizer(groups, kind: str, base_lr: float, momentum: float):
    """SGD with momentum (Caffe's update) or Adam (the DrSleep seed), L2 decay per group."""
    clean = [{k: v for k, v in g.items() if k != "names"} for g in groups]
    if kind == "adam":
        return torch.optim.Adam(clean, lr=base_lr)
    return torch.optim.SGD(clean, lr=base_lr, momentum=momentum)
