"""One converter function per Caffe layer type, emitting ONNX nodes.

A converter is ``fn(g, layer, xs, ys)``: ``g`` is the :class:`~.graph.Graph` being built,
``xs`` the ONNX value names of the layer's bottoms and ``ys`` the value names its tops
must be written to (the Caffe blob names where possible, see ``graph.py``).
"""
from __future__ import annotations

from typing import Callable

#: Caffe type -> converter function.
CONVERTERS: dict[str, Callable] = {}


def register(type_name: str):
    """Decorator registering the ONNX converter of one Caffe layer type.

    Registering a type twice raises ``ValueError`` (a second implementation would
    silently shadow the first).
    """

    def deco(fn: Callable) -> Callable:
        if type_name in CONVERTERS:
            raise ValueError(f"ONNX converter for {type_name!r} registered twice")
        CONVERTERS[type_name] = fn
        return fn

    return deco
