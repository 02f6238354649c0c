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
from ...fileio import atomic_path, deferred_interrupt
from ...hashing import HashingWriter
from ...pages import trimmed
from ...provenance import as_metadata
from ...layers import SPECS
from ....models.naming import module_keys
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


def arrays(net) -> dict:
    """The converted state_dict as float32 numpy arrays, in key order, without copying
    the layers' blobs (views of a memory-mapped caffemodel stay views: read-only).

    Raises CaffeError naming a weighted layer that has no weights.
    """
    out, keys = {}, module_keys(net)
    for layer in net.layers:
        if layer.name not in keys:
            continue
        spec = SPECS[layer.type]
        n = spec.n_blobs(layer.params)
        if len(layer.blobs) < n:
            raise CaffeError(f"{layer.type} layer has {len(layer.blobs)} weight blobs, needs "
                             f"{n}: the weights are missing; pass the .caffemodel that holds "
                             "them, with a layer of the same name", layer=layer.name,
                             field="blobs")
        for name, blob in zip(param_names(layer), spec.export_blobs(list(layer.blobs[:n]))):
            # (reshape: ascontiguousarray turns a 0-axis blob, a shared scale, into 1-D)
            out[f"{keys[layer.name]}.{name}"] = np.ascontiguousarray(
                blob, dtype=np.float32).reshape(np.shape(blob))
    return out


def state_dict(net) -> dict:
    """The converted state_dict (torch tensors viewing :func:`arrays`: read-only views
    of a memory-mapped caffemodel are fine for saving). Equals
    ``CaffeNet(net).state_dict()``; raises CaffeError naming a weighted layer that has
    no weights."""
    return _tensors(arrays(net))


def _tensors(state: dict) -> dict:
    import warnings

    import torch

    with warnings.catch_warnings():  # a read-only mmap view is only read here
        warnings.simplefilter("ignore", UserWarning)
        return {k: v.detach() if isinstance(v, torch.Tensor) else torch.from_numpy(v)
                for k, v in state.items()}


def write(state: dict, out, fmt: str, record: dict | None = None) -> str:
    """Write ``state`` (name -> numpy array or tensor) atomically as ``pt`` or
    ``safetensors``; return the file's sha256, computed while it is written.

    A safetensors header also holds the provenance ``record`` (:mod:`...provenance`);
    it is written by :mod:`.stheader` from numpy, without torch. The pages of a mapped
    caffemodel are dropped from the RSS as they are written (:mod:`...pages`).

    ``torch.save`` is given an open file, so the archive's inner folder is always
    ``archive`` (with a path it would be the random temporary name): the same tensors
    give byte-identical files.
    """
    if fmt not in FORMATS:
        raise CaffeError(f"unknown torch format '{fmt}'; choose pt or safetensors",
                         field="format")
    with atomic_path(out) as tmp, deferred_interrupt():  # Ctrl-C: after the write
        with HashingWriter(tmp) as f, trimmed(list(state.values())):
            if fmt == "pt":
                import torch

                torch.save(_tensors(state), f)
            else:
                meta = {"format": "pt", **(as_metadata(record) if record else {})}
                stheader.write(f, {k: _numpy(v) for k, v in state.items()}, meta)
        digest = f.hexdigest()
    return digest


def _numpy(v) -> np.ndarray:
    return v if isinstance(v, np.ndarray) else v.detach().cpu().numpy()


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
