"""The provenance of a converted output, one schema for every framework, and where it
is written: the JSON sidecar ``<output>.json`` (``x.pt.json``, ``x.onnx.json``, and for
TF's file prefix ``x``: ``x.json``), ONNX ``metadata_props`` and the safetensors header.

Schema (``version`` :data:`VERSION`)::

    {"version", "caffe2ss_version", "framework", "source": {role: {"path", "sha256"}},
     "fork", "format", "net_name", "input": {"blob", "shape", "layout"}, "outputs",
     "preprocessing", "layers": {caffe layer: [output parameter names]},
     "definition", ...framework extras}

Version 2 adds one optional field, for models built from the registry rather than from a
Caffe definition (``caffe2ss train`` on fcn8, mobilenetv2_unet, ...; see
:func:`registry_provenance`)::

    "model": {"registry": name, "num_classes": N, "input_size": [H, W] | null,
              "args": {builder keyword arguments}}

Such records have no ``definition``/``layers``; readers that do not know ``model`` keep
working on every version-1 record, and a version-1 record has no ``model``.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .fileio import _version, sha256

#: Version of the provenance schema; readers accept files without it (version 0).
VERSION = 2
#: The metadata key holding the provenance JSON (safetensors header, ONNX metadata_props).
METADATA_KEY = "caffe2ss_provenance"


def sidecar_path(output) -> Path:
    """The one naming rule: ``<output>.json`` next to the output (file or TF prefix)."""
    output = Path(output)
    return output.with_name(output.name + ".json")


def provenance(net, framework: str, layer_map: dict, input_shape=None) -> dict:
    """The provenance record of ``net`` converted to ``framework``.

    ``layer_map``: Caffe layer name -> list of parameter names in the output.
    """
    src = {k: {"path": os.path.basename(v), "sha256": sha256(v)}
           for k, v in sorted(net.source.items())}
    name = next(iter(net.inputs), None)
    return {
        "version": VERSION,
        "caffe2ss_version": _version(),
        "framework": framework,
        "source": src,
        "fork": net.fork,
        "format": net.format,
        "net_name": net.name,
        "input": {"blob": name,
                  "shape": list(input_shape or net.inputs.get(name) or []) or None,
                  "layout": "NHWC" if framework == "tf" else "NCHW"},
        "outputs": net.outputs(),
        "preprocessing": net.preprocessing.as_dict(),
        "layers": layer_map,
        "definition": net.definition,
    }


def registry_provenance(name: str, framework: str, num_classes: int, args: dict,
                        preprocessing: dict, input_size=None, source: dict | None = None) -> dict:
    """The record of a registry model's weights (``final.pt`` / ``final.weights.h5`` of
    ``caffe2ss train``): enough for :func:`caffe2ss.models.saved.build_saved` to rebuild it."""
    return {
        "version": VERSION,
        "caffe2ss_version": _version(),
        "framework": framework,
        "source": source or {},
        "format": "registry",
        "net_name": name,
        "input": {"blob": "data", "shape": None,
                  "layout": "NHWC" if framework == "tf" else "NCHW"},
        "outputs": ["score"],
        "preprocessing": preprocessing,
        "model": {"registry": name, "num_classes": int(num_classes),
                  "input_size": list(input_size) if input_size else None,
                  "args": json.loads(json.dumps(args))},
    }


def as_metadata(record: dict) -> dict:
    """The record as string metadata (safetensors header, ONNX ``metadata_props``)."""
    return {METADATA_KEY: json.dumps(record, sort_keys=True)}


def find_sidecar(path) -> Path | None:
    """The sidecar of a converted output given by any of its paths: ``<path>.json``, or
    the names earlier versions wrote (``<path minus suffix>.json``, ``<stem>.json``), or
    the one JSON inside a folder."""
    path = Path(path)
    cands = [sidecar_path(path), path.with_suffix(".json"),
             path.with_name(path.name.split(".")[0] + ".json")]
    if path.is_dir():
        cands += sorted(path.glob("*.json"))
    return next((c for c in cands if c.is_file() and c != path), None)
