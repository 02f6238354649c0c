"""What both lanes of the fast prototxt parser (:mod:`.textproto`) share: the per-message
field tables, value conversion as protobuf's text parser does it, and the signal to
leave a text to protobuf."""
from __future__ import annotations

import re

#: one string literal, either quote, C escapes (validated by protobuf's CUnescape)
STR = r"""(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*')"""
_STRINGS = re.compile(STR)
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)", re.ASCII)
_FLOAT = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)

# field kinds of the per-message tables (by FieldDescriptor type; the rest are integers),
# and the table's entries for '}' and the ',' / ';' separators
MSG, STRING, BYTES, INTEGER, REAL, ENUM, BOOL, CLOSE, SEP = range(9)
_KINDS = {1: REAL, 2: REAL, 8: BOOL, 9: STRING, 11: MSG, 12: BYTES, 14: ENUM}
_GROUP = 10  # FieldDescriptor.TYPE_GROUP


class Fallback(Exception):
    """The text uses something outside the fast subset."""


_TABLES: dict = {}


def table(desc) -> dict:
    """Token -> ``(kind, repeated, enum values by name | message descriptor, field name)``
    for the fields of ``desc`` usable on the fast path (oneof members and groups are
    left to protobuf), under ``name`` and ``name:``; and ``}``, ``,``, ``;``."""
    found = _TABLES.get(desc)
    if found is None:
        found = _TABLES[desc] = {"}": (CLOSE, False, None, None),
                                 ",": (SEP, False, None, None), ";": (SEP, False, None, None)}
        for fd in desc.fields:
            if fd.containing_oneof is None and fd.type != _GROUP:
                entry = (_KINDS.get(fd.type, INTEGER), fd.is_repeated,
                         fd.enum_type.values_by_name if fd.enum_type is not None
                         else fd.message_type, fd.name)
                found[fd.name] = found[fd.name + ":"] = entry
    return found


def value(kind: int, enum, strings: str, word: str):
    """A scalar field's value from its string literal(s) or its number/enum/bool word."""
    if strings:
        if kind not in (STRING, BYTES):
            raise Fallback
        from google.protobuf import text_encoding

        b = b"".join(text_encoding.CUnescape(s[1:-1]) if "\\" in s else s[1:-1].encode()
                     for s in _STRINGS.findall(strings))  # adjacent strings are joined
        return b if kind == BYTES else b.decode("utf-8")
    if kind == REAL and _FLOAT.fullmatch(word):
        return float(word)
    if kind == INTEGER and _INT.fullmatch(word):
        return int(word)
    if kind == ENUM and word in enum:
        return enum[word].number
    if kind == BOOL and word in ("true", "false"):
        return word == "true"
    raise Fallback


def store(cur: dict, name: str, repeated: bool, item) -> None:
    """Set field ``name`` of the message dict ``cur`` (append if repeated)."""
    if repeated:
        seq = cur.get(name)
        if seq is None:
            cur[name] = [item]
        else:
            seq.append(item)
    elif name in cur:
        raise Fallback  # protobuf refuses a singular field given twice
    else:
        cur[name] = item
