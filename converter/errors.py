"""The one error type caffe2ss raises for bad user input.

Every problem with a user's file (truncated, corrupt, wrong shapes, unknown layer,
missing blobs, absurd sizes) is a :class:`CaffeError`. The CLI prints it on one line
and exits with status 2, without a traceback. The message names the file, the byte
offset or layer, and the field, and says how to fix the problem where we can tell.
"""
from __future__ import annotations

import re

#: C0/C1 controls, DEL, and the Unicode bidi overrides/isolates that reorder a line.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text) -> str:
    """``text`` with control characters escaped (``\\n``, ``\\x1b``, ``\\u202e``).

    Every string printed from a file goes through this, so a layer name holding a
    newline or an ANSI escape cannot forge or recolour an output line.
    """
    def esc(m):
        c = m.group()
        return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")

    return _CONTROL.sub(esc, str(text))


class CaffeError(Exception):
    """A user-facing error about a Caffe file or a request.

    Args:
        message: what is wrong and, where possible, how to fix it.
        file: the file the problem is in.
        layer: the Caffe layer name.
        field: the protobuf field or parameter.
        offset: the byte offset in a binary file.
    """

    def __init__(self, message: str, *, file=None, layer=None, field=None, offset=None):
        self.message = message
        self.file = str(file) if file is not None else None
        self.layer = layer
        self.field = field
        self.offset = offset
        super().__init__(self.__str__())

    def with_context(self, *, file=None, layer=None, field=None) -> "CaffeError":
        """Return a copy with missing context filled in."""
        copy = CaffeError(
            self.message,
            file=self.file or file,
            layer=self.layer if self.layer is not None else layer,
            field=self.field or field,
            offset=self.offset,
        )
        copy.layers = getattr(self, "layers", None)  # unsupported nets: every layer, marked
        return copy

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.offset is not None:
            where.append(f"byte {self.offset}")
        if self.layer is not None:
            where.append(f"layer '{self.layer}'")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ": ".join([", ".join(where)]) if where else ""
        return printable(f"{prefix}: {self.message}" if prefix else self.message)
