"""Embed: rows of the weight picked by the integer-valued input, plus the bias."""
from __future__ import annotations

import torch
from torch import nn

from ....converter.errors import CaffeError
from ..caffe_modules import tensor
from .registry import register, weights


class Embed(nn.Module):
    """``weight`` (input_dim, num_output), ``bias`` (num_output,) as Caffe stores them."""

    def __init__(self, w, b=None):
        super().__init__()
        self.weight = nn.Parameter(tensor(w, w.shape))
        self.bias = nn.Parameter(tensor(b, b.shape)) if b is not None else None

    def forward(self, x):
        idx = x.to(torch.int64)  # Caffe: static_cast<int> (truncation)
        if bool(((idx < 0) | (idx >= self.weight.shape[0])).any()):
            raise CaffeError(f"Embed indices must lie in [0, {self.weight.shape[0]}) "
                             "(Caffe's input_dim); feed integer indices in that range",
                             field="input")
        y = self.weight[idx]
        return y + self.bias if self.bias is not None else y


@register("Embed")
def embed(layer):
    w = weights(layer, 1 + layer.params.bias_term)
    return Embed(w[0], w[1] if layer.params.bias_term else None)
