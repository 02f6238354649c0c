"""Trained registry models on disk: weights in the framework's own format plus the
converter's sidecar (:func:`caffe2ss.converter.provenance.registry_provenance`), whose
``model`` field (``{"registry": name, "args": {...}, "num_classes": N}``) says how to
rebuild the model with :func:`caffe2ss.models.create` before loading the weights.

* torch: ``<out>.pt`` holds the ``state_dict`` (``torch.save``);
* tf: ``<out>.weights.h5`` (Keras ``save_weights``), built for the recorded input size.

This is what ``caffe2ss train`` writes as ``final.*`` for families without a Caffe
definition (fcn8, mobilenetv2_unet, fc_densenet*, ...) and what ``caffe2ss eval`` /
``infer`` open (:func:`open_saved`). Frameworks are imported lazily.
"""
from __future__ import annotations

import json

import numpy as np

from ..converter.fileio import atomic_path
from ..converter.provenance import sidecar_path
from .caffe_weights import read_caffe_weights
from .factory import _pick_source, create
from .registry import get_model


def build_saved(path, meta: dict):
    """The model recorded in the sidecar ``meta``, with the weights at ``path`` loaded."""
    m, fw = meta["model"], meta.get("framework", "torch")
    size = m.get("input_size")
    args = (m["registry"], fw, int(m["num_classes"]), None)
    try:  # Keras: open H, W where the family allows it (eval runs whole images)
        model = create(*args, None, **m.get("args", {}))
    except (ValueError, TypeError):
        model = create(*args, tuple(size) if size else None, **m.get("args", {}))
    if fw == "tf":
        model.load_weights(str(path))
    else:
        import torch

        model.load_state_dict(torch.load(str(path), map_location="cpu", weights_only=True))
        model.eval()
    return model


def runner(model, framework: str, input_name: str = "data", output: str = "score"):
    """``runner({input: NCHW float32}) -> {output: NCHW float32}`` in inference mode."""
    if framework == "tf":
        def run_tf(inputs):
            y = model(np.ascontiguousarray(inputs[input_name].transpose(0, 2, 3, 1)),
                      training=False)
            return {output: np.asarray(y, np.float32).transpose(0, 3, 1, 2)}
        return run_tf

    import torch

    def run_torch(inputs):
        was = model.training
        model.eval()
        try:
            with torch.no_grad():
                p = next(model.parameters())
                y = model(torch.from_numpy(inputs[input_name]).to(p.device))
        finally:
            model.train(was)
        return {output: y.float().cpu().numpy()}
    return run_torch


def save_weights(model, framework: str, out, record: dict) -> list:
    """Write ``model``'s weights (``out``: ``final.pt`` / ``final.weights.h5``) and the
    sidecar ``record``; returns the paths written."""
    out = str(out)
    with atomic_path(out, ".weights.h5" if framework == "tf" else None) as tmp:
        if framework == "tf":
            model.save_weights(str(tmp))
        else:
            import torch

            torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, tmp)
    side = sidecar_path(out)
    side.write_text(json.dumps(record, indent=1, sort_keys=True))
    return [out, str(side)]


def build_args(name: str, init, prototxt, kwargs: dict) -> dict:
    """Every builder argument ``create`` uses for this call: the family's defaults, the
    picked init source's (e.g. ``caffe_exact``), then ``kwargs`` (what the sidecar records)."""
    entry = get_model(name)
    source = _pick_source(entry, read_caffe_weights(init, prototxt), None) if init else None
    return {**entry.defaults, **(source.build_args if source else {}), **kwargs}


def build_for_training(kw: dict, framework: str, saved=None):
    """``create(**kw)`` for ``framework``; ``saved``: a registry-model init (a previous
    ``final.*``) whose weights are loaded after the build."""
    kw = dict(kw)
    model = create(kw.pop("name"), framework, kw.pop("num_classes"), kw.pop("init"),
                   kw.pop("input_size"), **kw)
    if saved is not None:
        if framework == "tf":
            model.load_weights(str(saved))
        else:
            import torch

            model.load_state_dict(torch.load(str(saved), map_location="cpu",
                                             weights_only=True))
    return model


def open_size_runner(model, kw: dict, framework: str):
    """A runner for whole images: Keras models built for the crop are rebuilt with open
    H, W (where the family allows) and given the same weights; torch models run as is."""
    if framework != "tf":
        return runner(model, framework)
    kw = {**kw, "init": None, "input_size": None}
    try:
        twin = build_for_training(kw, "tf")
        twin.set_weights(model.get_weights())
    except (ValueError, TypeError):
        twin = model
    return runner(twin, "tf")
