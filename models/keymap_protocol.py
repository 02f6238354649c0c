"""The trainable families' side of ``caffe2ss.models.create``'s key-map protocol.

``create`` calls an init source's key map as ``(weights, shapes, **build_args)``, where
``weights.params[layer][name]`` holds Caffe tensors named as the torch converter names
them (BatchNorm statistics already divided by Caffe's scale factor) and ``shapes`` the
model's canonical keys; it expects ``state`` (torch layout), ``fresh`` and ``classifier``.
"""
from __future__ import annotations

import numpy as np

from ..converter.errors import CaffeError
from .weightmap import convert

from .keymap import KeyMap


def blobs_from_params(weights) -> dict:
    """``{layer: [blobs]}`` from the registry's ``CaffeWeights`` (``params[layer][name]``,
    BatchNorm statistics already divided by Caffe's scale factor)."""
    out = {}
    for layer, p in weights.params.items():
        if "running_mean" in p:
            out[layer] = [p["running_mean"], p["running_var"], np.ones(1, np.float32)]
        else:
            out[layer] = [p["weight"]] + ([p["bias"]] if "bias" in p else [])
    return out


def registry_keymap(weights, shapes: dict, table, family: str, caffe_exact):
    """The registry's key-map protocol (``create``): ``(weights, shapes, **build_args)``
    -> an object with ``state`` (torch layout, canonical keys), ``fresh`` (key -> why it
    keeps its initialisation) and ``classifier`` (keys sized by the classes: none here)."""
    if not caffe_exact:
        raise CaffeError(f"{family}: initialising from Caffe needs the Caffe-exact encoder; "
                         "pass caffe_exact=True", field="caffe_exact")
    state = convert(blobs_from_params(weights), table, "torch")
    fresh = {k: "decoder: not in the Caffe ImageNet net" for k in shapes if k not in state}
    return KeyMap(state=state, fresh=fresh, classifier=())
