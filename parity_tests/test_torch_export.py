"""`convert --to torch`: the state_dict file, its sidecar, and reading both back."""
from __future__ import annotations

import json

import numpy as np
import pytest

from caffe2ss.converter import load
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.fileio import sha256
from helpers.oracle import oracle
from helpers.export_nets import BN_NET, make_bn_net

torch = pytest.importorskip("torch")
from caffe2ss.converter.backends import torch as backend  # noqa: E402
from caffe2ss.converter.backends.torch import export  # noqa: E402
from caffe2ss.models.torch import CaffeNet  # noqa: E402

@pytest.fixture
def bn_net(tmp_path):
    return make_bn_net(tmp_path)


def test_state_dict_keys_shapes_and_bn_stats(bn_net, tmp_path):
    out, side = backend.convert(bn_net, tmp_path / "bn.pt")
    state = torch.load(out, weights_only=True)
    assert type(state) is dict
    # '.' becomes '_' and the collision with "conv_1" gets "_2"; "eval" stays a plain key
    assert {k: tuple(v.shape) for k, v in state.items()} == {
        "conv_1.weight": (2, 2, 1, 1), "conv_1.bias": (2,), "conv_1_2.weight": (2, 2, 1, 1),
        "eval.running_mean": (2,), "eval.running_var": (2,),
        "zero.running_mean": (2,), "zero.running_var": (2,)}
    assert state["eval.running_mean"].tolist() == [1.0, 2.0]  # sums / scale factor 2
    assert state["eval.running_var"].tolist() == [3.0, 4.0]
    assert state["zero.running_mean"].tolist() == [0.0, 0.0]  # factor 0: Caffe's guard
    assert state["zero.running_var"].tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(state["conv_1_2.weight"].numpy(), bn_net.layer("conv_1").blobs[0])
    meta = json.loads(side.read_text())
    assert meta["layers"]["conv.1"] == ["conv_1.weight", "conv_1.bias"]
    assert meta["layers"]["conv_1"] == ["conv_1_2.weight"]


@pytest.mark.parametrize("case", ["zoo_eltwise_bn_scale", "fcn8s_atonce_thin",
                                  "zoo_classifier_head"])
def test_exported_state_is_the_rebuild_state_in_caffe_layouts(case):
    net = oracle(case).load()
    exported, rebuilt = export.state_dict(net), CaffeNet(net).state_dict()
    assert list(exported) == list(rebuilt)
    assert all(torch.equal(exported[k], rebuilt[k]) for k in exported)
    for layer in net.layers:
        for i, key in enumerate(export.layer_map(net).get(layer.name, [])):
            if layer.type != "BatchNorm":  # BatchNorm: divided statistics
                np.testing.assert_array_equal(exported[key].numpy(), layer.blobs[i])


def test_round_trip_pt_and_safetensors(bn_net, tmp_path):
    x = {"data": np.random.default_rng(1).standard_normal((2, 2, 5, 4)).astype(np.float32)}
    want = backend.run(bn_net, x)
    pt, _ = backend.convert(bn_net, tmp_path / "bn.pt")
    st, _ = backend.convert(bn_net, tmp_path / "bn.safetensors", format="safetensors")
    from safetensors.torch import load_file

    a, b = torch.load(pt, weights_only=True), load_file(str(st))
    assert set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)
    for path in (pt, st, st.with_name(st.name + ".json")):
        net, runner = backend.load_converted(path)
        got = runner(x)
        assert list(got) == list(want)
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])


def test_corrupt_converted_file_is_a_caffe_error(bn_net, tmp_path):
    out, _ = backend.convert(bn_net, tmp_path / "bn.pt")
    out.write_bytes(out.read_bytes()[:100])
    with pytest.raises(CaffeError, match="cannot read the converted weights"):
        backend.load_converted(out)


def test_byte_identical_repeat(tmp_path):
    net = oracle("fcn8s_thin").load()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for fmt in ("pt", "safetensors"):
        p1, j1 = backend.convert(net, tmp_path / "a" / f"m.{fmt}", format=fmt)
        p2, j2 = backend.convert(net, tmp_path / "b" / f"m.{fmt}", format=fmt)
        assert p1.read_bytes() == p2.read_bytes()
        assert j1.read_bytes() == j2.read_bytes()


def test_sidecar_provenance(tmp_path):
    case = oracle("deeplab_v1_largefov_thin")  # caffemodel only, DeepLab v1 wire format
    net = case.load()
    out, side = backend.convert(net, tmp_path / "dl.pt", input_shape=(1, 3, 161, 193))
    meta = json.loads(side.read_text())
    assert meta["fork"] == "deeplab_v1"
    assert meta["source"]["model"]["sha256"] == sha256(case.caffemodel)
    assert meta["weights"] == {"file": "dl.pt", "format": "pt", "sha256": sha256(out)}
    assert meta["input"] == {"blob": "data", "shape": [1, 3, 161, 193], "layout": "NCHW"}
    assert meta["layers"]["fc8_voc12"] == ["fc8_voc12.weight", "fc8_voc12.bias"]
    assert meta["preprocessing"]["channel_order"] == "BGR"
    assert meta["preprocessing"]["mean"] == pytest.approx([104.008, 116.669, 122.675])
    assert "hole" in meta["definition"]
    _, runner = backend.load_converted(out)
    got = runner({"data": case.input})["fc8_voc12"]
    np.testing.assert_array_equal(got, backend.run(net, {"data": case.input})["fc8_voc12"])


def test_failed_write_leaves_no_file(bn_net, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken)
    with pytest.raises(OSError):
        backend.convert(bn_net, tmp_path / "bn.pt")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith((".bn", "bn.pt"))] == []
