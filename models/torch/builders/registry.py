"""The registry of PyTorch builders: one decorated function per Caffe layer type.

A builder takes an IR :class:`~caffe2ss.converter.ir.Layer` (with its weights) and
returns an ``nn.Module`` whose ``forward(*bottoms)`` returns the top (or a list of tops).
Modules that hold weights name them as the exported state_dict does.
"""
from __future__ import annotations

from typing import Callable

from torch import nn

from ....converter.errors import CaffeError

BUILDERS: dict[str, Callable] = {}


def register(type_name: str):
    """Decorator: register the builder of one Caffe type (registering twice raises)."""

    def deco(fn):
        if type_name in BUILDERS:
            raise ValueError(f"torch builder for {type_name!r} registered twice")
        BUILDERS[type_name] = fn
        return fn

    return deco


class Fn(nn.Module):
    """A weightless layer: ``forward(*bottoms) = fn(*bottoms)``."""

    def __init__(self, fn: Callable, name: str = ""):
        super().__init__()
        self.fn, self.caffe_type = fn, name

    def forward(self, *xs):
        return self.fn(*xs)

    def extra_repr(self) -> str:
        return self.caffe_type


def weights(layer, n: int) -> list:
    """The layer's first ``n`` weight blobs; a CaffeError naming the layer if absent."""
    if len(layer.blobs) < n:
        raise CaffeError(
            f"{layer.type} layer has {len(layer.blobs)} weight blobs, needs {n}: the "
            "weights are missing (Caffe would use random filler values); pass the "
            ".caffemodel that holds them, with a layer of the same name", layer=layer.name,
            field="blobs")
    return list(layer.blobs[:n])
