"""One provenance record (schema with a version) for every framework, one sidecar naming
rule, and the record in the safetensors header."""
from __future__ import annotations

import json

import pytest

from caffe2ss.converter.provenance import (METADATA_KEY, VERSION, find_sidecar,
                                           sidecar_path)
from helpers.export_nets import make_bn_net


def test_one_naming_rule_and_old_names_still_found(tmp_path):
    assert sidecar_path(tmp_path / "m.pt") == tmp_path / "m.pt.json"
    assert sidecar_path(tmp_path / "m") == tmp_path / "m.json"  # TF's file prefix
    (tmp_path / "old.json").write_text("{}")  # an earlier name for old.weights.h5
    assert find_sidecar(tmp_path / "old.weights.h5") == tmp_path / "old.json"
    assert find_sidecar(tmp_path / "none.pt") is None


def test_safetensors_header_holds_the_record(tmp_path):
    pytest.importorskip("torch")
    from safetensors import safe_open

    from caffe2ss.converter.backends import torch as backend

    out, side = backend.convert(make_bn_net(tmp_path), tmp_path / "bn.safetensors")
    with safe_open(str(out), "pt") as f:
        header = f.metadata()
    record = json.loads(header[METADATA_KEY])
    sidecar = json.loads(side.read_text())
    assert header["format"] == "pt" and record["version"] == VERSION == sidecar["version"]
    assert record["layers"] == sidecar["layers"] and record["definition"]
    assert side == sidecar_path(out)


@pytest.mark.parametrize("framework, out, extra", [("torch", "m.pt", {}),
                                                   ("tf", "m", {}), ("onnx", "m.onnx", {})])
def test_every_framework_writes_the_same_schema(framework, out, extra, tmp_path):
    from caffe2ss.converter.backends import get_backend
    from caffe2ss.converter.errors import CaffeError

    try:
        backend = get_backend(framework)
    except CaffeError as e:
        pytest.skip(str(e))
    paths = backend.convert(make_bn_net(tmp_path), tmp_path / out, input_shape=(1, 2, 3, 3))
    side = json.loads(sidecar_path(tmp_path / out).read_text())
    assert sidecar_path(tmp_path / out) in paths
    assert side["version"] == VERSION and side["framework"] == framework
    assert {"source", "fork", "input", "outputs", "preprocessing", "layers",
            "definition"} <= set(side)
