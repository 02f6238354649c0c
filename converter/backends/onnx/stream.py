"""Write an ONNX model whose large initializers are numpy arrays, without copying them.

``build_model(..., raw=arrays)`` leaves the large initializers without data (name,
type, dims) and hands their arrays over. The file is then written piece by piece in
protobuf's field order, the weight bytes straight from the arrays (views of the
memory-mapped caffemodel): the same bytes ``SerializeToString`` gives for the model
with the data filled in, without the 3-4 copies of every weight (``numpy_helper``,
the checker's serialisation, ``SerializeToString``, the write) that made converting a
538 MB model peak at 3.3 GB.

Protobuf messages are limited to 2 GiB. A model whose size reaches ``threshold``
(:data:`EXTERNAL_THRESHOLD` by default) is written with ONNX external data instead:
the weights go, 4 KiB-aligned, into one file next to the model named
``<model file name>.data`` (:func:`data_name`), and each initializer records its
``location`` (that name), ``offset`` and ``length``. How such files are read back safely
is in :mod:`.untrusted`.
"""
from __future__ import annotations

import numpy as np
import onnx

from caffe2ss.converter.reader.wire import encode_varint, iter_fields

#: Models of this many bytes or more are written with external data: protobuf's 2 GiB
#: limit on one message, less 64 MiB for the metadata added while writing.
EXTERNAL_THRESHOLD = 2**31 - 2**26
#: Offsets of tensors in the external data file are multiples of this (mmap-friendly).
EXTERNAL_ALIGN = 4096
#: TensorProto.raw_data, GraphProto.initializer, ModelProto.graph field numbers
_RAW, _INIT, _GRAPH = 9, 5, 7


def data_name(model_name: str) -> str:
    """The external data file of the model file ``model_name``: ``<model_name>.data``."""
    return model_name + ".data"


def _key(number: int) -> bytes:
    return encode_varint(number << 3 | 2)


def _split(data: bytes, number: int) -> tuple[bytes, bytes]:
    """``data`` (a serialised message without field ``number``) cut where that field
    goes: fields below it, fields above it (protobuf writes fields in number order)."""
    for n, _, _, start in iter_fields(data, 0, len(data)):
        if n > number:
            return data[:start], data[start:]
    return data, b""


def _tensor_head(t, n: int) -> bytes:
    """A raw initializer up to its data: the TensorProto's fields (all numbered below
    raw_data's), raw_data's key and length; the whole entry's key and length first."""
    body = t.SerializeToString(deterministic=True)
    if _split(body, _RAW)[1]:
        raise ValueError(f"initializer {t.name!r} has fields after raw_data")
    inner = body + _key(_RAW) + encode_varint(n)
    return _key(_INIT) + encode_varint(len(inner) + n) + inner


def _graph_pieces(model, raw: dict):
    """[bytes or array, ...] of the graph's serialisation, raw data left as arrays."""
    graph = onnx.GraphProto()
    graph.CopyFrom(model.graph)
    del graph.initializer[:]
    head, tail = _split(graph.SerializeToString(deterministic=True), _INIT)
    pieces = [head]
    for t in model.graph.initializer:
        if t.name in raw:
            arr = raw[t.name]
            pieces += [_tensor_head(t, arr.nbytes), arr]
        else:
            pieces.append(_key(_INIT) + encode_varint(t.ByteSize())
                          + t.SerializeToString(deterministic=True))
    return pieces + [tail]


def _model_parts(model) -> tuple[bytes, bytes]:
    rest = onnx.ModelProto()
    rest.CopyFrom(model)
    rest.ClearField("graph")
    return _split(rest.SerializeToString(deterministic=True), _GRAPH)


def _length(pieces) -> int:
    return sum(p.nbytes if isinstance(p, np.ndarray) else len(p) for p in pieces)


def size(model, raw: dict) -> int:
    """Bytes of ``model`` serialised with its ``raw`` arrays inline."""
    n = _length(_graph_pieces(model, raw))
    head, tail = _model_parts(model)
    return len(head) + len(_key(_GRAPH)) + len(encode_varint(n)) + n + len(tail)


def write_inline(f, model, raw: dict, finish=None) -> None:
    """Write ``model`` with its ``raw`` arrays to the open binary file ``f``.

    ``finish(model)``, if given, runs after the graph (the weights) is written and may
    set fields that come after it (``metadata_props``: the provenance record, whose
    source hash a background thread computes meanwhile).
    """
    pieces = _graph_pieces(model, raw)
    n = _length(pieces)
    head, _ = _model_parts(model)
    f.write(head + _key(_GRAPH) + encode_varint(n))
    for p in pieces:
        _write(f, p)
    if finish is not None:
        finish(model)
    f.write(_model_parts(model)[1])


def write_external(f, model, raw: dict, location: str) -> None:
    """Write the ``raw`` arrays to the open binary file ``f`` (the external data file
    ``location``) and point their initializers in ``model`` at it."""
    offset = 0
    for t in model.graph.initializer:
        if t.name not in raw:
            continue
        arr = raw[t.name]
        pad = -offset % EXTERNAL_ALIGN
        f.write(bytes(pad))
        offset += pad
        _write(f, arr)
        t.data_location = onnx.TensorProto.EXTERNAL
        for key, value in (("location", location), ("offset", offset),
                           ("length", arr.nbytes)):
            t.external_data.add(key=key, value=str(value))
        offset += arr.nbytes


def _write(f, piece) -> None:
    if isinstance(piece, np.ndarray):
        if piece.size:
            f.write(memoryview(np.ascontiguousarray(piece)).cast("B"))  # a copy only
    else:                                                # for a transposed weight
        f.write(piece)


def checkable(model, raw: dict):
    """A copy of ``model`` for ``onnx.checker``: each data-less initializer becomes a
    graph input of the same type and shape (the checker needs an initializer's data,
    which :func:`write_inline` writes from the array whose dtype and shape it has)."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    keep = [t for t in out.graph.initializer if t.name not in raw]
    hollow = [t for t in out.graph.initializer if t.name in raw]
    del out.graph.initializer[:]
    out.graph.initializer.extend(keep)
    out.graph.input.extend(onnx.helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
                           for t in hollow)
    return out
