"""A minimal, bounds-checked protobuf wire-format scanner (numpy and stdlib only).

Used for the fast weights path: a .caffemodel is scanned field by field so that the
packed float arrays of every BlobProto can be viewed in place (``numpy.frombuffer`` on
the memory-mapped file) instead of being decoded into Python lists. Everything else
(the net definition) is small and handed to protobuf.

Every read is checked against the end of its enclosing message, so truncated or
corrupt input raises :class:`CaffeError` with the byte offset and never reads out of
bounds, loops forever, or allocates in proportion to a declared (rather than actual)
length. Errors carry ``field`` = ``where`` (the enclosing message's path, e.g.
``layer[3].blobs[0]``) plus the field's name from ``names`` when it is known.
"""
from __future__ import annotations

from ..errors import CaffeError

VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5
_MASK64 = (1 << 64) - 1


def read_varint(buf, pos: int, end: int, file=None, where=None) -> tuple[int, int]:
    """Decode a base-128 varint at ``pos``; return (value, new_pos)."""
    result = 0
    shift = 0
    start = pos
    while True:
        if pos >= end:
            raise CaffeError("truncated varint: the data ends inside a field; the file is "
                             "incomplete or corrupt (re-download it)", file=file,
                             offset=start, field=where)
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result & _MASK64, pos  # protobuf keeps the low 64 bits
        shift += 7
        if shift >= 70:
            raise CaffeError("malformed varint (more than 10 bytes): not a protobuf file "
                             "or corrupt", file=file, offset=start, field=where)


def _name(where, names, number) -> str:
    part = (names or {}).get(number, f"#{number}")
    return f"{where}.{part}" if where else part


def read_field(buf, pos: int, end: int, file=None, where=None, names=None):
    """Decode the field at ``pos``: return ``(number, wire_type, value, new_pos)``.

    ``value`` is an int for VARINT/I32/I64 fields (I32/I64 as raw unsigned ints), and a
    ``(begin, end)`` byte range for LEN fields. Groups are rejected (Caffe never uses
    them). ``where``/``names`` only label errors (see the module docstring).
    """
    field_start = pos
    key, pos = read_varint(buf, pos, end, file, where or "(field key)")
    number, wtype = key >> 3, key & 7
    fname = _name(where, names, number)
    if number == 0 or number >= 1 << 29:
        raise CaffeError(f"field number {number} is invalid: not a protobuf file or "
                         "corrupt", file=file, offset=field_start, field=fname)
    if wtype == VARINT:
        value, pos = read_varint(buf, pos, end, file, fname)
    elif wtype == LEN:
        length, pos = read_varint(buf, pos, end, file, fname)
        if length > end - pos:
            raise CaffeError(
                f"field {number} declares {length} bytes but only {end - pos} remain: "
                "the file is truncated or corrupt", file=file, offset=field_start,
                field=fname)
        value = (pos, pos + length)
        pos += length
    elif wtype in (I32, I64):
        size = 4 if wtype == I32 else 8
        if pos + size > end:
            raise CaffeError(f"truncated {size * 8}-bit field {number}", file=file,
                             offset=field_start, field=fname)
        value = int.from_bytes(bytes(buf[pos:pos + size]), "little")
        pos += size
    else:
        raise CaffeError(f"unsupported wire type {wtype} in field {number}: not a Caffe "
                         "protobuf file or corrupt", file=file, offset=field_start,
                         field=fname)
    return number, wtype, value, pos


def iter_fields(buf, start: int, end: int, file=None, where=None, names=None):
    """Yield ``(field_number, wire_type, value, field_start)`` for one message.

    See :func:`read_field` for ``value``.
    """
    pos = start
    while pos < end:
        field_start = pos
        number, wtype, value, pos = read_field(buf, pos, end, file, where, names)
        yield number, wtype, value, field_start


def encode_varint(value: int) -> bytes:
    """Encode a non-negative int as a varint."""
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_len_field(number: int, payload) -> bytes:
    """Encode a LEN-delimited field (key, length, payload)."""
    return encode_varint((number << 3) | LEN) + encode_varint(len(payload)) + bytes(payload)
