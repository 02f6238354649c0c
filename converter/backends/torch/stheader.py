"""A safetensors file with a canonical header: metadata keys sorted.

The safetensors writer (Rust) keeps the metadata in a ``HashMap`` whose iteration order
is seeded per map, so two conversions of the same net could write ``format`` and the
provenance record in either order: the same weights, different bytes.
:func:`canonical` rewrites the header with ``__metadata__`` first and its keys sorted;
tensor entries keep the writer's order (their offsets are relative to the data, which
is not touched).

:func:`write` streams the same bytes from numpy arrays without the library (which
builds the whole file in memory, then :func:`canonical` copied it once more): the
header is :func:`header` (the writer's order: by dtype, then by name; every exported
tensor is F32, so by name), then each array's bytes straight from its buffer.
"""
from __future__ import annotations

import json

import numpy as np

#: safetensors pads the header with spaces so the data starts 8-byte aligned.
ALIGN = 8
#: the one dtype exported (every state_dict tensor is float32)
F32 = np.dtype("<f4")


def canonical(data: bytes) -> bytes:
    """``data`` (a whole safetensors file) with its header in canonical form."""
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", None)
    out = {} if meta is None else {"__metadata__": dict(sorted(meta.items()))}
    out.update(header)
    text = json.dumps(out, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % ALIGN)
    return len(text).to_bytes(8, "little") + text + data[8 + n:]


def save(state: dict, path, metadata: dict) -> None:
    """Write ``state`` (name -> tensor) to ``path`` as safetensors, canonical header."""
    from safetensors.torch import save as to_bytes

    with open(path, "wb") as f:
        f.write(canonical(to_bytes(state, metadata=metadata)))


def _dump(header: dict) -> bytes:
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % ALIGN)
    return len(text).to_bytes(8, "little") + text


def header(arrays: dict, metadata: dict | None) -> tuple[bytes, list[str]]:
    """The canonical length-prefixed header of ``arrays`` (name -> C-contiguous array)
    and the names in data order."""
    for k, a in arrays.items():
        if a.dtype != F32:
            raise ValueError(f"tensor {k!r} is {a.dtype}; the exported tensors are float32")
    order = sorted(arrays)  # Rust's String order: by UTF-8 bytes, as Python's str order
    out, offset = {}, 0
    if metadata is not None:
        out["__metadata__"] = dict(sorted(metadata.items()))
    for k in order:
        a = arrays[k]
        out[k] = {"dtype": "F32", "shape": list(a.shape),
                  "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    return _dump(out), order


def write(f, arrays: dict, metadata: dict | None) -> None:
    """Write ``arrays`` as a safetensors file to the open binary file ``f``: the same
    bytes as :func:`save` of the same tensors, streamed from the arrays' buffers."""
    arrays = {k: np.ascontiguousarray(v).reshape(np.shape(v)) for k, v in arrays.items()}
    head, order = header(arrays, metadata)
    f.write(head)
    for k in order:
        if arrays[k].size:
            f.write(memoryview(arrays[k]).cast("B"))
