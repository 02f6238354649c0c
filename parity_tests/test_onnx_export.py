"""The written ONNX file: valid, named after Caffe blobs, provenance, options, atomic."""
from __future__ import annotations

import json

import numpy as np
import pytest

from helpers.oracle import oracle

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from caffe2ss.converter import CaffeError, load_definition  # noqa: E402
from caffe2ss.converter.backends import get_backend  # noqa: E402
from caffe2ss.converter.backends.onnx.postprocess import graph_outputs  # noqa: E402
from caffe2ss.converter.fileio import sha256  # noqa: E402
from caffe2ss.converter.parity import compare_blob  # noqa: E402

be = get_backend("onnx")


def _convert(case, tmp_path, name="model.onnx", **opts):
    net = case.load()
    paths = be.convert(net, tmp_path / name, input_shape=case.input.shape, **opts)
    return net, paths, onnx.load(str(paths[0]))


def test_checker_full_and_blob_names(oracle_case, tmp_path):
    net, paths, model = _convert(oracle_case, tmp_path)
    onnx.checker.check_model(model, full_check=True)
    assert [i.name for i in model.graph.input] == list(net.inputs)
    # DetectionOutput runs after the graph: its bottoms are outputs in its place
    assert [o.name for o in model.graph.output] == graph_outputs(net, net.outputs())
    assert paths == [tmp_path / "model.onnx", tmp_path / "model.onnx.json"]


def test_metadata_props(tmp_path):
    case = oracle("deeplab_v1_largefov_thin")
    net, paths, model = _convert(case, tmp_path)
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["sha256"] == sha256(case.caffemodel)
    assert json.loads(meta["source"])["model"] == {"path": "weights.caffemodel",
                                                   "sha256": sha256(case.caffemodel)}
    assert meta["fork"] == "deeplab_v1"
    assert json.loads(meta["preprocessing"]) == json.loads(json.dumps(net.preprocessing.as_dict()))
    assert json.loads(meta["preprocessing"])["mean"] == pytest.approx([104.008, 116.669, 122.675])
    assert meta["definition"] == net.definition
    assert meta["caffe2ss_version"]
    assert json.loads(meta["outputs"]) == ["fc8_voc12"]
    side = json.loads(paths[1].read_text())
    assert side["definition"] == net.definition and side["fork"] == "deeplab_v1"
    assert side["layers"]["conv1_1"] == ["conv1_1/weight", "conv1_1/bias"]


@pytest.mark.parametrize("opset", [13, 17, 21])
def test_opset_option(opset, tmp_path):
    case = oracle("zoo_activations_misc")
    net, paths, model = _convert(case, tmp_path, opset=opset)
    assert [(o.domain, o.version) for o in model.opset_import] == [("", opset)]
    _, runner = be.load_converted(paths[0])
    out = runner({"data": case.input})
    assert compare_blob(out["sm"], case.blobs["sm"]).passed


@pytest.mark.parametrize("opset", [12, "17", 10_000])
def test_bad_opset_is_refused(opset, tmp_path):
    with pytest.raises(CaffeError, match="opset"):
        _convert(oracle("zoo_activations_misc"), tmp_path, opset=opset)


def test_default_opset_is_17(tmp_path):
    _, _, model = _convert(oracle("zoo_conv_variants"), tmp_path)
    assert model.opset_import[0].version == 17


def test_deterministic_bytes(tmp_path):
    case = oracle("fcn8s_atonce_thin")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pa = be.convert(case.load(), tmp_path / "a" / "m.onnx", dynamic_hw=True)
    pb = be.convert(case.load(), tmp_path / "b" / "m.onnx", dynamic_hw=True)
    for x, y in zip(pa, pb):
        assert x.read_bytes() == y.read_bytes()


def test_failed_conversion_leaves_old_file_and_no_temp(tmp_path):
    case = oracle("zoo_eltwise_bn_scale")
    out = tmp_path / "m.onnx"
    out.write_bytes(b"old")
    weightless = load_definition(case.prototxt.read_text(), "bvlc")
    with pytest.raises(CaffeError, match="no weights") as err:
        be.convert(weightless, out)
    assert err.value.layer == "a"
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]
    be.convert(case.load(), out)  # success replaces it, leaving no temporary file
    assert onnx.load(str(out)).graph.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx", "m.onnx.json"]


def test_dynamic_hw_refused_for_fixed_size_classifier(tmp_path):
    with pytest.raises(CaffeError, match="InnerProduct.*--input-shape") as err:
        _convert(oracle("zoo_classifier_head"), tmp_path, dynamic_hw=True)
    assert err.value.layer == "fc1"
    assert not list(tmp_path.iterdir())


def test_dynamic_hw_declares_symbolic_height_width(tmp_path):
    _, _, model = _convert(oracle("deeplab_largefov_thin"), tmp_path, dynamic_hw=True)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value or d.dim_param for d in dims] == [1, 3, "height", "width"]
    out = model.graph.output[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in out[:2]] == [1, 21] and not out[2].dim_value


def test_load_converted_round_trip(tmp_path):
    case = oracle("zoo_eltwise_bn_scale")
    net, paths, _ = _convert(case, tmp_path)
    net2, runner = be.load_converted(paths[0])
    assert [(l.name, l.type, l.bottoms, l.tops) for l in net2.layers] == \
        [(l.name, l.type, l.bottoms, l.tops) for l in net.layers]
    assert net2.fork == net.fork
    out = runner({"data": case.input})
    assert set(out) == set(net.outputs())
    for name, arr in out.items():
        assert compare_blob(arr, case.blobs[name]).passed, name
    with pytest.raises(CaffeError, match="--dynamic-hw"):  # a static export: fixed size
        runner({"data": np.zeros((2, 3, 16, 15), np.float32)})


def test_unknown_option_is_refused(tmp_path):
    with pytest.raises(CaffeError, match="saved_model"):
        _convert(oracle("zoo_conv_variants"), tmp_path, saved_model=True)


def test_registering_an_onnx_converter_twice_raises():
    from caffe2ss.converter.backends.onnx.registry import register

    with pytest.raises(ValueError, match="registered twice"):
        register("Convolution")(lambda g, layer, xs, ys: None)


POOLS = ["MAX kernel_size: 3 stride: 2 pad: 2", "AVE kernel_size: 3 stride: 2 pad: 2",
         "AVE kernel_size: 3 stride: 2", "AVE kernel_h: 3 kernel_w: 2 stride_h: 2 "
         "stride_w: 3 pad_h: 1 pad_w: 1", "MAX kernel_size: 1 stride: 3",
         "AVE kernel_size: 1 stride: 3", "AVE kernel_size: 3 stride: 2 pad: 1 round_mode: FLOOR"]


@pytest.mark.parametrize("param", POOLS)
def test_dynamic_pooling_sizes_and_divisors(param):
    """In-graph output size (ceil, clip rule), end pads and AVE divisor map at many
    sizes equal the static export, whose numbers the layer-family tests check."""
    from caffe2ss.converter.backends.onnx import _session
    from caffe2ss.converter.backends.onnx.export import build_model

    net = load_definition('input: "data" input_shape { dim: 1 dim: 2 dim: 8 dim: 8 }\n'
                          'layer { name: "p" type: "Pooling" bottom: "data" top: "p" '
                          f'pooling_param {{ pool: {param} }} }}', "bvlc")
    model, _ = build_model(net, {"data": (1, 2, 8, 8)}, dynamic_hw=True)
    sess = _session(model.SerializeToString())
    rng = np.random.default_rng(0)
    for h, w in [(4, 7), (5, 5), (6, 9), (9, 10), (12, 13)]:
        x = rng.standard_normal((1, 2, h, w)).astype(np.float32)
        got = sess.run(None, {"data": x})[0]
        want = be.run(net, {"data": x})["p"]
        assert got.shape == net.infer_shapes({"data": x.shape})["p"]
        np.testing.assert_array_equal(got, want)
