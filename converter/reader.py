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
from .scan import V2_LAYER, locate_parse_error, scan_caffemodel

FORKS = ("bvlc", "deeplab_v1", "deeplab_v2")

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
    warnings: list[str] = []
    if model is not None:
        buf = _map(model)
        sources["model"] = str(model)
        if _is_prototxt(buf):
            if prototxt is not None:
                raise CaffeError("MODEL is a text prototxt, not a binary .caffemodel; pass "
                                 "the .caffemodel as MODEL and the prototxt with --prototxt",
                                 file=model, offset=0, field="model")
            definition = _parse_text(model, bytes(buf), fork)
            fmt = "prototxt"
        else:
            _refuse_containers(buf, model)
            scanned = scan_caffemodel(buf, file=model)
            weights = scanned.layers
            if prototxt is None:
                f = fork or scanned.fork_hint()
                module = _schema(f)
                _check_schema_fits(scanned, f, module, model, warnings, forced=fork)
                definition = (_parse_binary(model, scanned, module, f), f, model)
                fmt = "caffemodel"
    if prototxt is not None:
        sources["prototxt"] = str(prototxt)
        data = _read_text(prototxt)
        definition = _parse_text(prototxt, data, fork)
        fmt = "prototxt+caffemodel" if weights is not None else "prototxt"
    msg, net_fork, def_file = definition
    try:
        net = build_net(msg, net_fork, weights)
    except CaffeError as e:
        raise e.with_context(file=def_file) from None
    net.warnings[:0] = warnings
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


def _read_text(path) -> bytes:
    """Read a prototxt, refusing a binary file before reading all of it."""
    try:
        with open(path, "rb") as f:
            head = f.read(_HEAD)
            bad = _binary_at(head)
            if bad is not None:
                raise CaffeError("this is a binary file (a .caffemodel?), not a text "
                                 "prototxt; pass it as MODEL instead of --prototxt",
                                 file=path, offset=bad, field="prototxt")
            return head + f.read()
    except OSError as e:
        raise CaffeError(f"cannot read: {e.strerror}", file=path) from None


def _map(path):
    """Memory-map ``path`` read-only (small files are read instead)."""
    try:
        size = os.path.getsize(path)
        if size == 0:
            raise CaffeError("the file is empty", file=path, offset=0)
        with open(path, "rb") as f:
            if size < 1 << 16:
                return f.read()
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as e:
        raise CaffeError(f"cannot read: {e.strerror}", file=path) from None


_HEAD = 4096
#: bytes that never occur in a text prototxt (C0 controls except \t \n \v \f \r, DEL)
_BINARY = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


def _binary_at(buf) -> int | None:
    """Offset of the first byte showing ``buf`` is binary, or None if it is text.

    Text = the first 4 KiB decode as UTF-8 (a character cut at the end is fine) and hold
    no control characters. A binary NetParameter always has field keys or lengths
    below 0x20 (or bytes invalid in UTF-8) near its start.
    """
    head = bytes(buf[:_HEAD])
    hit = _BINARY.search(head)
    if hit:
        return hit.start()
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if len(buf) <= _HEAD or e.start < len(head) - 4:
            return e.start
    return None


#: file signatures of containers that are not a protobuf NetParameter
_CONTAINERS = {b"\x89HDF\r\n\x1a\n": "an HDF5 file (Caffe's .caffemodel.h5 snapshot format, "
               "not supported: save the net as a binary .caffemodel)",
               b"\x1f\x8b": "gzip-compressed: decompress it first",
               b"PK\x03\x04": "a zip archive: extract the .caffemodel first",
               b"BZh": "bzip2-compressed: decompress it first",
               b"\xfd7zXZ\x00": "xz-compressed: decompress it first"}


def _refuse_containers(buf, path) -> None:
    head = bytes(buf[:8])
    for magic, what in _CONTAINERS.items():
        if head.startswith(magic):
            raise CaffeError(f"this is {what}", file=path, offset=0, field="model")


#: a text prototxt starts (after a BOM, blank lines and comments) with `field:` or `field {`
_PROTOTXT_START = re.compile(rb"^(\xef\xbb\xbf)?(\s|#[^\n]*)*[A-Za-z_]\w*\s*[:{<]")


def _is_prototxt(buf) -> bool:
    """True for text in prototxt syntax; anything else is read as a binary caffemodel."""
    return _binary_at(buf) is None and bool(_PROTOTXT_START.match(bytes(buf[:_HEAD])))


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
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CaffeError("not UTF-8 text", file=path, offset=e.start) from None
    f = fork or detect_text_fork(text)
    msg = _schema(f).NetParameter()
    try:
        text_format.Parse(text, msg)
    except Exception as e:  # ParseError, or other errors protobuf raises on odd input
        others = [g for g in FORKS if g != f and _text_parses(text, g)]
        hint = f" (it parses as {others[0]}: try --fork {others[0]})" if others else ""
        raise CaffeError(f"cannot parse as a {f} prototxt: {e}{hint}", file=path) from None
    return msg, f, path


def _text_parses(text: str, fork: str) -> bool:
    from google.protobuf import text_format

    try:
        text_format.Parse(text, _schema(fork).NetParameter())
        return True
    except Exception:  # noqa: BLE001 - only asking whether it parses
        return False


def _check_schema_fits(scanned, fork: str, module, path, warnings: list, forced) -> None:
    """Refuse a schema that would silently misread the file (e.g. a wrong --fork)."""
    fields = module.NetParameter.DESCRIPTOR.fields_by_name
    if scanned.layer_field == V2_LAYER and "layer" not in fields:
        raise CaffeError(f"the file has new-style `layer` entries (field 100), which the "
                         f"{fork} schema lacks; use --fork {scanned.fork_hint()}",
                         file=path, offset=scanned.layers[0].offset, field="layer")
    enum = fields["layers"].message_type.fields_by_name["type"].enum_type
    for l in scanned.layers:
        if l.v1_type is None or l.v1_type in enum.values_by_number:
            continue
        known = [f"{g} ({_v1_name(g, l.v1_type)})" for g in FORKS
                 if g != fork and _v1_name(g, l.v1_type)]
        raise CaffeError(f"V1 layer type value {l.v1_type} is unknown to the {fork} schema"
                         + (f"; it is known to {', '.join(known)}: use --fork "
                            f"{known[0].split()[0]}" if known else
                            "; the file is corrupt or from an unsupported Caffe fork"),
                         file=path, offset=l.offset, layer=l.name or None, field="type")
    hint = scanned.fork_hint()
    if forced and hint != forced:
        warnings.append(f"--fork {forced} was forced, but the file looks like {hint}; "
                        "layers may be misread")


def _v1_name(fork: str, value: int) -> str | None:
    v1 = _schema(fork).NetParameter.DESCRIPTOR.fields_by_name["layers"].message_type
    v = v1.fields_by_name["type"].enum_type.values_by_number.get(value)
    return v.name if v is not None else None


def _parse_binary(path, scanned, module, fork: str):
    msg = module.NetParameter()
    try:
        msg.ParseFromString(scanned.definition)
    except Exception as e:  # DecodeError, RecursionError, ... : locate the bad field
        offset, where, layer = locate_parse_error(module.NetParameter, scanned)
        raise CaffeError(f"not a valid Caffe NetParameter ({fork} schema): {e}; the file is "
                         "corrupt, truncated, or not a caffemodel", file=path, offset=offset,
                         layer=layer, field=where or None) from None
    return msg
