"""Parameter: no bottom; the top is the layer's blob (``weight``)."""
from __future__ import annotations

import torch
from torch import nn

from ..caffe_modules import tensor
from .registry import register, weights


class Parameter(nn.Module):
    """Caffe's Parameter layer: ``forward()`` returns its one blob, ``weight``."""

    def __init__(self, blob):
        super().__init__()
        self.weight = nn.Parameter(tensor(blob, blob.shape))

    def forward(self):
        # under no_grad a detached alias (callers call .numpy()); else the parameter
        return self.weight if torch.is_grad_enabled() else self.weight.detach()


@register("Parameter")
def parameter(layer):
    return Parameter(weights(layer, 1)[0].reshape(layer.params.shape))
