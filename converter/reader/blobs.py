"""Zero-copy reading of Caffe BlobProto weights from a memory-mapped caffemodel."""
from __future__ import annotations

import numpy as np

from ..errors import CaffeError
from .rawblob import RAW_TYPES, raw_values
from .wire import I32, I64, LEN, VARINT, iter_fields, read_field, read_varint

#: Records per numpy step when reading unpacked values (bounds the temporary memory).
_RUN_CHUNK = 1 << 20
#: Caffe's kMaxBlobAxes: a BlobShape with more dims is refused (as Caffe does).
MAX_AXES = 32
#: Caffe's Blob::Reshape: every dim, and the product of the dims, fit in an int.
MAX_DIM = 2**31 - 1

_BLOB_FIELDS = {1: "num", 2: "channels", 3: "height", 4: "width", 5: "data", 6: "diff",
                7: "shape", 8: "double_data", 9: "double_diff", 10: "raw_data_type",
                12: "raw_data"}



def _int64(v: int) -> int:
    """A varint as a signed int64 (negative values use 10 bytes on the wire)."""
    return v - (1 << 64) if v >= 1 << 63 else v


def _int32(v: int) -> int:
    """A varint as a signed int32 (protobuf keeps the low 32 bits)."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


class _Values:
    """The values of one repeated float/double field, in wire order, without copies.

    Packed runs are kept as ``(start, end)`` ranges of the buffer; unpacked (one key
    per value) elements are appended to a bytearray, 4 or 8 bytes each, so memory stays
    proportional to the bytes actually present in the file.
    """

    def __init__(self, dtype: str):
        self.dtype = np.dtype(dtype)
        self.parts: list = []   # (start, end) ranges or bytearrays
        self.count = 0

    def packed(self, rng, what, file, offset, field):
        start, end = rng
        if (end - start) % self.dtype.itemsize:
            raise CaffeError(f"packed {what} is {end - start} bytes, not a multiple of "
                             f"{self.dtype.itemsize}: corrupt file", file=file,
                             offset=offset, field=field)
        self.parts.append((start, end))
        self.count += (end - start) // self.dtype.itemsize

    def single(self, raw: int, buf, pos: int, end: int, key: int) -> int:
        """Add one unpacked value, then every value of the same field right after it.

        Old caffemodels store ``data`` unpacked (a key byte before every float); the
        run is consumed with numpy in chunks instead of one Python step per value.
        Returns the position after the run.
        """
        if not self.parts or not isinstance(self.parts[-1], bytearray):
            self.parts.append(bytearray())
        part = self.parts[-1]
        part += raw.to_bytes(self.dtype.itemsize, "little")
        self.count += 1
        rec = 1 + self.dtype.itemsize                  # key byte + value
        while True:
            n = min((end - pos) // rec, _RUN_CHUNK)
            if n == 0:
                return pos
            recs = np.frombuffer(buf, np.uint8, n * rec, pos).reshape(n, rec)
            other = recs[:, 0] != key
            k = int(other.argmax()) if other.any() else n
            part += recs[:k, 1:].tobytes()
            self.count += k
            pos += k * rec
            if k < n:
                return pos

    def array(self, buf) -> np.ndarray:
        """float32 values; a read-only view of ``buf`` for one packed float run."""
        views = [np.frombuffer(buf, self.dtype, (p[1] - p[0]) // self.dtype.itemsize, p[0])
                 if isinstance(p, tuple) else np.frombuffer(p, self.dtype) for p in self.parts]
        if len(views) == 1 and self.dtype == np.float32:
            return views[0]  # the normal case: zero-copy view of the mapped file
        out = np.empty(self.count, np.float32)  # one allocation, no concatenate copy
        i = 0
        with np.errstate(over="ignore"):  # |double| > float max -> inf, as Caffe's cast
            for v in views:
                out[i:i + v.size] = v  # double -> float32 like Caffe's static_cast
                i += v.size
        return out


def read_blob(buf, start: int, end: int, *, file=None, layer=None, index=0, storage=None):
    """Decode one BlobProto at ``buf[start:end]``.

    Returns ``(array, legacy)`` where ``array`` is float32 in the stored shape (legacy
    4-D num/channels/height/width when ``legacy`` is true, else ``shape.dim``) and is
    a read-only view of ``buf`` for packed float data (the normal case). ``double_data``
    is preferred when present, as Caffe does; a blob with neither ``data`` nor
    ``double_data`` is read from ``raw_data`` in its ``raw_data_type`` (OpenCV's fp16
    files: float16 widened to float32). The element count is checked against the
    declared shape before anything is allocated. ``storage`` (a list) receives one
    word for the encoding found: ``data``, ``double_data`` or ``raw_data:FLOAT16``...
    """
    legacy = {}
    dims: list[int] = []
    data, ddata = _Values("<f4"), _Values("<f8")
    raw, raw_type = None, None
    where = f"blobs[{index}]"
    pos = start
    while pos < end:
        fstart = pos
        number, wtype, value, pos = read_field(buf, pos, end, file, where, _BLOB_FIELDS)
        fname = f"{where}.{_BLOB_FIELDS.get(number, number)}"
        if number in (1, 2, 3, 4) and wtype == VARINT:          # num/channels/height/width
            legacy[number] = _int32(value)
        elif number == 5:                                        # data
            if wtype == LEN:
                data.packed(value, "data", file, fstart, fname)
            elif wtype == I32:
                pos = data.single(value, buf, pos, end, 5 << 3 | I32)
            else:
                raise CaffeError("blob data has the wrong wire type", file=file, layer=layer,
                                 field=fname, offset=fstart)
        elif number == 8:                                        # double_data
            if wtype == LEN:
                ddata.packed(value, "double_data", file, fstart, fname)
            elif wtype == I64:
                pos = ddata.single(value, buf, pos, end, 8 << 3 | I64)
            else:
                raise CaffeError("double_data has the wrong wire type", file=file,
                                 layer=layer, field=fname, offset=fstart)
        elif number == 10 and wtype == VARINT:                   # raw_data_type
            raw_type = value
        elif number == 12 and wtype == LEN:                      # raw_data (bytes)
            raw = (value, fstart)                                # proto2: the last wins
        elif number == 7 and wtype == LEN:                       # shape (BlobShape)
            # repeated messages merge: several `shape` fields concatenate their dims
            for n2, w2, v2, _ in iter_fields(buf, value[0], value[1], file, fname):
                if n2 != 1:
                    continue
                if w2 == LEN:                                    # packed int64 dims
                    pos, stop = v2
                    while pos < stop:
                        d, pos = read_varint(buf, pos, stop, file, f"{fname}.dim")
                        dims.append(_int64(d))
                        if len(dims) > MAX_AXES:
                            break
                elif w2 == VARINT:
                    dims.append(_int64(v2))
                if len(dims) > MAX_AXES:
                    raise CaffeError(f"the shape has more than {MAX_AXES} axes (Caffe's "
                                     "limit): corrupt blob", file=file, layer=layer,
                                     field=f"{fname}.dim", offset=fstart)
        # diff (6), double_diff (9) and unknown fields are skipped: training state only.
    if legacy:
        # Caffe: any legacy field present -> shape (num, channels, height, width), 0 if unset
        shape = tuple(legacy.get(i, 0) for i in (1, 2, 3, 4))
    else:
        shape = tuple(dims)
    if any(d < 0 for d in shape):
        raise CaffeError(f"negative dimension in shape {shape}", file=file, layer=layer,
                         field=f"{where}.shape")
    big = 1  # product of the non-zero dims: a 0 must not hide absurd ones (0 * 2^63)
    for d in shape:
        big *= d or 1
    if max(shape, default=0) > MAX_DIM or big > MAX_DIM:
        raise CaffeError(f"shape {shape} ({big} elements without its zeros) exceeds Caffe's "
                         f"blob limit (every dim and that product <= {MAX_DIM}): corrupt blob",
                         file=file, layer=layer, field=f"{where}.shape")
    want = 1
    for d in shape:
        want *= d
    if not (ddata.count or data.count) and raw is not None:
        arr = raw_values(buf, raw, raw_type, want, shape, file, layer, where)
        if storage is not None:
            storage.append(f"raw_data:{RAW_TYPES[raw_type][1]}")
        return arr, bool(legacy)
    source, name = (ddata, "double_data") if ddata.count else (data, "data")
    if storage is not None:
        storage.append(name)
    if source.count != want:
        raise CaffeError(f"{source.count} values stored but the shape {shape} needs {want}: "
                         "corrupt or truncated blob", file=file, layer=layer,
                         field=f"{where}.{name}")
    return source.array(buf).reshape(shape), bool(legacy)


def normalise_rank(arr: np.ndarray, rank: int | None) -> np.ndarray:
    """Resolve a legacy 4-D blob to ``rank`` trailing dims, as Caffe's LegacyShape does.

    Leading dims must be 1; otherwise the blob is returned unchanged (the shape check
    reports it).
    """
    if rank is None:
        # unknown rank: drop leading 1s (keep at least one axis)
        shape = list(arr.shape)
        while len(shape) > 1 and shape[0] == 1:
            shape.pop(0)
        return arr.reshape(shape)
    lead = arr.shape[: max(0, arr.ndim - rank)]
    if all(d == 1 for d in lead):
        return arr.reshape(arr.shape[arr.ndim - rank:] if rank else ())
    return arr
