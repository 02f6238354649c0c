"""PyTorch models: Caffe-exact ops, the generic rebuild, FCN and DeepLab classes.

    >>> import torch
    >>> from caffe2ss.models.torch import FCN8s, from_state_dict
    >>> state = torch.load("fcn8s.pt", weights_only=True)   # from `caffe2ss convert`
    >>> model = from_state_dict(state)                      # FCN8s with widths from state
"""
from __future__ import annotations

from .deeplab import DeepLabLargeFOV
from .fcn import FCN8s, FCN8sAtOnce, FCN16s, FCN32s
from .generic import CaffeNet

__all__ = ["CaffeNet", "DeepLabLargeFOV", "FCN16s", "FCN32s", "FCN8s", "FCN8sAtOnce",
           "from_state_dict"]


def from_state_dict(state: dict, **kwargs):
    """The FCN/DeepLab class matching a converted state_dict's keys, with it loaded.

    Widths and the number of classes come from the weight shapes; ``kwargs`` go to the
    class (e.g. ``zoom=8`` for DeepLab v2's ``fc8_interp``).
    """
    keys = {k.split(".")[0] for k in state}
    if "score_fr" not in keys:
        return DeepLabLargeFOV.from_state_dict(state, **kwargs)
    if "upscore8" in keys:
        cls = FCN8sAtOnce if "scale_pool4" in keys else FCN8s
    else:
        cls = FCN16s if "upscore16" in keys else FCN32s
    return cls.from_state_dict(state, **kwargs)
