"""The three Caffe schemas (BVLC, DeepLab v1, DeepLab v2): detect, parse, check fit."""
from __future__ import annotations

import re

from ..errors import CaffeError
from ..reader.locate import locate_parse_error
from ..reader.scan import V2_LAYER
from ...protos import SCHEMAS

FORKS = ("bvlc", "deeplab_v1", "deeplab_v2")

_DLV1_TEXT = re.compile(r"\b(hole(_h|_w)?\s*:|strict_dim\s*:|type\s*:\s*(IMAGE_SEG_DATA|"
                        r"SEG_ACCURACY|INTERP|PADDING|MAT_WRITE|MAT_READ|DENSE_CRF|"
                        r"DOMINANT_CHANNEL|BIAS_CHANNEL|UNIQUE_LABEL|CENSOR_LABEL|"
                        r"ADAPTIVE_BIAS_CHANNEL|CHANNEL_AGGREGATOR|IGNORE_OVERLAY|HISTOGRAM|"
                        r"RELATIVE_ERROR|GAIN_CHANNEL|ONEHOT)\b)")
_DLV2_TEXT = re.compile(r'type\s*:\s*"(Interp|DenseCRF|ImageSegData|MatRead|MatWrite|'
                        r'SegAccuracy|BiasChannel|AdaptiveBiasChannel|UniqueLabel|'
                        r'DomainTransform|DomainTransformForwardOnly|SpatialProduct)"')


def detect_text_fork(text: str) -> str:
    """Fork of a prototxt from its syntax: DLv1 keywords/enum types, DLv2 type strings."""
    body = re.sub(r"#[^\n]*", "", text)
    if re.search(r"\blayers\s*\{", body) and _DLV1_TEXT.search(body):
        return "deeplab_v1"
    if _DLV2_TEXT.search(body) or re.search(r"\binterp_param\s*\{", body):
        return "deeplab_v2"
    return "bvlc"


def schema(fork: str):
    return SCHEMAS[fork]


def parse_text(path, data: bytes, fork: str | None):
    from google.protobuf import text_format

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CaffeError("not UTF-8 text", file=path, offset=e.start) from None
    f = fork or detect_text_fork(text)
    msg = schema(f).NetParameter()
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
        text_format.Parse(text, schema(fork).NetParameter())
        return True
    except Exception:  # noqa: BLE001 - only asking whether it parses
        return False


def check_schema_fits(scanned, fork: str, module, path, warnings: list, forced) -> None:
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
