"""Open Caffe files and tell a text prototxt from a binary caffemodel (by content)."""
from __future__ import annotations

import os
import re

from ..errors import CaffeError
from ..pages import map_read_only

_HEAD = 4096
#: bytes that never occur in a text prototxt (C0 controls except \t \n \v \f \r, DEL)
_BINARY = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


def read_text(path) -> bytes:
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


def map_file(path):
    """Memory-map ``path`` read-only (small files are read instead); the map is a
    :class:`..pages.ReadOnlyMap`, so writers may drop its pages (:func:`..pages.trimmed`)."""
    try:
        size = os.path.getsize(path)
        if size == 0:
            raise CaffeError("the file is empty", file=path, offset=0)
        with open(path, "rb") as f:
            if size < 1 << 16:
                return f.read()
            return map_read_only(f.fileno())
    except OSError as e:
        raise CaffeError(f"cannot read: {e.strerror}", file=path) from None


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


def refuse_containers(buf, path) -> None:
    head = bytes(buf[:8])
    for magic, what in _CONTAINERS.items():
        if head.startswith(magic):
            raise CaffeError(f"this is {what}", file=path, offset=0, field="model")


#: a text prototxt starts (after a BOM, blank lines and comments) with `field:` or `field {`
_PROTOTXT_START = re.compile(rb"^(\xef\xbb\xbf)?(\s|#[^\n]*)*[A-Za-z_]\w*\s*[:{<]")


def is_prototxt(buf) -> bool:
    """True for text in prototxt syntax; anything else is read as a binary caffemodel."""
    return _binary_at(buf) is None and bool(_PROTOTXT_START.match(bytes(buf[:_HEAD])))
