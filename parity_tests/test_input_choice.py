"""The input of a train net is chosen by use (MTCNN's label-first HDF5Data layer).

Regression for issue 16: the MTCNN caffemodels were read with the label as the input,
every convolution dropped, and ``convert --to torch`` wrote an empty state_dict.
"""
from __future__ import annotations

import numpy as np
import pytest

from caffe2ss.converter import CaffeError, load
from caffe2ss.converter.cli import main
from caffe2ss.protos import caffe_pb2

from helpers import caffe_numpy as cn
from helpers.lookalike import layer, mtcnn_det1

#: parity tolerance of the project (max abs diff <= RTOL * max(1, max|ref|))
RTOL = 1e-4
CONVS = ["conv1", "conv2", "conv3", "conv4-1", "conv4-2"]


@pytest.fixture()
def det1(tmp_path):
    p = tmp_path / "det1.caffemodel"
    p.write_bytes(mtcnn_det1())
    return p


def test_data_top_chosen_by_use(det1):
    net = load(det1)
    assert list(net.inputs) == ["data12face"]
    assert [l.name for l in net.param_layers() if l.type == "Convolution"] == CONVS
    assert "slicer_label" not in [l.name for l in net.layers]
    assert any("chosen by use" in n and "data12face" in n for n in net.notes)


def test_rebuild_matches_numpy_forward(det1):
    torch_backend = pytest.importorskip("caffe2ss.converter.backends").get_backend("torch")
    net = load(det1)
    x = np.random.default_rng(1).standard_normal((1, 3, 12, 12)).astype(np.float32)
    ours = torch_backend.run(net, {"data12face": x}, blobs=True)
    ref = cn.run_net(net, {"data12face": x})
    for name in ("conv4-1", "conv4-2"):
        assert ours[name].shape == (1, 2 if name == "conv4-1" else 4, 1, 1)
        tol = RTOL * max(1.0, float(np.abs(ref[name]).max()))
        assert float(np.abs(ours[name] - ref[name]).max()) <= tol


def test_convert_writes_every_weight(det1, tmp_path):
    pytest.importorskip("torch")
    import torch

    out = tmp_path / "det1.pt"
    rc = main(["convert", str(det1), "--to", "torch", "-o", str(out)])
    assert rc == 0
    state = torch.load(out, weights_only=True)
    # module keys follow the one naming rule (models/naming.py): "-" becomes "_"
    assert {k.split(".")[0] for k in state} >= {c.replace("-", "_") for c in CONVS}
    assert len(state) == 5 * 2 + 3  # 5 convs (weight, bias) + 3 PReLUs


def test_forced_label_input_is_refused(det1, tmp_path, capsys):
    net = load(det1, inputs=["label12face"])
    assert list(net.inputs) == ["label12face"]
    assert net.dropped_weighted[:1] == ["conv1"]
    rc = main(["convert", str(det1), "--input", "label12face", "--to", "torch",
               "-o", str(tmp_path / "x.pt")])
    err = capsys.readouterr().err
    assert rc == 2 and "'conv1'" in err and "would be dropped" in err and "--input" in err
    assert not (tmp_path / "x.pt").exists()


def test_unknown_input_name_lists_candidates(det1):
    with pytest.raises(CaffeError) as e:
        load(det1, inputs=["data"])
    assert "label12face" in str(e.value) and "data12face" in str(e.value)


def two_image_net(tmp_path):
    """A siamese pair: one data layer, two image tops, both through convolutions."""
    rng = np.random.default_rng(2)
    net = caffe_pb2.NetParameter(name="siamese")
    layer(net, "pair", "Data", [], ["img_a", "img_b"])
    w = rng.standard_normal((2, 3, 3, 3)).astype(np.float32)
    for t in ("a", "b"):
        layer(net, f"conv_{t}", "Convolution", [f"img_{t}"], [f"conv_{t}"], [w],
              convolution_param={"num_output": 2, "kernel_size": [3], "bias_term": False})
    p = tmp_path / "pair.caffemodel"
    p.write_bytes(net.SerializeToString())
    return p


def test_several_candidates_are_listed_and_chosen(tmp_path, capsys):
    model = two_image_net(tmp_path)
    with pytest.raises(CaffeError) as e:
        load(model)
    msg = str(e.value)
    assert "'img_a' feeds 'conv_a'" in msg and "'img_b' feeds 'conv_b'" in msg
    assert "--input img_a,img_b" in msg
    assert main(["inspect", str(model)]) == 2
    assert "several candidate inputs" in capsys.readouterr().err
    net = load(model, inputs=["img_b"])
    assert list(net.inputs) == ["img_b"] and net.dropped_weighted == ["conv_a"]
    assert main(["inspect", str(model), "--input", "img_a,img_b"]) == 0
    assert "img_a" in capsys.readouterr().out
    both = load(model, inputs=["img_a", "img_b"])
    assert list(both.inputs) == ["img_a", "img_b"] and not both.dropped_weighted


def test_no_parameters_left_is_refused(tmp_path):
    """A prototxt that uses none of the caffemodel's weighted layers: nothing to write."""
    from caffe2ss.converter.reader.weights import check_weights

    model = tmp_path / "det1.caffemodel"
    model.write_bytes(mtcnn_det1())
    proto = tmp_path / "other.prototxt"
    proto.write_text('input: "data" input_dim: 1 input_dim: 3 input_dim: 12 input_dim: 12\n'
                     'layer { name: "p" type: "Pooling" bottom: "data" top: "p" '
                     'pooling_param { kernel_size: 2 stride: 2 } }\n')
    net = load(model, proto)
    with pytest.raises(CaffeError, match="no parameters.*8 weighted layers.*conv1"):
        check_weights(net)


def pooled_pair(tmp_path):
    """One data layer, two tops, each through a Pooling layer: no weights to tell them apart."""
    net = caffe_pb2.NetParameter(name="pair")
    layer(net, "pair", "Data", [], ["img_a", "img_b"])
    for t in ("a", "b"):
        layer(net, f"pool_{t}", "Pooling", [f"img_{t}"], [f"pool_{t}"],
              pooling_param={"pool": 0, "kernel_size": 2, "stride": 2})
    p = tmp_path / "pooled_pair.caffemodel"
    p.write_bytes(net.SerializeToString())
    return p


def test_parity_input_names_the_blob(tmp_path, capsys):
    """``parity --input NAME=X.npy``: the input is named where the data layers offer two."""
    pytest.importorskip("torch")
    model = pooled_pair(tmp_path)
    net = load(model, inputs=["img_b"])
    x = np.random.default_rng(3).standard_normal((1, 3, 6, 6)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    ref = {k: v.astype(np.float32) for k, v in cn.run_net(net, {"img_b": x}).items()}
    np.savez(tmp_path / "ref.npz", **ref)
    argv = ["parity", str(model), "--reference", str(tmp_path / "ref.npz")]
    assert main(argv + ["--input", f"img_b={tmp_path / 'x.npy'}"]) == 0
    assert "PASS" in capsys.readouterr().out
    assert main(argv + ["--input", str(tmp_path / "x.npy")]) == 2
    assert "--input img_a,img_b" in capsys.readouterr().err


def test_onnx_graph_starts_at_the_data_top(det1, tmp_path):
    """Before the fix the ONNX graph was Slice ops on the label; now the convolutions."""
    onnx = pytest.importorskip("onnx")
    out = tmp_path / "det1.onnx"
    assert main(["convert", str(det1), "--to", "onnx", "-o", str(out),
                 "--input-shape", "1,3,12,12"]) == 0
    graph = onnx.load(str(out)).graph
    assert [i.name for i in graph.input] == ["data12face"]
    ops = [n.op_type for n in graph.node]
    assert ops.count("Conv") == 5 and "Slice" not in ops


def test_named_inputs_survive_the_sidecar_round_trip(tmp_path):
    from caffe2ss.converter import load_definition

    net = load(pooled_pair(tmp_path), inputs=["img_b"])
    again = load_definition(net.definition, net.fork)
    assert list(again.inputs) == ["img_b"] and [l.name for l in again.layers] == ["pool_b"]
