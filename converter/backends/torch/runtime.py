"""The torch half of the PyTorch backend: run the rebuild, reload a converted file, the
dense CRF. Imported (with torch) by the package on first use of one of these names.

The rebuild is :class:`caffe2ss.models.torch.generic.CaffeNet`; the per-type builders
are in :mod:`caffe2ss.models.torch.builders`; the state_dict layout is in :mod:`.export`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ....models.torch.crf import dense_crf_numpy
from ....models.torch.generic import CaffeNet
from ...errors import CaffeError
from ...gcpause import gc_paused
from ...sidecar_schema import read_net
from ...memplan import check_memory
from ..runcache import cached_rebuild
from ...provenance import sidecar_path
from ...reader.weights import check_weights
from . import export
from ....models.torch.builders import BUILDERS

#: Caffe layer types this backend can build (equals ``converter.layers.SPECS``).
SUPPORTED_TYPES = set(BUILDERS)


def _arrays(net, inputs: dict, checked: bool = False) -> dict:
    """Validated float32 inputs; Caffe's shape checks run first (CaffeError on a bad size).

    ``checked``: the memory plan of these shapes was already checked.
    """
    missing = [k for k in net.inputs if k not in inputs]
    if missing:
        raise CaffeError(f"no value given for input blob(s) {missing}", field="inputs")
    arrays = {k: np.ascontiguousarray(inputs[k], dtype=np.float32) for k in net.inputs}
    if not checked:
        # shape inference (also resolves strict_dim) and the memory plan, before any work
        check_memory(net, {k: a.shape for k, a in arrays.items()}, "torch")
    return arrays


def _forward(model: CaffeNet, net, arrays: dict, blobs: bool) -> dict:
    with torch.inference_mode():  # no autograd bookkeeping: the outputs become numpy
        out = model({k: torch.from_numpy(a) for k, a in arrays.items()}, return_blobs=blobs)
    outputs = model.outputs
    if not blobs:
        out = out if isinstance(out, dict) else {outputs[0]: out}
    names = net.blob_names() if blobs else outputs
    return {k: out[k].numpy() for k in names if k in out}


@gc_paused()
def run(net, inputs: dict, *, blobs: bool = False) -> dict:
    """Run the rebuilt net on NCHW float32 numpy inputs of any spatial size.

    Returns every blob by Caffe name (final value of in-place blobs) when ``blobs``,
    else the net's outputs, as float32 numpy arrays.
    """
    if all(k in inputs for k in net.inputs):  # the weights and memory checks in one pass
        check_weights(net, run=({k: np.shape(inputs[k]) for k in net.inputs}, "torch"))
        arrays = _arrays(net, inputs, checked=True)
    else:
        check_weights(net)
        arrays = _arrays(net, inputs)
    return _forward(_cached_model(net), net, arrays, blobs)


def _cached_model(net) -> CaffeNet:
    """The inference rebuild of ``net`` (channels-last, fused; see :class:`CaffeNet`),
    built once per net (:func:`..runcache.cached_rebuild`)."""
    return cached_rebuild(net, "_torch_models",
                          lambda: CaffeNet(net, channels_last=True).eval())


def load_converted(path):
    """Rebuild from a converted file (or its ``.json`` sidecar): ``(net, runner)``."""
    path = Path(path)
    if path.suffix == ".json":
        path = path.with_name(path.name[:-5])
    meta, net = read_net(sidecar_path(path))
    fmt = meta.get("weights", {}).get("format") or \
        ("safetensors" if path.suffix == ".safetensors" else "pt")
    export.apply_state_dict(net, export.read(path, fmt), meta.get("layers"))
    model = CaffeNet(net, channels_last=True).eval()
    return net, lambda inputs: _forward(model, net, _arrays(net, inputs), False)


def dense_crf(logits: np.ndarray, images, params) -> np.ndarray:
    """DeepLab's dense CRF (``--crf``) on numpy logits (N, C, H, W) and RGB uint8 images:
    Q (N, C, H, W), on CUDA when available. Used for every framework's logits."""
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return dense_crf_numpy(logits, images, params, device=device)
