"""A safetensors file with a canonical header: metadata keys sorted.

The safetensors writer (Rust) keeps the metadata in a ``HashMap`` whose iteration order
is seeded per map, so two conversions of the same net could write ``format`` and the
provenance record in either order: the same weights, different bytes.
:func:`canonical` rewrites the header with ``__metadata__`` first and its keys sorted;
tensor entries keep the writer's order (their offsets are relative to the data, which
is not touched).
"""
from __future__ import annotations

import json

#: safetensors pads the header with spaces so the data starts 8-byte aligned.
ALIGN = 8


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
