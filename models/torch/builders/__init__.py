"""How each Caffe layer type becomes a PyTorch module: one builder per type, in a file
per layer family (the families of ``caffe2ss.converter.layers``, found by name).

A builder takes an IR :class:`~caffe2ss.converter.ir.Layer` (with its weights) and
returns an ``nn.Module``; :func:`build_layer` dispatches on the layer's type.
"""
from __future__ import annotations

from ....converter.errors import CaffeError
from ....converter.layers import import_families
from .registry import BUILDERS, Fn, register, weights

import_families(__name__)


def build_layer(layer):
    """Build the module for one layer."""
    if layer.type not in BUILDERS:
        raise CaffeError(f"layer type {layer.type} has no PyTorch builder; supported: "
                         f"{', '.join(sorted(BUILDERS))}", layer=layer.name, field="type")
    return BUILDERS[layer.type](layer)


__all__ = ["BUILDERS", "Fn", "build_layer", "register", "weights"]
