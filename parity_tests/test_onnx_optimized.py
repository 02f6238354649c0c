"""The optimised onnxruntime session of a converted ``.onnx`` (every graph optimisation,
one thread per core) still matches real Caffe on every oracle case's output."""
from __future__ import annotations

import pytest

from caffe2ss.converter.parity import compare_blob

onnx_backend = pytest.importorskip("caffe2ss.converter.backends.onnx")


def test_optimised_converted_file_matches_caffe(oracle_case, tmp_path):
    net = oracle_case.load()
    path, *_ = onnx_backend.convert(net, tmp_path / "m.onnx", input_shape=oracle_case.input.shape)
    _, runner = onnx_backend.load_converted(path)
    got = runner({"data": oracle_case.input})
    assert got, "no outputs"
    for name, arr in got.items():
        res = compare_blob(arr, oracle_case.blobs[name])
        assert res.passed, f"{name}: {res.reason}"
