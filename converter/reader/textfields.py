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
#: [low, high) of the integer field types (FieldDescriptor.TYPE_*), as protobuf refuses
#: values outside them: the fields are checked here, so a message can be built from them
#: later (lazily) without an error
_RANGES = {5: (-2**31, 2**31), 15: (-2**31, 2**31), 17: (-2**31, 2**31),
           13: (0, 2**32), 7: (0, 2**32),
           3: (-2**63, 2**63), 16: (-2**63, 2**63), 18: (-2**63, 2**63),
           4: (0, 2**64), 6: (0, 2**64)}


class Fallback(Exception):
    """The text uses something outside the fast subset."""


_TABLES: dict = {}


def table(desc) -> dict:
    """Token -> ``(kind, repeated, extra, field name)`` for the fields of ``desc`` usable on
    the fast path (oneof members and groups are left to protobuf), under ``name`` and
    ``name:``; and ``}``, ``,``, ``;``. ``extra``: an enum's values by name, a message's
    descriptor, an integer's range."""
    found = _TABLES.get(desc)
    if found is None:
        found = _TABLES[desc] = {"}": (CLOSE, False, None, None),
                                 ",": (SEP, False, None, None), ";": (SEP, False, None, None)}
        for fd in desc.fields:
            if fd.containing_oneof is None and fd.type != _GROUP:
                kind = _KINDS.get(fd.type, INTEGER)
                if kind == INTEGER and fd.type not in _RANGES:
                    continue  # an integer type not known here: protobuf's parser
                extra = (fd.enum_type.values_by_name if kind == ENUM else
                         fd.message_type if kind == MSG else _RANGES.get(fd.type))
                entry = (kind, fd.is_repeated, extra, fd.name)
                found[fd.name] = found[fd.name + ":"] = entry
    return found


def value(kind: int, extra, strings: str, word: str):
    """A scalar field's value from its string literal(s) or its number/enum/bool word,
    checked as protobuf checks it (``extra``: see :func:`table`)."""
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
        number = int(word)
        if extra[0] <= number < extra[1]:
            return number
        raise Fallback  # out of the type's range: protobuf words the error
    if kind == ENUM and word in extra:
        return extra[word].number
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
