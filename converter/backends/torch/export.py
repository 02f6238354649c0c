"""The exported PyTorch state_dict: key names, writing (.pt / .safetensors), reading back.

Keys are ``<module key>.<tensor>`` where the module key is the Caffe layer name, and
the tensors keep Caffe's layouts: ``weight``/``bias`` (Convolution, Deconvolution,
InnerProduct), ``running_mean``/``running_var`` (BatchNorm, already divided by Caffe's
scale factor, 0 for a zero factor), ``weight``/``bias`` (Scale: gamma/beta; Bias: bias),
``weight`` (PReLU slopes).

Module keys follow the one naming rule of :mod:`caffe2ss.models.naming`; the sidecar's
layer map records every key.
"""
from __future__ import annotations

import numpy as np

from ...errors import CaffeError
from ...fileio import atomic_path, deferred_interrupt, sha256
from ...provenance import as_metadata
from ...layers import SPECS
from ....models.naming import module_keys
from ....models.torch.builders import weights
from . import stheader

FORMATS = ("pt", "safetensors")


def param_names(layer) -> list[str]:
    """Names of the tensors a layer exports, in Caffe's blob order ([] if weightless);
    the layer's spec says (``LayerSpec.param_names``)."""
    return SPECS[layer.type].param_names(layer.params)


def layer_map(net) -> dict[str, list[str]]:
    """Caffe layer name -> its full state_dict keys (for the sidecar)."""
    keys = module_keys(net)
    return {l.name: [f"{keys[l.name]}.{n}" for n in param_names(l)]
            for l in net.layers if l.name in keys}


def state_dict(net) -> dict:
    """The converted state_dict, built from the layers' blobs without copying them
    (tensors may view a memory-mapped caffemodel: read-only, fine for saving).

    Equals ``CaffeNet(net).state_dict()``; raises CaffeError naming a weighted layer
    that has no weights.
    """
    import warnings

    import torch

    state, keys = {}, module_keys(net)
    for layer in net.layers:
        if layer.name not in keys:
            continue
        names = param_names(layer)
        spec = SPECS[layer.type]
        blobs = spec.export_blobs(weights(layer, spec.n_blobs(layer.params)))
        for name, blob in zip(names, blobs):
            with warnings.catch_warnings():  # a read-only mmap view is only read here
                warnings.simplefilter("ignore", UserWarning)
                # (reshape: ascontiguousarray turns a 0-axis blob, a shared scale, into 1-D)
                t = torch.from_numpy(np.ascontiguousarray(blob, dtype=np.float32)
                                     .reshape(np.shape(blob)))
            state[f"{keys[layer.name]}.{name}"] = t
    return state


def write(state: dict, out, fmt: str, record: dict | None = None) -> str:
    """Write ``state`` atomically as ``pt`` or ``safetensors``; return its sha256.

    A safetensors header also holds the provenance ``record`` (:mod:`...provenance`).

    ``torch.save`` is given an open file, so the archive's inner folder is always
    ``archive`` (with a path it would be the random temporary name): the same tensors
    give byte-identical files.
    """
    import torch

    if fmt not in FORMATS:
        raise CaffeError(f"unknown torch format '{fmt}'; choose pt or safetensors",
                         field="format")
    state = {k: v.detach() for k, v in state.items()}  # plain tensors, not Parameters
    with atomic_path(out) as tmp, deferred_interrupt():  # Ctrl-C: after the write
        if fmt == "pt":
            with open(tmp, "wb") as f:
                torch.save(state, f)
        else:
            meta = {"format": "pt", **(as_metadata(record) if record else {})}
            stheader.save(state, tmp, meta)  # metadata keys sorted: same bytes each run
        digest = sha256(tmp)
    return digest


def read(path, fmt: str) -> dict:
    """Read a converted state_dict (``torch.load(weights_only=True)`` or safetensors)."""
    import torch

    try:
        if fmt == "safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch/safetensors raise many types on a bad file
        raise CaffeError(f"cannot read the converted weights ({e}); convert the model "
                         "again", file=path) from None


def apply_state_dict(net, state: dict, layer_map: dict | None = None) -> None:
    """Put a converted state_dict back into ``net``'s layers as Caffe blobs.

    ``layer_map`` (a sidecar's ``layers``) gives the keys the file was written with, so
    files from before the naming rule changed still load; default: today's keys.
    """
    keys = module_keys(net)
    if layer_map:
        keys = {name: full[0].rsplit(".", 1)[0] for name, full in layer_map.items() if full}
    expected = {f"{keys[l.name]}.{n}" for l in net.layers if l.name in keys
                for n in param_names(l)}
    missing, extra = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or extra:
        raise CaffeError(f"the state_dict does not match the definition: missing "
                         f"{missing[:5]}, unexpected {extra[:5]}", field="state_dict")
    for layer in net.layers:
        if layer.name not in keys:
            continue
        blobs = [state[f"{keys[layer.name]}.{n}"].detach().cpu().numpy().astype(np.float32)
                 for n in param_names(layer)]
        layer.blobs = SPECS[layer.type].import_blobs(blobs)
