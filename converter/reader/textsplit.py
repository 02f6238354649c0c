"""The first lane of the fast prototxt parser: whitespace tokens, no regular expression.

Comments are cut (``#`` to the line end), ``:`` is kept on the name before it and
``{ } , ;`` become tokens of their own, then ``str.split`` cuts the text at whitespace
(the ``\\s`` of protobuf's tokenizer), all at C speed. The loop then reads
``name: value``, ``name {`` / ``name: {`` and ``}`` with a table lookup per token.

Only plain double-quoted strings are read here: a string holding whitespace, a quote, a
backslash, ``#``, ``:``, ``{ } , ;`` is cut into pieces by the steps above and no piece
is a whole literal, so the lane raises :class:`.textfields.Fallback` and the regular
expression lane (:mod:`.textproto`) reads the text instead; so do single quotes, a
separator out of place, a name not followed by ``:``/``{``, and anything unknown.
"""
from __future__ import annotations

import re

from .textfields import CLOSE, MSG, SEP, STRING, Fallback, store, table, value

_COMMENT = re.compile(r"#[^\n]*")
_SPACED = ("{", "}", ",", ";")


def tokens(text: str) -> list[str]:
    """The whitespace-separated tokens (see the module docstring)."""
    if "#" in text:
        text = _COMMENT.sub("", text)
    text = text.replace(":", ": ")
    for c in _SPACED:
        if c in text:
            text = text.replace(c, f" {c} ")
    return text.split()


def fields(text: str, desc) -> dict:
    """The fields ``text`` sets in message ``desc``, as nested dicts (see
    :func:`.textproto.parse_message`); raises Fallback (or KeyError, StopIteration)
    outside this lane's subset."""
    top: dict = {}
    stack = []
    cur, known = top, table(desc)
    fresh = True  # at a message's start or after a separator: no separator may follow
    it = iter(tokens(text))
    for key in it:
        kind, repeated, extra, name = known[key]  # KeyError: not a field here
        if kind >= CLOSE:
            if kind == SEP:
                if fresh:
                    raise Fallback
                fresh = True
            elif stack:
                cur, known = stack.pop()
                fresh = False
            else:
                raise Fallback  # '}' closing nothing
            continue
        tok = next(it)
        if tok == "{":
            if kind != MSG:
                raise Fallback
            sub: dict = {}
            store(cur, name, repeated, sub)
            stack.append((cur, known))
            cur, known, fresh = sub, table(extra), True
            continue
        if key[-1] != ":":
            raise Fallback  # a value needs its ':'
        if kind == STRING and tok[0] == '"':
            item = tok[1:-1]
            if tok[-1] != '"' or len(tok) < 2 or '"' in item or "\\" in item:
                raise Fallback  # a piece of a string, or one with an escape
        else:
            item = value(kind, extra, "", tok)
        store(cur, name, repeated, item)
        fresh = False
    if stack:
        raise Fallback  # unclosed '{': protobuf words the error
    return top
