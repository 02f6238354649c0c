"""Binary mutations for tools/fuzz.py (prototxt ones and scale cases: fuzz_text.py).

Every mutator takes ``(data, rng)`` and returns new bytes. They work on the protobuf
wire format: field boundaries, varints, packed lengths, BlobShape dims, nesting.
"""
from __future__ import annotations

from caffe2ss.converter.reader.wire import LEN, VARINT, encode_len_field, encode_varint


def _fields(buf: bytes, start: int, end: int, depth: int, out: list) -> None:
    """(field start, value start, value end, wire type, depth) of every field, nested
    LEN fields that parse as messages included."""
    pos = start
    while pos < end:
        fstart = pos
        key, pos = _varint(buf, pos, end)
        if key is None:
            return
        wt = key & 7
        if wt == VARINT:
            v, pos = _varint(buf, pos, end)
            if v is None:
                return
            out.append((fstart, fstart, pos, wt, depth))
        elif wt == LEN:
            n, vstart = _varint(buf, pos, end)
            if n is None or vstart + n > end:
                return
            out.append((fstart, vstart, vstart + n, wt, depth))
            if depth < 6 and n > 1:
                _fields(buf, vstart, vstart + n, depth + 1, out)
            pos = vstart + n
        elif wt in (1, 5):
            pos += 8 if wt == 1 else 4
            out.append((fstart, fstart, pos, wt, depth))
        else:
            return


def _varint(buf, pos, end):
    v, shift = 0, 0
    while pos < end and shift < 70:
        b = buf[pos]
        pos += 1
        v |= (b & 0x7F) << shift
        if not b & 0x80:
            return v, pos
        shift += 7
    return None, pos


def fields(buf: bytes) -> list:
    out: list = []
    _fields(buf, 0, len(buf), 0, out)
    return out


def bit_flips(data, rng):
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 9))):
        i = int(rng.integers(0, len(b)))
        b[i] ^= 1 << int(rng.integers(0, 8))
    return bytes(b)


def truncate_at_field(data, rng):
    fs = fields(data)
    if not fs:
        return data[: len(data) // 2]
    f = fs[int(rng.integers(0, len(fs)))]
    return data[: [f[0], f[1], f[2], f[0] + 1][int(rng.integers(0, 4))]]


def corrupt_varint(data, rng):
    fs = [f for f in fields(data)]
    if not fs:
        return data
    f = fs[int(rng.integers(0, len(fs)))]
    pos = f[0] if rng.random() < 0.5 or f[3] != LEN else f[0] + 1 + (data[f[0]] >= 0x80)
    junk = [b"\xff" * 10 + b"\x01", b"\xff" * 11, b"\x80" * 9 + b"\x7f",
            encode_varint(2**63 - 1), encode_varint(2**32), b"\x00"][int(rng.integers(0, 6))]
    return data[:pos] + junk + data[pos + 1:]


def packed_length(data, rng):
    fs = [f for f in fields(data) if f[3] == LEN and f[2] - f[1] >= 4]
    if not fs:
        return data
    fstart, vstart, vend, _, _ = fs[int(rng.integers(0, len(fs)))]
    n = vend - vstart
    new = max(0, n + int(rng.choice([-3, -1, 1, 3, 4, 1 << 20, -n])))
    key_end = fstart + 1
    while data[key_end - 1] & 0x80:
        key_end += 1
    return data[:key_end] + encode_varint(new) + data[vstart:]


def huge_dims(data, rng):
    from caffe2ss.protos import caffe_pb2

    net = caffe_pb2.NetParameter()
    try:
        net.ParseFromString(data)
    except Exception:  # noqa: BLE001
        return bit_flips(data, rng)
    blobs = [b for l in net.layer for b in l.blobs] + [b for l in net.layers for b in l.blobs]
    if not blobs:
        return data
    b = blobs[int(rng.integers(0, len(blobs)))]
    choice = int(rng.integers(0, 5))
    dims = [[0, 2**63 - 1, 2**63 - 1], [2**31 - 1, 2**31 - 1], [0, 2**40],
            [1] * 33, [-1, 5]][choice]
    if rng.random() < 0.3:
        b.ClearField("shape")
        b.num, b.channels, b.height, b.width = 0, 2**31 - 1, 2**31 - 1, int(rng.integers(1, 9))
    else:
        del b.shape.dim[:]
        b.shape.dim.extend(dims)
    return net.SerializeToString()


def deep_nesting(data, rng):
    depth = int(rng.choice([100, 1000, 10000, 100000]))
    inner = b""
    for _ in range(depth):
        inner = encode_len_field(100, inner) if len(inner) < 1 << 22 else inner
    return data + inner


BINARY = [bit_flips, truncate_at_field, corrupt_varint, packed_length, huge_dims,
          deep_nesting]
