"""A fast parser for the prototxt subset real Caffe files use, with protobuf's as fallback.

protobuf's Python runtime has no native text parser (with the upb backend too, its
``text_format`` is pure Python, about 1.7 us per byte: 11 s for a 6.5 MB prototxt).
:func:`parse` reads the text with one regular expression whose every match is a whole
field (``name: value``, ``name {``, or a closing ``}``, with the whitespace, comments and
separator around it), so the Python loop runs once per field, not once per token, and
fills the message with an explicit stack (no recursion): linear, and far faster than
``text_format``. It handles ``name: value`` and ``name { ... }`` (optional ``:`` before
``{``, optional ``,``/``;`` separators, ``#`` comments), plain decimal integers, floats,
enums by name, ``true``/``false`` and strings (C escapes and adjacent strings as protobuf
reads them). Anything else (``[list]`` values, ``<>``, hex/octal, ``inf``/``nan``, an
unknown field, a repeated singular field, any error) makes it hand the whole text to
``text_format.Parse``, so errors and rare syntax keep protobuf's exact behaviour.
"""
from __future__ import annotations

import re

#: whitespace and ``#`` comments (``\\s`` and ``#`` up to the line end, as protobuf's
#: tokenizer); a comment always runs to the line end (no backtracking into it, so nothing
#: in a comment can ever be read as a value)
_WS = r"\s*(?:\#[^\n]*(?![^\n])\s*)*"
#: one string literal, either quote, C escapes (validated by protobuf's CUnescape)
_STR = r"""(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*')"""
#: One field per match. Groups: 1 the field name; then its value, one of: 2 a plain
#: double-quoted string with no escape and no adjacent string, 3 a number-, enum- or
#: bool-like run (validated per field type), 4 strings with escapes or adjacent strings;
#: or 5 ``{`` opening a message; else 6: ``}`` (closing one, with its separator) or any
#: other character (which sends the whole text to protobuf). The alternative 6 matches
#: wherever anything but whitespace is left, so the matches tile the text: nothing is
#: skipped silently.
_FIELD = re.compile(rf"""{_WS}(?:
    ([A-Za-z_]\w*){_WS}
    (?: :{_WS}(?: ("[^"\\\n]*")(?!{_WS}["'])
                | ([-.\w][\w.+-]*)
                | ({_STR}(?:{_WS}{_STR})*)
                ){_WS}[,;]?
      | (?::{_WS})?(\{{)
    )
  | (\}}{_WS}[,;]?|\S)
)""", re.VERBOSE)
_STRINGS = re.compile(_STR)
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)", re.ASCII)
_FLOAT = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)

# field kinds of the per-message tables (by FieldDescriptor type; the rest are integers)
_MSG, _STRING, _BYTES, _INTEGER, _REAL, _ENUM, _BOOL = range(7)
_KINDS = {1: _REAL, 2: _REAL, 8: _BOOL, 9: _STRING, 11: _MSG, 12: _BYTES, 14: _ENUM}
_GROUP = 10  # FieldDescriptor.TYPE_GROUP


class _Fallback(Exception):
    """The text uses something outside the fast subset."""


def parse(text: str, msg) -> None:
    """Fill ``msg`` from prototxt ``text`` exactly as ``text_format.Parse`` would."""
    try:
        _parse_fast(text, msg)
    except (_Fallback, TypeError, ValueError, AttributeError, IndexError, KeyError):
        from google.protobuf import text_format

        msg.Clear()
        text_format.Parse(text, msg)


def _parse_fast(text: str, msg) -> None:
    stack = []
    cur, fields = msg, _table(msg.DESCRIPTOR)
    for key, plain, word, strings, brace, other in _FIELD.findall(text):
        if not key:
            if other[0] != "}" or not stack:
                raise _Fallback  # a stray character, or '}' closing nothing
            cur, fields = stack.pop()
            continue
        kind, repeated, enum = fields[key]  # KeyError: not a field here (or not fast)
        if plain and kind == _STRING:
            value = plain[1:-1]
        elif brace:
            if kind != _MSG:
                raise _Fallback
            if repeated:
                sub = getattr(cur, key).add()
            elif cur.HasField(key):
                raise _Fallback  # protobuf refuses a singular field given twice
            else:
                sub = getattr(cur, key)
                sub.SetInParent()
            stack.append((cur, fields))
            cur, fields = sub, _table(sub.DESCRIPTOR)
            continue
        else:
            value = _value(kind, enum, plain or strings, word)
        if repeated:
            getattr(cur, key).append(value)
        elif cur.HasField(key):
            raise _Fallback
        else:
            setattr(cur, key, value)
    if stack:
        raise _Fallback  # unclosed '{': protobuf words the error


_TABLES: dict = {}


def _table(desc) -> dict:
    """Field name -> ``(kind, repeated, enum values by name)`` of the fields usable on the
    fast path (oneof members and groups are left to protobuf)."""
    table = _TABLES.get(desc)
    if table is None:
        table = _TABLES[desc] = {
            fd.name: (_KINDS.get(fd.type, _INTEGER), fd.is_repeated,
                      fd.enum_type.values_by_name if fd.enum_type is not None else None)
            for fd in desc.fields
            if fd.containing_oneof is None and fd.type != _GROUP}
    return table


def _value(kind: int, enum, strings: str, word: str):
    """A scalar field's value from its string literal(s) or its number/enum/bool word."""
    if strings:
        if kind not in (_STRING, _BYTES):
            raise _Fallback
        from google.protobuf import text_encoding

        b = b"".join(text_encoding.CUnescape(s[1:-1]) if "\\" in s else s[1:-1].encode()
                     for s in _STRINGS.findall(strings))  # adjacent strings are joined
        return b if kind == _BYTES else b.decode("utf-8")
    if kind == _REAL and _FLOAT.fullmatch(word):
        return float(word)
    if kind == _INTEGER and _INT.fullmatch(word):
        return int(word)
    if kind == _ENUM and word in enum:
        return enum[word].number
    if kind == _BOOL and word in ("true", "false"):
        return word == "true"
    raise _Fallback
