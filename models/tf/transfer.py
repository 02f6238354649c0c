"""Keras weights <-> the canonical state (torch ``state_dict`` names and layouts).

One key per tensor, ``<keras layer name>.<torch name>``: Conv2D / Conv2DTranspose
``.weight`` (OIHW / ``(C_in, O, kh, kw)``) and ``.bias``; DepthwiseConv2D ``.weight``
``(C, 1, kh, kw)``; SeparableConv2D ``.depthwise.weight``, ``.pointwise.weight``,
``.pointwise.bias``; Dense ``.weight`` ``(N, K)``; BatchNormalization ``.weight``,
``.bias``, ``.running_mean``, ``.running_var``; caffe2ss' Caffe-exact ``Conv`` as
Conv2D / Conv2DTranspose and ``Affine`` (Scale) ``.weight``/``.bias``. A torch model whose module names are the
Keras layer names therefore shares its weights with the Keras model key for key.
"""
from __future__ import annotations

import numpy as np

_CONV = ((3, 2, 0, 1), (2, 3, 1, 0))        # HWIO <-> OIHW; (kh,kw,O,I) <-> (I,O,kh,kw)
_DEPTHWISE = ((2, 3, 0, 1), (2, 3, 0, 1))   # (kh,kw,C,1) <-> (C,1,kh,kw)
_DENSE = ((1, 0), (1, 0))
_BN = {"gamma": "weight", "beta": "bias", "moving_mean": "running_mean",
       "moving_variance": "running_var"}


def _rules(layer):
    """{keras variable name: (canonical suffix, (to torch perm, to keras perm) or None)}."""
    kind = type(layer).__name__
    if kind == "Conv":  # caffe2ss' Caffe-exact Conv (Convolution or Deconvolution)
        return {"kernel": ("weight", _CONV), "bias": ("bias", None)}
    if kind == "Affine":  # Caffe Scale over channels (FCN-8s-atonce's fixed scales)
        return {"gamma": ("weight", None), "beta": ("bias", None)}
    if kind == "SeparableConv2D":
        return {"depthwise_kernel": ("depthwise.weight", _DEPTHWISE),
                "pointwise_kernel": ("pointwise.weight", _CONV), "bias": ("pointwise.bias", None)}
    if kind == "DepthwiseConv2D":
        return {"kernel": ("weight", _DEPTHWISE), "bias": ("bias", None)}
    if kind in ("Conv2D", "Conv2DTranspose"):
        return {"kernel": ("weight", _CONV), "bias": ("bias", None)}
    if kind == "Dense":
        return {"kernel": ("weight", _DENSE), "bias": ("bias", None)}
    if kind == "BatchNormalization":
        return {k: (v, None) for k, v in _BN.items()}
    return {}


def _variables(model):
    """(canonical key, variable, perms) for every variable of the model's layers."""
    for layer in model.layers:
        rules = _rules(layer)
        for v in layer.weights:
            vname = v.path.rsplit("/", 1)[-1]
            if vname not in rules:
                raise ValueError(f"no canonical name for {v.path} ({type(layer).__name__})")
            suffix, perms = rules[vname]
            yield f"{layer.name}.{suffix}", v, perms


def keras_state(model) -> dict:
    """The canonical state of a Keras model: key -> numpy in torch layout."""
    return {k: (np.transpose(v.numpy(), p[0]) if p else v.numpy()).copy()
            for k, v, p in _variables(model)}


def keras_shapes(model) -> dict:
    """Canonical key -> torch-layout shape (no values copied)."""
    return {k: tuple(np.empty(v.shape, np.int8).transpose(p[0]).shape) if p else tuple(v.shape)
            for k, v, p in _variables(model)}


def load_keras_state(model, state: dict, strict: bool = True) -> None:
    """Assign ``state`` (canonical keys, torch layout) to the model's variables; with
    ``strict`` every variable must be given and every key used."""
    seen = set()
    for k, v, p in _variables(model):
        if k not in state:
            if strict:
                raise KeyError(f"no value for {k} ({v.path})")
            continue
        value = np.asarray(state[k], np.float32)
        v.assign(np.transpose(value, p[1]) if p else value)
        seen.add(k)
    extra = sorted(set(state) - seen)
    if strict and extra:
        raise KeyError(f"keys not in the model: {extra[:5]}")
