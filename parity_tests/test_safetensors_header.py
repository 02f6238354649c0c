"""A safetensors output's header is canonical: the same net gives the same bytes.

The Rust writer iterates its metadata HashMap in a per-map random order, which made
``test_torch_export::test_byte_identical_repeat`` flaky for ``format="safetensors"``.
"""
import json

import pytest

pytest.importorskip("safetensors")
import torch  # noqa: E402
from safetensors.torch import load_file, safe_open  # noqa: E402

from caffe2ss.converter.backends.torch import stheader  # noqa: E402


def _file(header: str, data: bytes) -> bytes:
    raw = header.encode()
    return len(raw).to_bytes(8, "little") + raw + data


def test_metadata_order_does_not_change_bytes():
    tensor = '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}'
    one = _file('{"__metadata__":{"format":"pt","caffe2ss":"{}"},' + tensor + "}", bytes(8))
    two = _file('{"__metadata__":{"caffe2ss":"{}","format":"pt"},' + tensor + "}", bytes(8))
    assert one != two
    a, b = stheader.canonical(one), stheader.canonical(two)
    assert a == b
    n = int.from_bytes(a[:8], "little")
    assert n % stheader.ALIGN == 0
    assert list(json.loads(a[8:8 + n])["__metadata__"]) == ["caffe2ss", "format"]
    assert a[8 + n:] == bytes(8)  # the data is untouched


def test_saved_file_reads_back_with_sorted_metadata(tmp_path):
    state = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "b": torch.ones(3)}
    meta = {"zeta": "1", "format": "pt", "alpha": "2"}
    paths = [tmp_path / f"{i}.safetensors" for i in range(8)]
    for p in paths:
        stheader.save(state, p, meta)
    assert len({p.read_bytes() for p in paths}) == 1
    back = load_file(str(paths[0]))
    assert torch.equal(back["w"], state["w"]) and torch.equal(back["b"], state["b"])
    with safe_open(str(paths[0]), "pt") as f:
        assert f.metadata() == meta
    n = int.from_bytes(paths[0].read_bytes()[:8], "little")
    header = json.loads(paths[0].read_bytes()[8:8 + n])
    assert list(header["__metadata__"]) == ["alpha", "format", "zeta"]
