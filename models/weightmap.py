"""Caffe blobs -> framework parameters, shared by the trainable families' key maps.

A family's key map lists ``(caffe_layer, model_layer, kind)`` triples; this module turns
the Caffe blobs of each triple into arrays in the framework's own layout, keyed by the
model's parameter names:

* torch: ``"<prefix><layer>.weight"`` / ``.bias`` / ``.running_mean`` / ``.running_var``
  (Caffe's layout: conv ``(O, C/g, kh, kw)``);
* tf (Keras 3): ``"<layer>/kernel"`` ``(kh, kw, C, O)``, depthwise ``(kh, kw, C, 1)``,
  BatchNorm ``gamma``/``beta``/``moving_mean``/``moving_variance``.

Kinds: ``"conv"`` (weights, optional bias), ``"dwconv"`` (depthwise, group = channels),
``"bn"`` (a Caffe BatchNorm + Scale pair: ``caffe_layer`` is ``(bn_name, scale_name)``).
Caffe's BatchNorm stores ``mean * s``, ``var * s`` and ``s`` (a zero ``s`` means zero
statistics); its ``eps`` (default 1e-5) is the framework layer's epsilon, set by the builder.
No framework is imported here.
"""
from __future__ import annotations

import numpy as np

from ..converter import load
from ..converter.errors import CaffeError


def caffe_weights(model_path, prototxt=None) -> dict:
    """``{caffe layer name: [blob, ...]}`` (float32, Caffe layout) of a caffemodel.

    ``model_path`` may also be an ``.npz`` written by :func:`save_caffe_weights` (keys
    ``"<layer>:<index>"``), the form the repository's oracle weights ship in.
    """
    if str(model_path).endswith(".npz"):
        out: dict = {}
        with np.load(model_path) as z:
            order = sorted((k.rpartition(":")[0], int(k.rpartition(":")[2]), k) for k in z.files)
            for name, _, key in order:
                out.setdefault(name, []).append(np.asarray(z[key], np.float32))
        return out
    net = load(model_path, prototxt)
    return {l.name: [np.asarray(b, np.float32) for b in l.blobs] for l in net.layers if l.blobs}


def save_caffe_weights(weights: dict, path) -> None:
    """Write ``{layer: [blobs]}`` as a compressed ``.npz`` that :func:`caffe_weights` reads."""
    np.savez_compressed(path, **{f"{k}:{i}": b for k, bl in weights.items()
                                 for i, b in enumerate(bl)})


def _blobs(weights: dict, name: str, n: int) -> list:
    if name not in weights:
        raise CaffeError(f"Caffe layer '{name}' is missing from the weights; initialise from "
                         "the published deploy net this family maps (see its InitSource)",
                         layer=name)
    blobs = weights[name]
    if len(blobs) < n:
        raise CaffeError(f"Caffe layer '{name}' has {len(blobs)} blobs, expected {n}",
                         layer=name)
    return blobs


def bn_scale(weights: dict, bn: str, scale: str):
    """(gamma, beta, mean, var) of a Caffe BatchNorm + Scale pair."""
    m, v, s = _blobs(weights, bn, 3)[:3]
    f = 0.0 if float(s.reshape(-1)[0]) == 0 else 1.0 / float(s.reshape(-1)[0])
    sc = _blobs(weights, scale, 1)
    gamma = sc[0]
    beta = sc[1] if len(sc) > 1 else np.zeros_like(gamma)
    return gamma, beta, m * f, v * f


def convert(weights: dict, table, framework: str, prefix=lambda layer: "") -> dict:
    """Arrays for every ``(caffe, layer, kind)`` of ``table``, named for ``framework``."""
    if framework not in ("torch", "tf"):
        raise ValueError(f"framework must be 'torch' or 'tf', not {framework!r}")
    out = {}
    for caffe, layer, kind in table:
        if framework == "torch":
            key = lambda p: f"{prefix(layer)}{layer}.{p}"  # noqa: E731
        else:
            key = lambda p: f"{layer}/{p}"  # noqa: E731
        if kind == "bn":
            g, b, m, v = bn_scale(weights, *caffe)
            names = (("weight", "bias", "running_mean", "running_var") if framework == "torch"
                     else ("gamma", "beta", "moving_mean", "moving_variance"))
            out.update({key(n): a for n, a in zip(names, (g, b, m, v))})
            continue
        blobs = _blobs(weights, caffe, 1)
        w = blobs[0]
        if framework == "tf":
            w = w.transpose(2, 3, 0, 1) if kind == "dwconv" else w.transpose(2, 3, 1, 0)
        out[key("kernel" if framework == "tf" else "weight")] = np.ascontiguousarray(w)
        if len(blobs) > 1:
            out[key("bias")] = blobs[1]
    return out


def assign(model, arrays: dict, framework: str) -> list:
    """Copy ``arrays`` into ``model``; every name must exist with the same shape.

    Returns the model's parameter names that ``arrays`` did not fill (e.g. a decoder).
    """
    if framework == "torch":
        import torch

        state = model.state_dict()
        targets = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    else:
        targets = {w.path: w for w in model.weights}
    unknown = sorted(set(arrays) - set(targets))
    if unknown:
        raise KeyError(f"key map names {len(unknown)} parameters the model lacks, e.g. "
                       f"{unknown[:3]}; build the model with the variant the weights need "
                       "(e.g. caffe_exact=True)")
    for k, a in arrays.items():
        want = tuple(targets[k].shape)
        if tuple(a.shape) != want:
            raise ValueError(f"{k}: Caffe gives shape {tuple(a.shape)}, the model has {want}")
    if framework == "torch":
        with torch.no_grad():
            for k, a in arrays.items():
                targets[k].copy_(torch.from_numpy(np.array(a, np.float32)))
    else:
        for k, a in arrays.items():
            targets[k].assign(np.array(a, np.float32))
    return sorted(set(targets) - set(arrays))

