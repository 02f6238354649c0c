"""How each Caffe layer type becomes TensorFlow: one converter per type, in a file per
layer family (the families of ``caffe2ss.converter.layers``, found by name).

A converter takes ``(layer, shapes)`` and returns a :class:`.registry.TFLayer` (the
weights in TF layouts and a factory for the Keras layer); :func:`convert_layer`
dispatches on the layer's type.
"""
from __future__ import annotations

from ....converter.errors import CaffeError
from ....converter.layers import import_families
from .registry import CONVERTERS, TFLayer, blobs, op, register

import_families(__name__)


def convert_layer(layer, shapes) -> TFLayer:
    """Convert one IR layer (``shapes``: its bottoms' Caffe shapes)."""
    fn = CONVERTERS.get(layer.type)
    if fn is None:
        raise CaffeError(f"type {layer.type} has no TensorFlow converter; supported: "
                         f"{', '.join(sorted(CONVERTERS))}", layer=layer.name, field="type")
    return fn(layer, shapes)


__all__ = ["CONVERTERS", "TFLayer", "blobs", "convert_layer", "op", "register"]
