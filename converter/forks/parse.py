"""Parsing a net definition with a fork's schema, and refusing a schema that does not fit."""
from __future__ import annotations

from ..errors import CaffeError
from ..reader.locate import locate_parse_error
from ..reader.scan import V2_LAYER
from ..reader.textproto import parse_message
from .registry import FORKS, detect_binary_fork, detect_text_fork, schema
from .textscan import explain


def parse_text(path, data: bytes, fork: str | None):
    """``(NetParameter, fork, path)`` of prototxt bytes (the fork detected unless given)."""
    return _parse_text(path, data, fork, ())[:3]


def parse_text_fields(path, data: bytes, fork: str | None):
    """As :func:`parse_text`, plus the fields the fast parser read (a dict, or None: see
    :func:`..reader.textproto.parse_message`), which spare the reader protobuf's slow
    per-field access on nets of many layers. With fields, the message lacks its V2
    ``layer`` entries: they are ``fields["layer"]``, and the reader builds a layer's
    message only when it needs one (:class:`..reader.rawlayers.RawLayer`)."""
    return _parse_text(path, data, fork, ("layer",))


def _parse_text(path, data: bytes, fork: str | None, lazy: tuple):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CaffeError("not UTF-8 text", file=path, offset=e.start) from None
    f = fork or detect_text_fork(text)
    try:
        # fast for the usual subset; protobuf's parser otherwise
        msg, fields = parse_message(text, schema(f).NetParameter, lazy)
    except Exception as e:  # ParseError, or other errors protobuf raises on odd input
        others = [g for g in FORKS if g != f and _text_parses(text, g)]
        hint = f" (it parses as {others[0]}: try --fork {others[0]})" if others else ""
        detail = None if others else explain(text, schema(f), f)
        raise CaffeError(f"cannot parse as a {f} prototxt: {detail or e}{hint}",
                         file=path) from None
    return msg, f, path, fields


def _text_parses(text: str, fork: str) -> bool:
    from google.protobuf import text_format

    try:
        text_format.Parse(text, schema(fork).NetParameter())
        return True
    except Exception:  # noqa: BLE001 - only asking whether it parses
        return False


def check_schema_fits(scanned, fork: str, module, path, warnings: list, forced) -> None:
    """Refuse a schema that would silently misread the file (e.g. a wrong --fork)."""
    fields = module.NetParameter.DESCRIPTOR.fields_by_name
    if scanned.layer_field == V2_LAYER and "layer" not in fields:
        raise CaffeError(f"the file has new-style `layer` entries (field 100), which the "
                         f"{fork} schema lacks; use --fork {detect_binary_fork(scanned)}",
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
    hint = detect_binary_fork(scanned)
    if forced and hint != forced:
        warnings.append(f"--fork {forced} was forced, but the file looks like {hint}; "
                        "layers may be misread")


def _v1_name(fork: str, value: int) -> str | None:
    v1 = schema(fork).NetParameter.DESCRIPTOR.fields_by_name["layers"].message_type
    v = v1.fields_by_name["type"].enum_type.values_by_number.get(value)
    return v.name if v is not None else None


def parse_binary(path, scanned, module, fork: str):
    msg = module.NetParameter()
    try:
        msg.ParseFromString(scanned.definition)
    except Exception as e:  # DecodeError, RecursionError, ... : locate the bad field
        offset, where, layer = locate_parse_error(module.NetParameter, scanned)
        raise CaffeError(f"not a valid Caffe NetParameter ({fork} schema): {e}; the file is "
                         "corrupt, truncated, or not a caffemodel", file=path, offset=offset,
                         layer=layer, field=where or None) from None
    return msg
