"""Zero-copy reading of Caffe BlobProto weights from a memory-mapped caffemodel."""
from __future__ import annotations

import numpy as np

from .errors import CaffeError
from .wire import I32, I64, LEN, VARINT, iter_fields, read_varint


def _int32(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _packed_array(buf, rng, dtype: str, what: str, file, offset):
    start, end = rng
    itemsize = np.dtype(dtype).itemsize
    if (end - start) % itemsize:
        raise CaffeError(f"packed {what} is {end - start} bytes, not a multiple of "
                         f"{itemsize}: corrupt file", file=file, offset=offset)
    return np.frombuffer(buf, dtype=dtype, count=(end - start) // itemsize, offset=start)


def read_blob(buf, start: int, end: int, *, file=None, layer=None, index=0):
    """Decode one BlobProto at ``buf[start:end]``.

    Returns ``(array, legacy)`` where ``array`` is float32 in the stored shape (legacy
    4-D num/channels/height/width when ``legacy`` is true, else ``shape.dim``) and is
    a read-only view of ``buf`` for packed float data (the normal case). ``double_data``
    is preferred when present, as Caffe does. The element count is checked against the
    declared shape before anything is allocated.
    """
    legacy = {}
    dims: list[int] | None = None
    chunks: list = []        # float32 data (packed ranges or unpacked values)
    dchunks: list = []       # float64 double_data
    where = f"blobs[{index}]"
    for number, wtype, value, fstart in iter_fields(buf, start, end, file):
        if number in (1, 2, 3, 4) and wtype == VARINT:          # num/channels/height/width
            legacy[number] = _int32(value)
        elif number == 5:                                        # data
            if wtype == LEN:
                chunks.append(_packed_array(buf, value, "<f4", "data", file, fstart))
            elif wtype == I32:
                chunks.append(np.array([value], dtype="<u4").view("<f4"))
            else:
                raise CaffeError("blob data has the wrong wire type", file=file, layer=layer,
                                 field=f"{where}.data", offset=fstart)
        elif number == 8:                                        # double_data
            if wtype == LEN:
                dchunks.append(_packed_array(buf, value, "<f8", "double_data", file, fstart))
            elif wtype == I64:
                dchunks.append(np.array([value], dtype="<u8").view("<f8"))
            else:
                raise CaffeError("double_data has the wrong wire type", file=file,
                                 layer=layer, field=f"{where}.double_data", offset=fstart)
        elif number == 7 and wtype == LEN:                       # shape (BlobShape)
            dims = []
            for n2, w2, v2, f2 in iter_fields(buf, value[0], value[1], file):
                if n2 != 1:
                    continue
                if w2 == LEN:                                    # packed int64 dims
                    pos, stop = v2
                    while pos < stop:
                        d, pos = read_varint(buf, pos, stop, file)
                        dims.append(_int32(d))
                elif w2 == VARINT:
                    dims.append(_int32(v2))
        # diff (6), double_diff (9) and unknown fields are skipped: training state only.
    if legacy:
        # Caffe: any legacy field present -> shape (num, channels, height, width), 0 if unset
        shape = tuple(legacy.get(i, 0) for i in (1, 2, 3, 4))
    else:
        shape = tuple(dims or ())
    if any(d < 0 for d in shape):
        raise CaffeError(f"negative dimension in shape {shape}", file=file, layer=layer,
                         field=f"{where}.shape")
    want = 1
    for d in shape:
        want *= d
    source = dchunks if dchunks else chunks
    have = sum(c.size for c in source)
    if have != want:
        name = "double_data" if dchunks else "data"
        raise CaffeError(f"{have} values stored but the shape {shape} needs {want}: "
                         "corrupt or truncated blob", file=file, layer=layer,
                         field=f"{where}.{name}")
    if dchunks:
        arr = np.concatenate(dchunks).astype(np.float32)
    elif len(chunks) == 1:
        arr = chunks[0]
    elif chunks:
        arr = np.concatenate(chunks).astype(np.float32)
    else:
        arr = np.zeros(0, np.float32)
    if arr.dtype != np.float32:  # '<f4' on a little-endian host is float32 already
        arr = arr.astype(np.float32)
    return arr.reshape(shape), bool(legacy)


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
