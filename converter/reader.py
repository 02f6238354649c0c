"""Read Caffe files with protobuf alone: ``load(model, prototxt=None, fork=None)``.

* ``model`` is a binary ``.caffemodel`` or a text ``.prototxt`` (sniffed, not guessed
  from the extension). With a caffemodel alone the net definition embedded in it is
  used (the training net, usually: its data layers become inputs, losses are dropped).
* ``prototxt`` (optional, text) overrides the embedded definition; weights are then
  matched to its layers by name, as Caffe does.
* ``fork`` forces the schema: ``"bvlc"``, ``"deeplab_v1"`` or ``"deeplab_v2"``;
  by default it is detected from the bytes (see :mod:`.scan` and :func:`detect_text_fork`).
"""
from __future__ import annotations

import mmap
import os
import re

from .errors import CaffeError
from .ir import Net
from .netbuild import build_net
from .scan import scan_caffemodel

FORKS = ("bvlc", "deeplab_v1", "deeplab_v2")

_TEXT_START = re.compile(rb"^\s*(#|name\s*:|layers?\s*\{|input(_dim|_shape)?\s*[:{]|"
                         rb"force_backward|state\s*\{|debug_info)")
_DLV1_TEXT = re.compile(r"\b(hole(_h|_w)?\s*:|strict_dim\s*:|type\s*:\s*(IMAGE_SEG_DATA|"
                        r"SEG_ACCURACY|INTERP|PADDING|MAT_WRITE|MAT_READ|DENSE_CRF|"
                        r"DOMINANT_CHANNEL|BIAS_CHANNEL|UNIQUE_LABEL|CENSOR_LABEL|"
                        r"ADAPTIVE_BIAS_CHANNEL|CHANNEL_AGGREGATOR|IGNORE_OVERLAY|HISTOGRAM|"
                        r"RELATIVE_ERROR|GAIN_CHANNEL|ONEHOT)\b)")
_DLV2_TEXT = re.compile(r'type\s*:\s*"(Interp|DenseCRF|ImageSegData|MatRead|MatWrite|'
                        r'SegAccuracy|BiasChannel|AdaptiveBiasChannel|UniqueLabel|'
                        r'DomainTransform|DomainTransformForwardOnly|SpatialProduct)"')


def load(model=None, prototxt=None, fork: str | None = None) -> Net:
    """Load a Caffe net (definition + weights) into the IR. See the module docstring."""
    if fork is not None and fork not in FORKS:
        raise CaffeError(f"unknown fork '{fork}'; choose one of {', '.join(FORKS)}",
                         field="fork")
    if model is None and prototxt is None:
        raise CaffeError("give a .caffemodel, a .prototxt, or both")
    weights = None
    definition = None          # (message, fork, file)
    fmt = None
    sources = {}
    if model is not None:
        buf = _map(model)
        sources["model"] = str(model)
        if _is_text(buf):
            if prototxt is not None:
                raise CaffeError("MODEL is a text prototxt; pass the binary .caffemodel as "
                                 "MODEL and the prototxt with --prototxt", file=model)
            definition = _parse_text(model, bytes(buf), fork)
            fmt = "prototxt"
        else:
            scanned = scan_caffemodel(buf, file=model)
            weights = scanned.layers
            if prototxt is None:
                f = fork or scanned.fork_hint()
                definition = (_parse_binary(model, scanned.definition, f), f, model)
                fmt = "caffemodel"
    if prototxt is not None:
        sources["prototxt"] = str(prototxt)
        data = _read(prototxt)
        if not _is_text(data):
            raise CaffeError("this is a binary file, not a text prototxt; pass it as MODEL "
                             "(the .caffemodel) instead of --prototxt", file=prototxt)
        definition = _parse_text(prototxt, data, fork)
        fmt = "prototxt+caffemodel" if weights is not None else "prototxt"
    msg, net_fork, def_file = definition
    try:
        net = build_net(msg, net_fork, weights)
    except CaffeError as e:
        raise e.with_context(file=def_file) from None
    net.format = fmt
    net.source = sources
    net.definition = _definition_text(msg)
    return net


def load_definition(text: str, fork: str) -> Net:
    """Build a weightless :class:`Net` from prototxt text (e.g. a sidecar's definition)."""
    msg, f, _ = _parse_text("<definition>", text.encode("utf-8"), fork)
    net = build_net(msg, f, None)
    net.format = "prototxt"
    net.definition = text
    return net


def _definition_text(msg) -> str:
    from google.protobuf import text_format

    return text_format.MessageToString(msg)


def _read(path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise CaffeError(f"cannot read: {e.strerror}", file=path) from None


def _map(path):
    """Memory-map ``path`` read-only (small or empty files are read instead)."""
    try:
        size = os.path.getsize(path)
        if size == 0:
            raise CaffeError("the file is empty", file=path)
        with open(path, "rb") as f:
            if size < 1 << 16:
                return f.read()
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as e:
        raise CaffeError(f"cannot read: {e.strerror}", file=path) from None


def _is_text(buf) -> bool:
    head = bytes(buf[:4096])
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # a multi-byte char cut at the 4 KiB boundary is fine
            return False
    return bool(_TEXT_START.match(head)) or head.lstrip()[:1] in (b"#",)


def detect_text_fork(text: str) -> str:
    """Fork of a prototxt from its syntax: DLv1 keywords/enum types, DLv2 type strings."""
    body = re.sub(r"#[^\n]*", "", text)
    if re.search(r"\blayers\s*\{", body) and _DLV1_TEXT.search(body):
        return "deeplab_v1"
    if _DLV2_TEXT.search(body) or re.search(r"\binterp_param\s*\{", body):
        return "deeplab_v2"
    return "bvlc"


def _schema(fork: str):
    from ..protos import SCHEMAS

    return SCHEMAS[fork]


def _parse_text(path, data: bytes, fork: str | None):
    from google.protobuf import text_format

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CaffeError(f"not UTF-8 text at byte {e.start}", file=path) from None
    f = fork or detect_text_fork(text)
    msg = _schema(f).NetParameter()
    try:
        text_format.Parse(text, msg)
    except text_format.ParseError as e:
        hint = ""
        if fork is None and f == "bvlc" and ("hole" in str(e) or "interp_param" in str(e)):
            hint = " (a DeepLab file? try --fork deeplab_v1 or deeplab_v2)"
        raise CaffeError(f"cannot parse as a {f} prototxt: {e}{hint}", file=path) from None
    except Exception as e:  # protobuf may raise other errors on odd input
        raise CaffeError(f"cannot parse as a {f} prototxt: {e}", file=path) from None
    return msg, f, path


def _parse_binary(path, definition: bytes, fork: str):
    msg = _schema(fork).NetParameter()
    try:
        msg.ParseFromString(definition)
    except Exception as e:
        raise CaffeError(f"not a valid Caffe NetParameter ({fork} schema): {e}; the file is "
                         "corrupt, truncated, or not a caffemodel", file=path) from None
    return msg
