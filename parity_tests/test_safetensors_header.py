"""A converted .safetensors file does not depend on the metadata order safetensors
happens to write (its Rust hash map): the header is rewritten with sorted keys."""
from __future__ import annotations

import json

import numpy as np
import pytest

from caffe2ss.converter.backends.torch.stheader import canonical


def _file(header: dict, data: bytes) -> bytes:
    text = json.dumps(header, separators=(",", ":")).encode()
    return len(text).to_bytes(8, "little") + text + data


def test_metadata_order_does_not_change_the_bytes():
    data = np.arange(6, dtype=np.float32).tobytes()
    t = {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
    a = _file({"__metadata__": {"format": "pt", "caffe2ss_provenance": "{}"}, "w": t}, data)
    b = _file({"w": t, "__metadata__": {"caffe2ss_provenance": "{}", "format": "pt"}}, data)
    assert a != b and canonical(a) == canonical(b)
    out = canonical(a)
    n = int.from_bytes(out[:8], "little")
    assert n % 8 == 0 and out[8 + n:] == data
    assert list(json.loads(out[8:8 + n])["__metadata__"]) == ["caffe2ss_provenance", "format"]


def test_the_rewritten_file_loads(tmp_path):
    pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    import torch

    state = {"b.bias": torch.ones(3), "a.weight": torch.arange(8.0).reshape(2, 4)}
    p = tmp_path / "m.safetensors"
    p.write_bytes(canonical(st.save(state, metadata={"format": "pt", "x": "1"})))
    back = st.load_file(str(p))
    assert set(back) == set(state) and all(torch.equal(back[k], state[k]) for k in state)
