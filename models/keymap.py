"""Applying a family's Caffe key map strictly (framework-free).

A key map (``models/families/<name>.py``) is a function ``(weights, shapes, **build_args)
-> KeyMap``: ``weights`` is :class:`~caffe2ss.models.caffe_weights.CaffeWeights`,
``shapes`` the model's canonical keys (torch ``state_dict`` names, BatchNorm's
``num_batches_tracked`` left out) with their shapes, ``build_args`` the builder's
arguments. It returns the tensors it fills, in torch layout, the keys it leaves freshly
initialised (with the reason), and which keys form the classifier.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..converter.errors import CaffeError


@dataclass
class KeyMap:
    """``state``: model key -> numpy (torch layout); ``fresh``: model key -> why it keeps
    its initialisation; ``classifier``: keys sized by the number of classes."""

    state: dict = field(default_factory=dict)
    fresh: dict = field(default_factory=dict)
    classifier: tuple = ()


def take(weights, layer: str, name: str, shape=None) -> np.ndarray:
    """``weights.params[layer][name]``, reshaped to ``shape`` (same element count) if
    given; a missing layer is a :class:`CaffeError` naming it."""
    try:
        v = weights.params[layer][name]
    except KeyError:
        raise CaffeError(f"the initialising weights have no '{layer}' {name}; give the Caffe "
                         "model this family's key map expects", file=weights.source,
                         layer=layer) from None
    if shape is not None and v.size == int(np.prod(shape)):
        v = v.reshape(shape)
    return v


def check(km: KeyMap, shapes: dict, model: str, source: str, reinit_classifier=False) -> dict:
    """The tensors to load, after checking that every model key is filled or listed as
    fresh and that shapes agree; a classifier of another size raises unless
    ``reinit_classifier`` (then it stays freshly initialised)."""
    state = dict(km.state)
    wrong_cls = [k for k in km.classifier if k in state and
                 tuple(state[k].shape) != tuple(shapes[k])]
    if wrong_cls:
        if not reinit_classifier:
            k = wrong_cls[0]
            raise CaffeError(f"{model}: the classifier '{k}' has shape {tuple(state[k].shape)} "
                             f"in the weights but {tuple(shapes[k])} in the model (another "
                             "number of classes); pass reinit_classifier=True to start it "
                             "fresh, or num_classes to match", file=source)
        for k in km.classifier:
            state.pop(k, None)
            km.fresh.setdefault(k, "classifier re-initialised (reinit_classifier=True)")
    unknown = sorted(set(state) - set(shapes))
    missing = sorted(set(shapes) - set(state) - set(km.fresh))
    if unknown or missing:
        raise CaffeError(f"{model}: key map does not fit the model (unfilled: {missing[:5]}, "
                         f"unknown: {unknown[:5]}); check the builder arguments (widths, "
                         "conv_type, batch_norm) against the Caffe model", file=source)
    bad = [k for k, v in state.items() if tuple(v.shape) != tuple(shapes[k])]
    if bad:
        k = bad[0]
        raise CaffeError(f"{model}: '{k}' has shape {tuple(state[k].shape)} in the weights, "
                         f"{tuple(shapes[k])} in the model; build the model with the "
                         "Caffe model's widths", file=source)
    return state
