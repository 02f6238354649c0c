"""BlobProto ``raw_data``: the weights of NVIDIA Caffe and OpenCV's half-precision files.

OpenCV's ``shrinkCaffeModel`` (modules/dnn/src/caffe/caffe_shrinker.cpp) converts the
blobs of Convolution and InnerProduct layers to float16: it clears ``data`` (field 5),
keeps the shape fields as they were (``shape`` or legacy num/channels/height/width),
sets ``raw_data_type`` (field 10, enum Type: DOUBLE 0, FLOAT 1, FLOAT16 2, INT 3,
UINT 4) to FLOAT16 and writes the little-endian half floats to ``raw_data`` (field 12,
bytes). OpenCV reads ``data`` when present, else ``raw_data`` as FLOAT16 or FLOAT.
"""
from __future__ import annotations

import numpy as np

from ..errors import CaffeError

#: NVIDIA Caffe's / OpenCV's BlobProto ``raw_data_type`` (enum Type) -> numpy dtype of
#: the bytes in ``raw_data``; OpenCV's ``shrinkCaffeModel`` writes FLOAT16 (2).
RAW_TYPES = {0: ("<f8", "DOUBLE"), 1: ("<f4", "FLOAT"), 2: ("<f2", "FLOAT16")}
_RAW_NAMES = {3: "INT", 4: "UINT"}


def raw_values(buf, raw, raw_type, want, shape, file, layer, where):
    """float32 values of ``raw_data``: a view for FLOAT, one widening copy for FLOAT16."""
    (start, end), offset = raw
    field = f"{where}.raw_data"
    if raw_type not in RAW_TYPES:
        what = _RAW_NAMES.get(raw_type, raw_type) if raw_type is not None else "not set"
        raise CaffeError(f"raw_data_type is {what}; only FLOAT16, FLOAT and DOUBLE raw "
                         "blobs hold weights (re-save the model with float weights)",
                         file=file, layer=layer, field=f"{where}.raw_data_type", offset=offset)
    dtype = np.dtype(RAW_TYPES[raw_type][0])
    size = end - start
    if size % dtype.itemsize or size // dtype.itemsize != want:
        raise CaffeError(f"raw_data holds {size} bytes = {size / dtype.itemsize:g} "
                         f"{RAW_TYPES[raw_type][1]} values but the shape {shape} needs {want}: "
                         "corrupt or truncated blob", file=file, layer=layer, field=field,
                         offset=offset)
    arr = np.frombuffer(buf, dtype, want, start)
    if dtype != np.float32:
        with np.errstate(over="ignore"):  # double -> float32 overflow: inf, like Caffe
            arr = arr.astype(np.float32)
    return arr.reshape(shape)
