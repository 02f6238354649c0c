"""The registry of PyTorch builders: one decorated function per Caffe layer type.

A builder takes an IR :class:`~caffe2ss.converter.ir.Layer` (with its weights) and
returns a callable (an ``nn.Module``, or :class:`Fn` for a weightless layer) whose
``(*bottoms)`` returns the top (or a list of tops).
Modules that hold weights name them as the exported state_dict does.
"""
from __future__ import annotations

from typing import Callable


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


class Fn:
    """A weightless layer: ``fn(*bottoms)``, a plain callable, not an ``nn.Module``.

    Weightless layers hold no parameters or buffers, so building a Module each (about
    70 us, mostly ``nn.Module.__setattr__``) bought nothing; a net of 100k in-place
    ReLUs spent most of its rebuild there.
    """

    __slots__ = ("fn", "caffe_type")

    def __init__(self, fn: Callable, name: str = ""):
        self.fn, self.caffe_type = fn, name

    def __call__(self, *xs):
        return self.fn(*xs)

    def __repr__(self) -> str:
        return f"Fn({self.caffe_type})"


def weights(layer, n: int) -> list:
    """The layer's first ``n`` weight blobs; a CaffeError naming the layer if absent."""
    if len(layer.blobs) < n:
        raise CaffeError(
            f"{layer.type} layer has {len(layer.blobs)} weight blobs, needs {n}: the "
            "weights are missing (Caffe would use random filler values); pass the "
            ".caffemodel that holds them, with a layer of the same name", layer=layer.name,
            field="blobs")
    return list(layer.blobs[:n])
