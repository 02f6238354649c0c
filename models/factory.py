"""``caffe2ss.models.create``: build a registered model, optionally from Caffe weights."""
from __future__ import annotations

import importlib

from ..converter.errors import CaffeError
from .caffe_weights import read_caffe_weights
from .keymap import check
from .registry import check_input_size, get_model
from .tf.transfer import keras_shapes, load_keras_state


def create(name: str, framework: str = "torch", num_classes: int = 21, init=None,
           input_size=None, *, prototxt=None, init_source: str | None = None,
           reinit_classifier: bool = False, **kwargs):
    """A ``framework`` ("torch" or "tf") model of the registered family ``name``.

    ``init``: a ``.caffemodel`` (converted on the fly; ``prototxt`` optional) or a
    ``caffe2ss convert`` output (``.pt``, ``.safetensors``, ``.weights.h5`` or TF
    checkpoint prefix, with its sidecar JSON). The family's key map picks the Caffe
    tensors (the first init source whose signature layers the weights hold, or
    ``init_source``); loading is strict: every parameter is filled or listed as
    freshly initialised by the map, and a classifier of another size raises unless
    ``reinit_classifier=True``. ``input_size=(H, W)`` is checked against the family's
    constraint and passed to the Keras builder. ``kwargs`` go to the builder.
    """
    entry = get_model(name)
    check_input_size(entry, input_size)
    weights = source = None
    if init is not None:  # read first: the init source may fix builder arguments
        weights = read_caffe_weights(init, prototxt)
        source = _pick_source(entry, weights, init_source)
    args = {**entry.defaults, **(source.build_args if source else {}), **kwargs}
    build = entry.builder(framework)
    model = build(num_classes, input_size=input_size, **args) if framework == "tf" else \
        build(num_classes, **args)
    if init is not None:
        load_init(model, entry, framework, weights, args, source, reinit_classifier)
    return model


def load_init(model, entry, framework, weights, args, source,
              reinit_classifier=False) -> dict:
    """Fill ``model`` from the Caffe ``weights`` through ``source``'s key map; returns
    the map's ``fresh`` dict (model key -> why it keeps its initialisation)."""
    module, _, fn = source.keymap.partition(":")
    shapes = model_shapes(model, framework)
    km = getattr(importlib.import_module(module), fn)(weights, shapes, **args)
    state = check(km, shapes, entry.name, str(weights.source), reinit_classifier)
    load_state(model, framework, state)
    return km.fresh


def _pick_source(entry, weights, wanted):
    sources = entry.init_sources
    if not sources:
        raise CaffeError(f"{entry.name} has no Caffe init source (see `caffe2ss models`)",
                         file=weights.source)
    for s in sources:
        if s.name == wanted or (wanted is None and set(s.signature) <= set(weights.params)):
            return s
    names = "; ".join(f"{s.name} (layers {', '.join(s.signature)})" for s in sources)
    raise CaffeError(f"{entry.name} cannot be initialised from these weights: expected one "
                     f"of {names}", file=weights.source)


def model_shapes(model, framework: str) -> dict:
    """Canonical key -> shape (torch state_dict names and layout, BN counters left out)."""
    if framework == "tf":
        return keras_shapes(model)
    return {k: tuple(v.shape) for k, v in model.state_dict().items()
            if not k.endswith("num_batches_tracked")}


def load_state(model, framework: str, state: dict) -> None:
    """Assign checked canonical tensors (the rest of the model is left as it is)."""
    if framework == "tf":
        load_keras_state(model, state, strict=False)
        return
    import torch

    missing = model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()},
                                    strict=False)
    if missing.unexpected_keys:
        raise KeyError(f"unexpected keys {missing.unexpected_keys[:5]}")
