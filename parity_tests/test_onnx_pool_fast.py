"""MAX pooling in the converted ``.onnx`` run as ``load_converted`` runs it (every
onnxruntime optimisation, blocked NCHWc layout after a Conv): Caffe's NaN/-inf rule stays
exact while a finite input skips the flooring pass, and dynamic H/W pools without a Pad."""
from __future__ import annotations

import numpy as np
import onnx
import pytest

from caffe2ss.converter import load_definition
from helpers import caffe_numpy as cn

be = pytest.importorskip("caffe2ss.converter.backends.onnx")

FLT_MAX = np.finfo(np.float32).max
POOLS = ["kernel_size: 2 stride: 2", "kernel_size: 3 stride: 2 pad: 1",
         "kernel_size: 3 stride: 1 pad: 1", "kernel_h: 3 kernel_w: 2 stride: 3 pad_h: 2 pad_w: 1"]


def _net(pool):
    """16 channels (onnxruntime's blocked layout) of a depthwise 1x1 identity Conv (NaN
    and inf pass through as they are: no 0 * inf from other channels), then MAX."""
    net = load_definition(
        'input: "data" input_shape { dim: 1 dim: 16 dim: 11 dim: 9 }\n'
        'layer { name: "c" type: "Convolution" bottom: "data" top: "c" '
        "convolution_param { num_output: 16 kernel_size: 1 group: 16 } }\n"
        'layer { name: "p" type: "Pooling" bottom: "c" top: "p" '
        f"pooling_param {{ pool: MAX {pool} }} }}", "bvlc")
    layer = net.layers[0]
    layer.blobs = [np.ones((16, 1, 1, 1), np.float32),
                   np.zeros(16, np.float32)]
    return net


def _inputs(h, w):
    rng = np.random.default_rng(h * 100 + w)
    finite = rng.uniform(-100, 100, (1, 16, h, w)).astype(np.float32)
    odd = finite.copy()
    odd[rng.random(odd.shape) < 0.3] = np.nan  # NaN anywhere in a window never wins
    odd[rng.random(odd.shape) < 0.1] = -np.inf
    odd[0, 0] = np.nan  # a whole plane of NaN: every window -FLT_MAX
    odd[0, 1, :, :3] = -np.inf
    odd[0, 2] = np.inf
    return {"finite": finite, "nan_and_inf": odd}


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic_hw"])
@pytest.mark.parametrize("pool", POOLS)
def test_optimised_max_pool_follows_caffe_on_nan_and_inf(tmp_path, pool, dynamic):
    net = _net(pool)
    path, *_ = be.convert(net, tmp_path / "m.onnx", dynamic_hw=dynamic)
    _, runner = be.load_converted(path)
    sizes = [(11, 9), (12, 13), (7, 8)] if dynamic else [(11, 9)]
    for h, w in sizes:
        for kind, x in _inputs(h, w).items():
            got = runner({"data": x})["p"]
            want = cn.pool2d(x, net.layers[1].params).astype(np.float32)
            np.testing.assert_array_equal(got, want, err_msg=f"{kind} {h}x{w}")
            if kind == "nan_and_inf":
                assert (got[0, 0] == -FLT_MAX).all()


def test_finite_input_pools_without_a_full_pass_but_one_sum(tmp_path):
    """Outside the If, a MAX pool's input is read by ReduceSum and the If only: the
    GreaterOrEqual + Where flooring (two full passes, a bool and a float copy) run only
    for an input holding NaN or -inf; with dynamic H/W the end pad is MaxPool's own (no
    Pad copy of the input) and the extra windows are sliced off the small output."""
    net = _net("kernel_size: 2 stride: 2")
    path, *_ = be.convert(net, tmp_path / "m.onnx", dynamic_hw=True)
    graph = onnx.load(path).graph
    top = [n.op_type for n in graph.node]
    assert "Where" not in top and "Pad" not in top and top.count("ReduceSum") == 1
    (if_node,) = [n for n in graph.node if n.op_type == "If"]
    branches = {a.name: [n.op_type for n in a.g.node] for a in if_node.attribute}
    assert "Where" not in branches["then_branch"] and "Pad" not in branches["then_branch"]
    assert branches["then_branch"][-2:] == ["MaxPool", "Slice"]
    assert branches["else_branch"][:2] == ["GreaterOrEqual", "Where"]
