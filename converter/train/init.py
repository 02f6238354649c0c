"""``--init``: where the starting weights and the architecture come from.

* a ``.caffemodel`` (optionally with ``--prototxt``): read and converted in memory;
* a converted output (``.pt``, ``.safetensors``, ``.weights.h5``, with its sidecar): its
  backend rebuilds the Caffe net from the sidecar's definition, weights included;
* ``none``: the architecture from ``--prototxt`` (a deploy net), weights left to the
  model's own initialisation (He for convolutions, zero biases, bilinear deconvolutions).

Either way the result holds a Caffe IR net; the trained weights are put back into it and
written by the backend's own ``convert``, so ``final.*`` gets the same sidecar as
``caffe2ss convert`` and ``caffe2ss eval``/``infer`` take it directly.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..backends import get_backend
from ..errors import CaffeError
from ..forks import parse_text
from ..provenance import find_sidecar
from ..reader.load import load, load_definition
from ..seg.predict import CAFFE_SUFFIXES

#: Input used to read the class count off the head when the net declares no input size.
PROBE_SHAPE = (1, 3, 224, 224)


@dataclass
class InitSpec:
    """The starting point of a run."""

    net: object                # Caffe IR net (blobs set: converted, or zeros for 'none')
    has_weights: bool
    preprocessing: dict
    num_classes: int           # channels of the head's output
    source: str
    output: str                # the score blob
    class_layers: tuple = ()   # weighted layers whose shapes depend on the class count


def resolve_init(init: str, prototxt=None, fork=None) -> InitSpec:
    """Open ``--init`` (see the module docstring)."""
    if str(init).lower() == "none":
        if not prototxt:
            raise CaffeError("--init none needs --prototxt DEPLOY.prototxt to define the "
                             "architecture (widths, classes)", field="init")
        net, has = load(prototxt, None, fork), False
        zero_blobs(net)
    else:
        path = Path(init)
        if prototxt is not None or path.suffix.lower() in CAFFE_SUFFIXES:
            if not path.is_file():
                raise CaffeError("--init file not found", file=path)
            net = load(path, prototxt, fork)
        else:
            net = _converted(path)
        has = True
    out = _score_blob(net)
    return InitSpec(net, has, net.preprocessing.as_dict(), head_classes(net, out),
                    str(init), out, class_layers(net, out))


def _converted(path: Path):
    side = find_sidecar(path)
    if side is None:
        raise CaffeError("--init is neither a .caffemodel nor a converted output with its "
                         "sidecar JSON; pass a .caffemodel, a caffe2ss convert output, or "
                         "none", file=path)
    meta = json.loads(side.read_text())
    net, _ = get_backend(meta.get("framework", "torch")).load_converted(path)
    return net


def _score_blob(net) -> str:
    outs = net.outputs()
    if not outs:
        raise CaffeError("the init net has no output blob", field="init")
    return outs[0] if len(outs) == 1 else next(
        (o for o in outs if o in ("score", "fc8_interp", "fc8_voc12")), outs[-1])


def _shapes(net) -> dict:
    name = next(iter(net.inputs))
    declared = net.inputs.get(name)
    return net.infer_shapes({name: tuple(declared) if declared else PROBE_SHAPE})


def head_classes(net, output: str) -> int:
    """The channel count of the score blob."""
    return int(_shapes(net)[output][1])


def zero_blobs(net) -> None:
    """Give every Convolution/Deconvolution of a weightless net zero blobs of Caffe's
    shapes (the model's own initialisation replaces them)."""
    shapes = _shapes(net)
    for layer in net.layers:
        if layer.type not in ("Convolution", "Deconvolution") or layer.blobs:
            continue
        p, cin = layer.params, shapes[layer.bottoms[0]][1]
        w = (p.num_output, cin // p.group) if layer.type == "Convolution" else \
            (cin, p.num_output // p.group)
        layer.blobs = [np.zeros(w + tuple(p.kernel), np.float32)]
        if p.bias_term:
            layer.blobs.append(np.zeros((p.num_output,), np.float32))
    unsupported = [l.name for l in net.layers if l.type in
                   ("InnerProduct", "BatchNorm", "Scale", "Bias", "PReLU") and not l.blobs]
    if unsupported:
        raise CaffeError(f"--init none builds convolution-only nets from a prototxt; "
                         f"layers {unsupported[:3]} need weights: pass --init", field="init")


def class_layers(net, output: str) -> tuple:
    """Conv/deconv layers whose output channel count is the head's class count and whose
    top reaches the score blob: the classifier and FCN's score/upscore layers."""
    n = head_classes(net, output)
    shapes = _shapes(net)
    return tuple(l.name for l in net.layers if l.type in ("Convolution", "Deconvolution")
                 and l.params.num_output == n and shapes[l.tops[0]][1] == n)


def reclass(spec: InitSpec, num_classes: int) -> InitSpec:
    """The same net with a ``num_classes`` head: the class layers' ``num_output`` is
    rewritten in the definition and their weights dropped (re-initialised by the model);
    every other layer keeps its weights. This is ``--reinit-classifier``."""
    from google.protobuf import text_format


    old = spec.net
    msg, fork, _ = parse_text("<definition>", old.definition.encode("utf-8"), old.fork)
    for layer in list(msg.layer) + list(msg.layers):
        if layer.name in spec.class_layers:
            p = layer.convolution_param
            p.num_output = num_classes
    net = load_definition(text_format.MessageToString(msg), fork)
    net.source, net.preprocessing = old.source, old.preprocessing
    blobs = {l.name: l.blobs for l in old.layers}
    for layer in net.layers:
        if layer.name not in spec.class_layers:
            layer.blobs = blobs.get(layer.name, [])
    zero_blobs(net)
    return InitSpec(net, spec.has_weights, spec.preprocessing, num_classes, spec.source,
                    spec.output, spec.class_layers)
