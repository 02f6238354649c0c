"""Pooling field 13: BVLC ``round_mode`` (CEIL = 0) or the forks' ``ceil_mode`` (bool).

Regression for issue 16: DenseNet-Caffe's ``pool1 { ceil_mode: false }`` (13 = 0) was read
as round_mode CEIL from the caffemodel alone, so every blob from pool1 on had the wrong
shape (and, after the global pooling, the right shape with wrong values); the prototxt
did not parse at all. Look-alike nets with the same pattern are built here; the real
DenseNet-121 case of ``shared/oracle`` is checked when it is present.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from caffe2ss.converter import CaffeError, load
from caffe2ss.converter.cli import main
from caffe2ss.converter.layers.pool import PoolParams
from caffe2ss.protos import caffe_pb2

from helpers import caffe_numpy as cn
from helpers.lookalike import layer

RTOL = 1e-4  # the project's parity tolerance: max|diff| <= RTOL * max(1, max|ref|)
SHAPE = (1, 3, 24, 32)
DENSENET = Path("/work/shared/oracle/densenet121")


def net_bytes(field13: int | None, head: str = "global", k_ip: int | None = None) -> bytes:
    """conv1 k3 s2 p1 -> pool1 MAX k3 s2 p1 (field 13 as given) -> ... -> InnerProduct.

    ``head="global"``: conv 1x1, AVE k2 s2, global AVE, InnerProduct (DenseNet's pattern:
    the output shape does not tell the meanings apart). ``head="ip"``: InnerProduct right
    after pool1, with ``k_ip`` inputs (the weights then say which rounding made them).
    """
    rng = np.random.default_rng(5)
    net = caffe_pb2.NetParameter(name="densenet_like")
    inp = layer(net, "data", "Input", [], ["data"])
    inp.input_param.shape.add().dim.extend(SHAPE)
    w1 = rng.standard_normal((8, 3, 3, 3)).astype(np.float32) * 0.4
    layer(net, "conv1", "Convolution", ["data"], ["conv1"], [w1, np.zeros(8, np.float32)],
          convolution_param={"num_output": 8, "kernel_size": [3], "stride": [2], "pad": [1]})
    pool = layer(net, "pool1", "Pooling", ["conv1"], ["pool1"],
                 pooling_param={"pool": 0, "kernel_size": 3, "stride": 2, "pad": 1})
    if field13 is not None:
        pool.pooling_param.round_mode = field13  # the byte; its meaning is the question
    if head == "global":
        w2 = rng.standard_normal((6, 8, 1, 1)).astype(np.float32)
        layer(net, "conv2", "Convolution", ["pool1"], ["conv2"], [w2],
              convolution_param={"num_output": 6, "kernel_size": [1], "bias_term": False})
        layer(net, "pool2", "Pooling", ["conv2"], ["pool2"],
              pooling_param={"pool": 1, "kernel_size": 2, "stride": 2})
        layer(net, "pool5", "Pooling", ["pool2"], ["pool5"],
              pooling_param={"pool": 1, "global_pooling": True})
        bottom, k_ip = "pool5", 6
    else:
        bottom = "pool1"
    w3 = rng.standard_normal((4, k_ip)).astype(np.float32) * 0.2
    layer(net, "fc", "InnerProduct", [bottom], ["fc"], [w3, rng.standard_normal(4).astype(
        np.float32)], inner_product_param={"num_output": 4})
    return net.SerializeToString()


def pooled(n: int, ceil: bool) -> int:
    """Caffe's pooled size for k3 s2 p1, written out (with its pad clip rule)."""
    out = (math.ceil if ceil else math.floor)((n + 2 - 3) / 2) + 1
    return out - 1 if (out - 1) * 2 >= n + 1 else out


CONV1 = (12, 16)                           # conv1 k3 s2 p1 on 24x32
FLOOR = tuple(pooled(n, False) for n in CONV1)
CEIL = tuple(pooled(n, True) for n in CONV1)


def write(tmp_path, data: bytes, name="m.caffemodel") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_the_two_meanings_differ():
    assert FLOOR == (6, 8) and CEIL == (7, 9)


def test_densenet_pattern_reads_floor_and_says_so(tmp_path):
    net = load(write(tmp_path, net_bytes(0)))
    assert net.fork == "ceil_mode" and net.layer("pool1").params.ceil is False
    assert "'pool1' = 0" in net.fork_reason and "ceil_mode: false" in net.fork_reason
    assert net.infer_shapes()["pool1"] == (1, 8) + FLOOR


@pytest.mark.parametrize("framework", ["torch", "tf", "onnx"])
def test_densenet_pattern_values_match_floor_pooling(tmp_path, framework):
    from caffe2ss.converter.backends import get_backend

    pytest.importorskip({"tf": "tensorflow", "onnx": "onnxruntime"}.get(framework, framework))
    net = load(write(tmp_path, net_bytes(0)))
    x = np.random.default_rng(9).standard_normal(SHAPE).astype(np.float32)
    ours = get_backend(framework).run(net, {"data": x}, blobs=True)
    conv1 = cn.conv2d(x, net.layer("conv1").blobs[0], net.layer("conv1").blobs[1],
                      net.layer("conv1").params)
    floor = PoolParams("MAX", (3, 3), (2, 2), (1, 1), False, ceil=False)  # Caffe, floor
    ref = {"pool1": cn.pool2d(conv1, floor)}
    ref.update(cn.run_net(net, {"data": x}))  # the rest, layer by layer from pool1's params
    assert ref["pool1"].shape == (1, 8) + FLOOR
    for name in ("pool1", "conv2", "pool5", "fc"):
        tol = RTOL * max(1.0, float(np.abs(ref[name]).max()))
        assert ours[name].shape == ref[name].shape, name
        assert float(np.abs(ours[name] - ref[name]).max()) <= tol, name


def test_fork_flag_settles_it(tmp_path):
    model = write(tmp_path, net_bytes(0))
    net = load(model, fork="bvlc")
    assert net.layer("pool1").params.ceil is True and "--fork given" in net.fork_reason
    assert net.infer_shapes()["pool1"] == (1, 8) + CEIL
    assert load(model, fork="ceil_mode").infer_shapes()["pool1"] == (1, 8) + FLOOR


def test_explicit_floor_is_bvlc(tmp_path):
    net = load(write(tmp_path, net_bytes(1)))
    assert net.fork == "bvlc" and "round_mode FLOOR" in net.fork_reason
    assert net.infer_shapes()["pool1"] == (1, 8) + FLOOR


@pytest.mark.parametrize("field13, made_with, fork", [
    (0, CEIL, "bvlc"),          # BVLC file with an explicit round_mode: CEIL
    (1, CEIL, "ceil_mode"),     # fork file with an explicit ceil_mode: true
    (1, FLOOR, "bvlc"),         # BVLC round_mode: FLOOR
    (0, FLOOR, "ceil_mode")])   # fork ceil_mode: false
def test_weight_shapes_decide(tmp_path, field13, made_with, fork):
    k = 8 * made_with[0] * made_with[1]
    net = load(write(tmp_path, net_bytes(field13, head="ip", k_ip=k)))
    assert net.fork == fork
    assert net.infer_shapes()["pool1"] == (1, 8) + made_with
    if fork != ("ceil_mode" if field13 == 0 else "bvlc"):  # evidence beat the default
        assert "agree with the weights" in net.fork_reason


def test_prototxt_ceil_mode_parses(tmp_path):
    text = (f'layer {{ name: "data" type: "Input" top: "data" input_param {{ shape {{ '
            f'dim: 1 dim: 8 dim: 12 dim: 16 }} }} }}\n'
            'layer { name: "pool1" type: "Pooling" bottom: "data" top: "pool1" '
            'pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 ceil_mode: false } }\n')
    p = write(tmp_path, text.encode(), "deploy.prototxt")
    net = load(p)
    assert net.fork == "ceil_mode" and net.infer_shapes()["pool1"] == (1, 8) + FLOOR
    with pytest.raises(CaffeError, match="ceil_mode"):
        load(p, fork="bvlc")


def test_inspect_and_convert_state_the_choice(tmp_path, capsys):
    model = write(tmp_path, net_bytes(0))
    assert main(["inspect", str(model)]) == 0
    out = capsys.readouterr().out
    assert "fork:    ceil_mode" in out and "pooling field 13" in out
    assert main(["inspect", str(model), "--json"]) == 0
    assert '"fork_reason": "pooling field 13' in capsys.readouterr().out
    pytest.importorskip("torch")
    assert main(["convert", str(model), "--to", "torch", "-o", str(tmp_path / "m.pt")]) == 0
    assert "pooling field 13 ('pool1' = 0) read as ceil_mode" in capsys.readouterr().err


@pytest.mark.skipif(not DENSENET.is_dir(), reason="shared/oracle/densenet121 not present "
                    "(the real-Caffe case is 30 MB and is not shipped)")
def test_real_densenet121_without_prototxt():
    from caffe2ss.converter.backends import get_backend

    net = load(DENSENET / "weights.caffemodel")
    assert net.fork == "ceil_mode"
    ours = get_backend("torch").run(net, {"data": np.load(DENSENET / "input.npy")}, blobs=True)
    with np.load(DENSENET / "blobs.npz") as ref:
        for name in ("pool1", "pool2", "concat_5_16", "fc6"):
            r = ref[name]
            assert ours[name].shape == r.shape, name
            assert float(np.abs(ours[name] - r).max()) <= RTOL * max(1, float(np.abs(r).max()))


def test_inisis_fork_fields_mean_ceil_mode(tmp_path):
    """13 = 1 alone reads as BVLC FLOOR; beside a field only the inisis fork has (503
    relu6_param), it is that fork's ``ceil_mode: true``."""
    from caffe2ss.converter.reader.wire import encode_len_field

    net = caffe_pb2.NetParameter()
    net.ParseFromString(net_bytes(1))
    relu = caffe_pb2.LayerParameter(name="relu", type="ReLU", bottom=["fc"], top=["fc"])
    model = write(tmp_path, net.SerializeToString() + encode_len_field(
        100, relu.SerializeToString() + encode_len_field(503, b"")))
    loaded = load(model)
    assert loaded.fork == "ceil_mode" and "503" in loaded.fork_reason
    assert loaded.infer_shapes()["pool1"] == (1, 8) + CEIL
