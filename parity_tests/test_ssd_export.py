"""SSD nets in converted files: ONNX runs DetectionOutput after the graph (recorded in
the sidecar and the metadata), TF refuses a SavedModel of it, PriorBox refuses
--dynamic-hw; and which fork reads an SSD-style file (weiliu89 or the inisis build)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from caffe2ss.converter import load
from caffe2ss.converter.backends import get_backend
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.forks import detect_binary_fork, detect_text_fork
from caffe2ss.converter.reader.scan import scan_caffemodel
from caffe2ss.protos import inisis_pb2

NET = """name: "ssd_tiny"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 12 dim: 12 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 4 kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "loc" type: "Convolution" bottom: "conv" top: "loc" convolution_param { num_output: 8 kernel_size: 1 } }
layer { name: "loc_flat" type: "Flatten" bottom: "loc" top: "loc_flat" }
layer { name: "conf" type: "Convolution" bottom: "conv" top: "conf" convolution_param { num_output: 6 kernel_size: 1 } }
layer { name: "conf_perm" type: "Permute" bottom: "conf" top: "conf_perm" permute_param { order: 0 order: 2 order: 3 order: 1 } }
layer { name: "conf_flat" type: "Flatten" bottom: "conf_perm" top: "conf_flat" }
layer { name: "prior" type: "PriorBox" bottom: "conv" bottom: "data" top: "prior" prior_box_param { min_size: 4 max_size: 8 } }
layer { name: "det" type: "DetectionOutput" bottom: "loc_flat" bottom: "conf_flat" bottom: "prior" top: "det" detection_output_param { num_classes: 3 nms_param { nms_threshold: 0.5 } confidence_threshold: 0.4 } }
"""


def _net(tmp_path):
    (tmp_path / "ssd.prototxt").write_text(NET)
    net = load(tmp_path / "ssd.prototxt")
    rng = np.random.default_rng(2)
    for layer in net.layers:
        if layer.type == "Convolution":
            o, c = layer.params.num_output, 3 if layer.name == "conv" else 4
            layer.blobs = [rng.standard_normal((o, c) + layer.params.kernel).astype(
                np.float32), np.zeros(o, np.float32)]
    return net


def test_onnx_file_runs_detection_output_after_the_graph(tmp_path):
    pytest.importorskip("onnxruntime")
    import onnx

    net = _net(tmp_path)
    x = np.random.default_rng(0).standard_normal((1, 3, 12, 12)).astype(np.float32)
    backend = get_backend("onnx")
    want = get_backend("torch").run(net, {"data": x})["det"] if _has("torch") else None
    files = backend.convert(net, tmp_path / "ssd.onnx")
    side = json.loads(files[1].read_text())
    post = [{"layer": "det", "type": "DetectionOutput",
             "bottoms": ["loc_flat", "conf_flat", "prior"], "tops": ["det"]}]
    assert side["postprocess"] == post
    model = onnx.load(str(files[0]))
    assert "DetectionOutput" not in {n.op_type for n in model.graph.node}
    assert {o.name for o in model.graph.output} == {"loc_flat", "conf_flat", "prior"}
    assert json.loads({p.key: p.value for p in model.metadata_props}["postprocess"]) == post
    _, runner = backend.load_converted(files[0])
    got = runner({"data": x})
    ran = backend.run(net, {"data": x})
    assert list(ran) == ["det"] and got["det"].shape[2:] == (ran["det"].shape[2], 7)
    assert np.allclose(got["det"], ran["det"], atol=1e-5)
    if want is not None:
        assert np.allclose(want, ran["det"], atol=1e-5)


def _has(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def test_onnx_refuses_what_cannot_follow_the_graph(tmp_path):
    pytest.importorskip("onnxruntime")
    net = _net(tmp_path)
    with pytest.raises(CaffeError, match="PriorBox.*--dynamic-hw") as e:
        get_backend("onnx").convert(net, tmp_path / "d.onnx", dynamic_hw=True)
    assert e.value.layer == "prior"
    (tmp_path / "after.prototxt").write_text(
        NET + 'layer { name: "after" type: "ReLU" bottom: "det" top: "after2" }\n')
    net = load(tmp_path / "after.prototxt")
    net.layers = _net(tmp_path).layers + net.layers[-1:]
    with pytest.raises(CaffeError, match="post-processing") as e:
        get_backend("onnx").run(net, {"data": np.zeros((1, 3, 12, 12), np.float32)})
    assert e.value.layer == "after"


def test_tf_refuses_a_saved_model_of_detection_output(tmp_path):
    pytest.importorskip("tensorflow")
    with pytest.raises(CaffeError, match="SavedModel") as e:
        get_backend("tf").convert(_net(tmp_path), tmp_path / "ssd", saved_model=True)
    assert e.value.layer == "det"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ssd.prototxt"]


RELU6 = 'layer { name: "r6" type: "ReLU6" bottom: "det" top: "r6" }\n'


def test_the_inisis_build_reads_ssd_layers_with_its_own_defaults(tmp_path):
    assert detect_text_fork(NET) == "ssd"
    assert detect_text_fork(NET + RELU6) == "inisis"
    assert detect_text_fork(NET.replace("stride: 2 pad: 1 }", "stride: 2 pad: 1 } } "
                                        "layer { name: \"p\" type: \"Pooling\" bottom: "
                                        "\"conv\" top: \"p\" pooling_param { pool: MAX "
                                        "kernel_size: 2 ceil_mode: false }", 1)) == "inisis"
    (tmp_path / "i.prototxt").write_text(NET + RELU6)
    net = load(tmp_path / "i.prototxt")
    assert net.layer("prior").params.clip is True and net.layer("det").params.nms
    # a caffemodel: Permute (SSD's 202) first, ReLU6 (the build's 503) later
    from google.protobuf import text_format

    msg = text_format.Parse(NET + RELU6, inisis_pb2.NetParameter())
    (tmp_path / "i.caffemodel").write_bytes(msg.SerializeToString())
    scanned = scan_caffemodel((tmp_path / "i.caffemodel").read_bytes())
    assert detect_binary_fork(scanned) == "inisis"
    del msg.layer[-1]
    (tmp_path / "s.caffemodel").write_bytes(msg.SerializeToString())
    assert load(tmp_path / "s.caffemodel").fork == "ssd"


def test_ssd_fields_with_pooling_field_13_are_the_inisis_build(tmp_path):
    """weiliu89's fork has no PoolingParameter 13; the inisis build writes ceil_mode there."""
    from google.protobuf import text_format

    text = NET.replace('layer { name: "loc" ', 'layer { name: "pool" type: "Pooling" '
                       'bottom: "conv" top: "pool" pooling_param { pool: MAX kernel_size: 1 '
                       'ceil_mode: false } }\nlayer { name: "loc" ', 1)
    msg = text_format.Parse(text, inisis_pb2.NetParameter())
    (tmp_path / "p.caffemodel").write_bytes(msg.SerializeToString())
    net = load(tmp_path / "p.caffemodel")
    assert net.fork == "inisis" and "ceil_mode" in net.fork_reason
    assert net.layer("prior").params.clip is True
    assert load(tmp_path / "p.caffemodel", fork="ssd").layer("prior").params.clip is False
