"""A minimal, bounds-checked protobuf wire-format scanner (numpy and stdlib only).

Used for the fast weights path: a .caffemodel is scanned field by field so that the
packed float arrays of every BlobProto can be viewed in place (``numpy.frombuffer`` on
the memory-mapped file) instead of being decoded into Python lists. Everything else
(the net definition) is small and handed to protobuf.

Every read is checked against the end of its enclosing message, so truncated or
corrupt input raises :class:`CaffeError` with the byte offset and never reads out of
bounds, loops forever, or allocates in proportion to a declared (rather than actual)
length.
"""
from __future__ import annotations

from .errors import CaffeError

VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5


def read_varint(buf, pos: int, end: int, file=None) -> tuple[int, int]:
    """Decode a base-128 varint at ``pos``; return (value, new_pos)."""
    result = 0
    shift = 0
    start = pos
    while True:
        if pos >= end:
            raise CaffeError("truncated varint: the file ends inside a field; it is "
                             "incomplete or corrupt (re-download it)", file=file, offset=start)
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise CaffeError("malformed varint (more than 10 bytes): not a protobuf file "
                             "or corrupt", file=file, offset=start)


def iter_fields(buf, start: int, end: int, file=None):
    """Yield ``(field_number, wire_type, value, field_start)`` for one message.

    ``value`` is an int for VARINT/I32/I64 fields (I32/I64 as raw unsigned ints), and a
    ``(begin, end)`` byte range for LEN fields. Groups are rejected (Caffe never uses
    them).
    """
    pos = start
    while pos < end:
        field_start = pos
        key, pos = read_varint(buf, pos, end, file)
        number, wtype = key >> 3, key & 7
        if number == 0:
            raise CaffeError("field number 0 is invalid: not a protobuf file or corrupt",
                             file=file, offset=field_start)
        if wtype == VARINT:
            value, pos = read_varint(buf, pos, end, file)
        elif wtype == LEN:
            length, pos = read_varint(buf, pos, end, file)
            if length > end - pos:
                raise CaffeError(
                    f"field {number} declares {length} bytes but only {end - pos} remain: "
                    "the file is truncated or corrupt", file=file, offset=field_start)
            value = (pos, pos + length)
            pos += length
        elif wtype == I32:
            if pos + 4 > end:
                raise CaffeError("truncated 32-bit field", file=file, offset=field_start)
            value = int.from_bytes(bytes(buf[pos:pos + 4]), "little")
            pos += 4
        elif wtype == I64:
            if pos + 8 > end:
                raise CaffeError("truncated 64-bit field", file=file, offset=field_start)
            value = int.from_bytes(bytes(buf[pos:pos + 8]), "little")
            pos += 8
        else:
            raise CaffeError(f"unsupported wire type {wtype} in field {number}: not a Caffe "
                             "protobuf file or corrupt", file=file, offset=field_start)
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


def encode_len_field(number: int, payload: bytes) -> bytes:
    """Encode a LEN-delimited field (key, length, payload)."""
    return encode_varint((number << 3) | LEN) + encode_varint(len(payload)) + payload
