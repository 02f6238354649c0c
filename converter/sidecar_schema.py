"""Validate a converted output's JSON sidecar (the schema of :mod:`.provenance`, which
writes it) before anything in it is used.

The sidecar is read from disk next to converted weights, so it is untrusted input:
it may be a symlink to ``/dev/zero``, 100k-deep nested JSON, a list, or hold
``Infinity`` in a shape or a string where a mean belongs. :func:`read_sidecar`
reads only a regular file under :data:`MAX_SIDECAR_BYTES`, parses strict JSON
(no NaN/Infinity, bounded nesting), and :func:`validate_sidecar` checks every field
the readers use against the schema below; each problem is a one-line CaffeError
naming the field.
"""
from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

from .errors import CaffeError
from .reader.load import load_definition
from .forks import FORKS
from .generation import verify_set
from .provenance import VERSION

#: Largest sidecar read (the net definition is the big part: a few KB to a few MB).
MAX_SIDECAR_BYTES = 64 * 2**20
#: JSON nesting deeper than this is refused (a caffe2ss sidecar nests 4 levels).
MAX_DEPTH = 32


def read_bounded(path, what: str = "the sidecar", limit: int = MAX_SIDECAR_BYTES) -> bytes:
    """The bytes of a regular file no larger than ``limit``."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise CaffeError(f"cannot read {what}: {e.strerror}", file=path) from None
    if not stat.S_ISREG(st.st_mode):
        raise CaffeError(f"{what} is not a regular file", file=path)
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise CaffeError(f"{what} is larger than {limit >> 20} MiB; it is not a caffe2ss "
                         "sidecar", file=path)
    return data


def _depth_ok(text: str) -> bool:
    depth = 0
    for ch in text:  # brackets inside strings only make the bound stricter
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _no_constant(name):
    raise ValueError(f"{name} is not valid JSON here")


def parse_json(data: bytes, path, what: str = "the sidecar"):
    """Strict JSON (no NaN/Infinity), nesting at most :data:`MAX_DEPTH`."""
    try:
        text = data.decode("utf-8")
        if not _depth_ok(text):
            raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
        return json.loads(text, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise CaffeError(f"{what} is not valid JSON ({e}); convert the model again",
                         file=path) from None


def read_sidecar(path) -> dict:
    """Read, parse and validate a sidecar file."""
    return validate_sidecar(parse_json(read_bounded(path), path), path)


def read_verified(side) -> dict:
    """:func:`read_sidecar`, then every file the sidecar fingerprints verified as of its
    conversion (:func:`.generation.verify_set`)."""
    meta = read_sidecar(side)
    verify_set(meta, Path(side).parent, side)
    return meta


def read_net(side):
    """``(meta, net)``: the verified sidecar ``side`` (:func:`read_verified`) of a
    converted output and the net its definition describes; a CaffeError when the
    sidecar is missing."""
    if not Path(side).exists():
        raise CaffeError("no provenance sidecar next to the converted output; caffe2ss "
                         "convert writes it as <output>.json: put it back or convert "
                         "again", file=side)
    meta = read_verified(side)  # the files are the sidecar's generation
    return meta, load_definition(meta["definition"], meta["fork"])


def _fail(path, field: str, want: str):
    raise CaffeError(f"the sidecar's '{field}' must be {want}; convert the model again to "
                     "rewrite it", file=path, field=field)


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _dims(v) -> bool:
    return isinstance(v, list) and 0 < len(v) <= 32 and all(
        isinstance(d, int) and not isinstance(d, bool) and 0 < d < 2**31 for d in v)


def validate_sidecar(meta, path=None, frameworks=("torch", "tf", "onnx")) -> dict:
    """Check the fields readers use; returns ``meta``."""
    if not isinstance(meta, dict):
        _fail(path, "(top level)", "a JSON object")
    version = meta.get("version", 0)  # files written before the field existed: 0
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        _fail(path, "version", "a non-negative integer")
    if version > VERSION:
        raise CaffeError(f"the sidecar has schema version {version}, written by a newer "
                         f"caffe2ss (this one reads up to {VERSION}); upgrade caffe2ss or "
                         "convert the model again with this one", file=path, field="version")
    if meta.get("framework") not in frameworks:
        _fail(path, "framework", f"one of {', '.join(frameworks)}")
    registry = "model" in meta  # version 2: a registry model (caffe2ss train's final.*)
    if registry:
        _check_model(meta["model"], path)
    elif meta.get("fork") not in FORKS:
        _fail(path, "fork", f"one of {', '.join(FORKS)}")
    elif not isinstance(meta.get("definition"), str) or not meta["definition"]:
        _fail(path, "definition", "the net definition (prototxt text)")
    pre = meta.get("preprocessing")
    if pre is not None:
        if not isinstance(pre, dict):
            _fail(path, "preprocessing", "an object")
        mean = pre.get("mean")
        if mean is not None and not (isinstance(mean, list) and 0 < len(mean) <= 4096
                                     and all(_number(m) for m in mean)):
            _fail(path, "preprocessing.mean", "null or a list of finite numbers")
        if "scale" in pre and pre["scale"] is not None and not _number(pre["scale"]):
            _fail(path, "preprocessing.scale", "a finite number")
        if not isinstance(pre.get("channel_order", "BGR"), str):
            _fail(path, "preprocessing.channel_order", "a string such as BGR")
    inp = meta.get("input")
    if inp is not None:
        if not isinstance(inp, dict):
            _fail(path, "input", "an object")
        if inp.get("shape") is not None and not _dims(inp["shape"]):
            _fail(path, "input.shape", "null or a list of positive integers")
        if not isinstance(inp.get("blob", ""), (str, type(None))):
            _fail(path, "input.blob", "the input blob's name")
    layers = meta.get("layers")
    if layers is not None and not (isinstance(layers, dict) and all(
            isinstance(v, list) and all(isinstance(n, str) for n in v)
            for v in layers.values())):
        _fail(path, "layers", "an object of layer name -> parameter names")
    if "weights" in meta and not (isinstance(meta["weights"], dict) and
                                  isinstance(meta["weights"].get("format", "pt"), str)):
        _fail(path, "weights", "an object with file, format and sha256")
    if meta["framework"] == "tf" and not registry:
        tf = meta.get("tf")
        if not isinstance(tf, dict) or not _dims(tf.get("build_shape")):
            _fail(path, "tf.build_shape", "a list of positive integers")
    return meta


def _check_model(model, path) -> None:
    """A version-2 ``model`` record: registry name, class count, input size, arguments."""
    if not (isinstance(model, dict) and isinstance(model.get("registry"), str)
            and model["registry"]):
        _fail(path, "model.registry", "the registry name of the model")
    n = model.get("num_classes")
    if not (isinstance(n, int) and not isinstance(n, bool) and 0 < n < 2**31):
        _fail(path, "model.num_classes", "a positive integer")
    size = model.get("input_size")
    if size is not None and not _dims(size):
        _fail(path, "model.input_size", "null or a list of positive integers")
    if not isinstance(model.get("args", {}), dict):
        _fail(path, "model.args", "an object of builder keyword arguments")
