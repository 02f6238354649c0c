"""ONNX specifics against real Caffe: dynamic-H/W exports at the oracle size and at other
sizes (every oracle case in every framework is in test_oracle_frameworks)."""
from __future__ import annotations

import numpy as np
import pytest

from helpers.oracle import oracle

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from caffe2ss.converter.backends import get_backend  # noqa: E402
from caffe2ss.converter.parity import compare_blob, compare_blobs, format_table  # noqa: E402

#: FCN-8s, the DeepLab Interp net, and the pooling zoo (clip rule, AVE overhang)
DYNAMIC_CASES = ["fcn8s_thin", "deeplab_v2_largefov_interp_thin", "zoo_pool_ceil_pad"]


@pytest.fixture(scope="module")
def onnx_backend():
    return get_backend("onnx")


def _run_dynamic(net, x, export_shape):
    """Every blob of a --dynamic-hw export (built at ``export_shape``) run on ``x``."""
    from caffe2ss.converter.backends.onnx import _session
    from caffe2ss.converter.backends.onnx.export import build_model

    model, outputs = build_model(net, {"data": export_shape}, dynamic_hw=True,
                                 expose_blobs=True)
    sess = _session(model.SerializeToString())
    names = list(outputs)
    out = dict(zip((outputs[n] for n in names), sess.run(names, {"data": x})))
    out["data"] = x
    return out


@pytest.mark.parametrize("name", DYNAMIC_CASES)
def test_dynamic_export_matches_caffe_at_oracle_size(name):
    """Exported at another size with symbolic H, W, then run at Caffe's size."""
    case = oracle(name)
    net = case.load()
    x = case.input
    n, c, h, w = x.shape
    ours = _run_dynamic(net, x, (n, c, h + 24, w + 40))
    res = compare_blobs(net, ours, case.blobs, "onnx-dynamic")
    assert res.passed, format_table(res)


@pytest.mark.parametrize("name", DYNAMIC_CASES)
def test_dynamic_export_at_other_size_equals_static_export(name, onnx_backend):
    """At a size Caffe was not run at: same blobs as a static export of that size, with
    Caffe's shapes from shape inference."""
    case = oracle(name)
    net = case.load()
    n, c, h, w = case.input.shape
    x = np.random.default_rng(7).standard_normal((n, c, h + 33, w + 19)).astype(np.float32)
    want_shapes = net.infer_shapes({"data": x.shape})
    dyn = _run_dynamic(net, x, case.input.shape)
    static = onnx_backend.run(net, {"data": x}, blobs=True)
    for blob, shape in want_shapes.items():
        assert dyn[blob].shape == shape, blob
        r = compare_blob(dyn[blob], static[blob])
        assert r.passed, (blob, r)
    assert dyn["data"].shape != case.blobs["data"].shape  # really another size


def test_dynamic_file_round_trip_at_two_sizes(tmp_path, onnx_backend):
    """The written --dynamic-hw file, loaded back, reproduces Caffe and runs elsewhere."""
    case = oracle("fcn8s_thin")
    net = case.load()
    path = tmp_path / "fcn8s.onnx"
    onnx_backend.convert(net, path, dynamic_hw=True, input_shape=(1, 3, 224, 224))
    _, runner = onnx_backend.load_converted(path)
    out = runner({"data": case.input})
    assert compare_blob(out["score"], case.blobs["score"]).passed
    x = np.random.default_rng(3).standard_normal((1, 3, 150, 301)).astype(np.float32)
    out = runner({"data": x})
    assert out["score"].shape == net.infer_shapes({"data": x.shape})["score"]
    static = onnx_backend.run(net, {"data": x})
    assert compare_blob(out["score"], static["score"]).passed
