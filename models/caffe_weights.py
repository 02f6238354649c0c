"""Caffe weights as numpy, from a ``.caffemodel`` or from any converted output.

:func:`read_caffe_weights` returns :class:`CaffeWeights`: per Caffe layer name its type
and its tensors **in Caffe's layouts**, named as the torch converter names them:
``weight``/``bias`` (Convolution ``(O, C/g, kh, kw)``, Deconvolution ``(C_in, O/g, kh,
kw)``, InnerProduct ``(N, K)``), ``running_mean``/``running_var`` (BatchNorm, already
divided by Caffe's scale factor, 0 where the factor is 0), ``weight``/``bias`` (Scale =
gamma/beta). Key maps (``models/families/*.py``) read only this form, so one map serves
every source. Framework-free: a TF or torch output imports h5py/TF/torch to be read.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..converter import load, load_definition
from ..converter.errors import CaffeError

CAFFE_SUFFIXES = (".caffemodel", ".caffemodel.h5")


@dataclass
class CaffeWeights:
    """``params[layer][name]``: numpy in Caffe layout; ``types[layer]``: the Caffe type."""

    params: dict = field(default_factory=dict)
    types: dict = field(default_factory=dict)
    source: str = ""
    bottoms: dict = field(default_factory=dict)  # layer -> bottom blob names


def read_caffe_weights(init, prototxt=None) -> CaffeWeights:
    """Read ``init``: a ``.caffemodel`` (``prototxt`` optional: the embedded net is used
    otherwise), a converted ``.pt``/``.safetensors``, or a TF ``.weights.h5``/checkpoint
    prefix; the converted ones need their ``caffe2ss convert`` sidecar JSON beside them."""
    path = Path(init)
    if path.name.lower().endswith(CAFFE_SUFFIXES):
        net = load(path, prototxt)
        out = CaffeWeights(source=str(path))
        for layer in net.layers:
            if layer.blobs:
                out.types[layer.name] = layer.type
                out.bottoms[layer.name] = list(layer.bottoms)
                out.params[layer.name] = _from_blobs(layer)
        return out
    side = _sidecar(path)
    net = load_definition(side["definition"], side["fork"])
    out = CaffeWeights(source=str(path))
    for layer in net.layers:
        out.types[layer.name], out.bottoms[layer.name] = layer.type, list(layer.bottoms)
    if side["framework"] == "torch":
        out.params = _from_torch(path, side)
    elif side["framework"] == "tf":
        out.params = _from_tf(path, side, net)
    else:
        raise CaffeError(f"cannot initialise from a {side['framework']} output; give the "
                         ".caffemodel, or its torch/tf conversion", file=path)
    out.types = {k: v for k, v in out.types.items() if k in out.params}
    return out


def _from_blobs(layer) -> dict:
    b = [np.asarray(x, np.float32) for x in layer.blobs]
    if layer.type == "BatchNorm":  # blobs: mean*s, var*s, s; Caffe: s == 0 -> zeros
        s = float(b[2].ravel()[0]) if len(b) > 2 else 1.0
        f = 0.0 if s == 0 else 1.0 / s
        return {"running_mean": b[0] * f, "running_var": b[1] * f}
    if layer.type == "Bias":
        return {"bias": b[0]}
    return dict(zip(("weight", "bias"), b))


def _sidecar(path: Path) -> dict:
    for cand in (Path(f"{path}.json"), path.with_name(path.name.split(".")[0] + ".json")):
        if cand.is_file():
            meta = json.loads(cand.read_text())
            if "definition" in meta and "framework" in meta:
                return meta
    raise CaffeError("not a .caffemodel and no caffe2ss sidecar JSON beside it; give the "
                     ".caffemodel or a `caffe2ss convert` output with its .json", file=path)


def _from_torch(path: Path, side: dict) -> dict:
    if path.suffix == ".safetensors":
        from safetensors.numpy import load_file

        state = load_file(str(path))
    else:
        import torch

        state = {k: v.numpy() for k, v in torch.load(path, weights_only=True).items()}
    return {layer: {k.rsplit(".", 1)[1]: np.asarray(state[k], np.float32) for k in keys}
            for layer, keys in side["layers"].items() if keys}


def _from_tf(path: Path, side: dict, net) -> dict:
    """TF layouts back to Caffe's: HWIO -> OIHW, (kh, kw, O, C) -> (C, O, kh, kw),
    InnerProduct rows H,W,C -> Caffe's C,H,W flatten (needs the build shape)."""
    raw = _tf_variables(path, side)
    shapes = net.infer_shapes({side["input"]["blob"]: tuple(side["input"]["shape"] or
                                                            side["tf"]["build_shape"])})
    out = {}
    for layer, vs in raw.items():
        t, p = net.layer(layer).type, {}
        for var, v in vs.items():
            if var == "kernel" and t in ("Convolution", "Deconvolution"):
                v = v.transpose(3, 2, 0, 1)
            elif var == "kernel":  # InnerProduct (K, N), rows H,W,C when after a 4-D blob
                bottom = shapes[net.layer(layer).bottoms[0]]
                if len(bottom) == 4:
                    c, h, w = bottom[1:]
                    v = v.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(c * h * w, -1)
                v = v.T
            p[_TF_NAMES.get(var, var)] = np.ascontiguousarray(v, np.float32)
        out[layer] = p
    return out


_TF_NAMES = {"kernel": "weight", "bias": "bias", "gamma": "weight", "beta": "bias",
             "moving_mean": "running_mean", "moving_variance": "running_var",
             "alpha": "weight"}


def _tf_variables(path: Path, side: dict) -> dict:
    names = side["layers"]  # caffe layer -> ["layer/var", ...] in variable order
    text = str(path)
    base = text[:-len(".weights.h5")] if text.endswith(".weights.h5") else \
        text[:-len(".index")] if text.endswith(".index") else text
    h5 = Path(base + ".weights.h5")
    if h5.is_file() and not text.endswith(".index"):
        import h5py

        attrs = side["tf"]["keras_layers"]
        with h5py.File(h5, "r") as f:
            return {layer: {n.split("/", 1)[1]: f[f"{attrs[layer]}/vars/{i}"][()]
                            for i, n in enumerate(vs)} for layer, vs in names.items() if vs}
    import tensorflow as tf

    reader = tf.train.load_checkpoint(base)
    keys = side["tf"]["checkpoint_keys"]
    return {layer: {n.split("/", 1)[1]: reader.get_tensor(keys[n]) for n in vs}
            for layer, vs in names.items() if vs}
