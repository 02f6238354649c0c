"""A safetensors file with a deterministic header.

safetensors writes ``__metadata__`` from a Rust hash map, so with two or more metadata
keys (``format`` and the provenance record) their order, and so the file's bytes, change
from run to run. :func:`canonical` rewrites the header with every key sorted; the tensor
data (and the offsets into it) are unchanged.
"""
from __future__ import annotations

import json


def canonical(data: bytes) -> bytes:
    """``data`` (a safetensors file) with its JSON header's keys sorted, padded with
    spaces to a multiple of 8 bytes as safetensors pads it."""
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", None)
    ordered = {"__metadata__": dict(sorted(meta.items()))} if meta is not None else {}
    ordered.update(sorted(header.items()))
    text = json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + data[8 + n:]
