"""One registered function per Caffe layer type: how that layer becomes TensorFlow.

A converter function takes ``(layer, shapes)`` -- the IR layer and the Caffe (NCHW)
shapes of its bottoms -- and returns a :class:`TFLayer`: the layer's weights as numpy
arrays in TF layouts (what the checkpoint and ``.weights.h5`` store) and a factory for
its Keras layer (``caffe2ss.models.tf.caffe_layers``), which the generic rebuild uses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ....converter.errors import CaffeError
from ..caffe_layers import Op

#: Caffe type -> converter function.
CONVERTERS: dict[str, Callable] = {}


@dataclass
class TFLayer:
    """What one Caffe layer becomes in TF.

    Attributes:
        make: ``make(weights_or_None, keras_name) -> keras layer``; with None the
            variables start at zero (to be loaded from a checkpoint / .weights.h5).
        weights: variable name -> float32 array in TF layout, in the Keras layer's
            variable order; empty for a parameterless layer or a weightless net.
    """

    make: Callable
    weights: dict = field(default_factory=dict)


def register(type_name: str):
    """Decorator: register the converter of one Caffe type (twice is an error)."""

    def deco(fn):
        if type_name in CONVERTERS:
            raise ValueError(f"TF converter for {type_name!r} registered twice")
        CONVERTERS[type_name] = fn
        return fn

    return deco


def op(layer, fn) -> TFLayer:
    """A parameterless layer: ``fn(inputs: list, training) -> tensor or list``."""
    return TFLayer(lambda w, name: Op(name, fn))


def blobs(layer, n: int | None = None) -> list[np.ndarray] | None:
    """The layer's weights as float32 (None for a weightless net)."""
    if not layer.blobs:
        return None
    if n is not None and len(layer.blobs) < n:
        raise CaffeError(f"has {len(layer.blobs)} weight blobs, needs {n}", layer=layer.name,
                         field="blobs")
    return [np.asarray(b, dtype=np.float32) for b in layer.blobs]
