"""A fast parser for the prototxt subset real Caffe files use, with protobuf's as fallback.

protobuf's Python runtime has no native text parser (with the upb backend too, its
``text_format`` is pure Python, about 1.7 us per byte: 11 s for a 6.5 MB prototxt).
:func:`parse_message` collects the fields a text sets in dicts with an explicit stack
(no recursion), which protobuf's C constructor turns into the message in one call:
linear, and far faster than ``text_format``. Two lanes read the text:

* :mod:`.textsplit`: whitespace tokens cut at C speed, for texts whose strings are plain
  (no whitespace, escapes or punctuation inside): the usual case;
* else one regular expression whose every match is a whole field (``name: value``,
  ``name {``, or a closing ``}``, with its separator) or a comment, so the loop runs
  once per field, not once per token.

They handle ``name: value`` and ``name { ... }`` (optional ``:`` before ``{``, optional
``,``/``;`` separators, ``#`` comments), plain decimal integers, floats, enums by name,
``true``/``false`` and strings (C escapes and adjacent strings as protobuf reads them).
Anything else (``[list]`` values, ``<>``, hex/octal, ``inf``/``nan``, an unknown field,
a repeated singular field, a comment inside a field, any error) makes it hand the whole
text to ``text_format.Parse``, so errors and rare syntax keep protobuf's exact
behaviour.
"""
from __future__ import annotations

import re

from . import textsplit
from .textfields import MSG, STRING, STR as _STR, Fallback, store, table, value

#: One field per match, after whitespace (``\\s``, as protobuf's tokenizer). Groups: 1 the
#: field name; then its value, one of: 2 a plain double-quoted string with no escape
#: and no adjacent string, 3 a number-, enum- or bool-like run (validated per field
#: type), 4 strings with escapes or adjacent strings; or 5 ``{`` opening a message; else
#: 6: ``}`` (closing one, with its separator), a ``#`` comment (to the line end, as
#: protobuf's), or any other character (which sends the whole text to protobuf). The
#: alternative 6 matches wherever anything but whitespace is left, so the matches tile
#: the text: nothing is skipped silently. A comment inside a field (between its name
#: and value, or between adjacent strings) is rare and left to protobuf; whitespace
#: with comments at every place in the pattern made it a third slower.
_FIELD = re.compile(rf"""\s*(?:
    ([A-Za-z_]\w*)\s*
    (?: :\s*(?: ("[^"\\\n]*")(?!\s*["'])
                | ([-.\w][\w.+-]*)
                | ({_STR}(?:\s*{_STR})*)
                )\s*[,;]?
      | (?::\s*)?(\{{)
    )
  | (\}}\s*[,;]?|\#[^\n]*|\S)
)""", re.VERBOSE)
#: what a lane, protobuf's parser or a message constructor raises outside the fast path
_OUTSIDE = (Fallback, TypeError, ValueError, AttributeError, IndexError, KeyError,
            StopIteration)


def parse(text: str, msg) -> dict | None:
    """Fill ``msg`` from prototxt ``text`` exactly as ``text_format.Parse`` would.

    Returns the fields the fast path read (see :func:`parse_message`), or None when the
    text went to protobuf's parser.
    """
    if not msg.ListFields():  # the fast path builds a message; it merges into an empty one
        try:
            return _parse_fast(text, msg)
        except _OUTSIDE:
            msg.Clear()
    from google.protobuf import text_format

    text_format.Parse(text, msg)
    return None


def parse_message(text: str, cls, lazy: tuple = ()) -> tuple:
    """``(message of class cls, fields)`` from prototxt ``text``, as ``text_format.Parse``.

    ``fields`` is what the fast path read: a dict per message, field name -> value (a
    list for a repeated field, a dict for a message field), the same values the message
    holds, checked as protobuf checks them; None when the text went to protobuf's
    parser. Readers of many layers use it instead of protobuf's per-field attribute
    access (about 0.5 us each). The top-level fields named in ``lazy`` are left out of
    the message when ``fields`` is returned (its reader builds them when needed).
    """
    try:
        fields = _fields(text, cls.DESCRIPTOR)
        kept = {k: v for k, v in fields.items() if k not in lazy} if lazy else fields
        return cls(**kept), fields  # built in one call to protobuf's C constructor
    except _OUTSIDE:
        from google.protobuf import text_format

        msg = cls()
        text_format.Parse(text, msg)
        return msg, None


def _parse_fast(text: str, msg) -> dict:
    """The fast path alone (raises outside it): fill the empty ``msg``, return its fields."""
    fields = _fields(text, msg.DESCRIPTOR)
    msg.MergeFrom(type(msg)(**fields))
    return fields


def _fields(text: str, desc) -> dict:
    """The fields of the message ``desc`` that ``text`` sets, as nested dicts and lists
    (values converted and checked as protobuf's text parser does; the constructor checks
    integer ranges and raises TypeError/ValueError, which send the text to protobuf)."""
    try:
        return textsplit.fields(text, desc)
    except _OUTSIDE:
        return _fields_by_regex(text, desc)


def _fields_by_regex(text: str, desc) -> dict:
    """:func:`_fields` with the regular expression lane (see the module docstring)."""
    top: dict = {}
    stack = []
    cur, known = top, table(desc)
    for key, plain, word, strings, brace, other in _FIELD.findall(text):
        if not key:
            if other[0] == "#":
                continue  # a comment
            if other[0] != "}" or not stack:
                raise Fallback  # a stray character, or '}' closing nothing
            cur, known = stack.pop()
            continue
        kind, repeated, extra, _ = known[key]  # KeyError: not a field here (or not fast)
        if brace:
            if kind != MSG:
                raise Fallback
            sub: dict = {}
            store(cur, key, repeated, sub)
            stack.append((cur, known))
            cur, known = sub, table(extra)
            continue
        item = plain[1:-1] if plain and kind == STRING else \
            value(kind, extra, plain or strings, word)
        store(cur, key, repeated, item)
    if stack:
        raise Fallback  # unclosed '{': protobuf words the error
    return top
