"""One converter function per Caffe layer type, emitting ONNX nodes.

A converter is ``fn(g, layer, xs, ys)``: ``g`` is the :class:`~.graph.Graph` being built,
``xs`` the ONNX value names of the layer's bottoms and ``ys`` the value names its tops
must be written to (the Caffe blob names where possible, see ``graph.py``).
"""
from __future__ import annotations

from typing import Callable

#: Caffe type -> converter function.
CONVERTERS: dict[str, Callable] = {}
#: Caffe type -> ``fn(layer, bottoms: list of numpy) -> tops``: a layer computed on the
#: graph's outputs by caffe2ss's runner (data-dependent output sizes: DetectionOutput),
#: not in the ONNX graph; see :mod:`.postprocess`.
POSTPROCESS: dict[str, Callable] = {}


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


def register_postprocess(type_name: str):
    """Decorator registering the numpy post-processing of one Caffe layer type (a type
    is either converted or post-processed, never both)."""

    def deco(fn: Callable) -> Callable:
        if type_name in POSTPROCESS or type_name in CONVERTERS:
            raise ValueError(f"ONNX post-processing for {type_name!r} registered twice")
        POSTPROCESS[type_name] = fn
        return fn

    return deco
