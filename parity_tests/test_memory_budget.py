"""A run's memory is planned from shape inference and checked before execution; no op
allocates beyond it (issue 12, finding 6)."""
from __future__ import annotations

import numpy as np
import pytest

from caffe2ss.converter import CaffeError, load_definition
from caffe2ss.converter.budget import limited
from caffe2ss.converter.memplan import plan_bytes

torch = pytest.importorskip("torch")
from caffe2ss.converter.backends import get_backend  # noqa: E402

FLT_MAX = float(np.finfo(np.float32).max)
HUGE = 2**32 - 1  # the largest uint32 stride/pad Caffe's proto allows


def _pool(method, stride, pad=0, kernel=2):
    return load_definition(
        'input: "data" input_dim: 1 input_dim: 1 input_dim: 3 input_dim: 3\n'
        f'layer {{ name: "p" type: "Pooling" bottom: "data" top: "p" pooling_param {{ '
        f'pool: {method} kernel_size: {kernel} stride: {stride} pad: {pad} }} }}', "bvlc")


def test_pooling_with_a_huge_stride_allocates_only_its_output():
    x = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)
    out = get_backend("torch").run(_pool("MAX", HUGE), {"data": x})["p"]
    # ceil((3 - 2) / s) + 1 = 2 windows per axis; the second starts past the image
    np.testing.assert_array_equal(out[0, 0], [[4.0, -FLT_MAX], [-FLT_MAX, -FLT_MAX]])
    ave = get_backend("torch").run(_pool("AVE", HUGE), {"data": x})["p"]
    assert ave[0, 0, 0, 0] == pytest.approx((0 + 1 + 3 + 4) / 4)


def test_huge_pad_pooling_is_exact():
    x = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)
    net = _pool("MAX", HUGE, pad=2**20, kernel=2**20 + 3)  # one window [-2^20, 3)
    out = get_backend("torch").run(net, {"data": x})["p"]
    assert out.shape == (1, 1, 1, 1) and out[0, 0, 0, 0] == 8.0


def test_padded_pooling_in_onnx_is_refused_by_the_plan():
    with pytest.raises(CaffeError, match="over the memory budget"):
        with limited("1G"):
            get_backend("onnx").run(_pool("MAX", HUGE), {"data": np.zeros((1, 1, 3, 3),
                                                                             np.float32)})


def test_interp_zoom_20000_is_refused_before_running():
    net = load_definition(
        'input: "data" input_dim: 1 input_dim: 1 input_dim: 3 input_dim: 3\n'
        'layer { name: "i" type: "Interp" bottom: "data" top: "i" '
        'interp_param { zoom_factor: 20000 } }', "deeplab_v2")
    assert plan_bytes(net, None) >= 4 * 40001**2  # (3 - 1) * 20000 + 1 per side: 6.4 GB
    with limited("1G"), pytest.raises(CaffeError, match=r"needs about 6\.0 GiB"):
        get_backend("torch").run(net, {"data": np.zeros((1, 1, 3, 3), np.float32)})


def test_the_sum_of_blobs_counts_not_only_each_blob():
    body = "".join(f'layer {{ name: "r{i}" type: "ReLU" bottom: "{"data" if i == 0 else f"r{i-1}"}" '
                   f'top: "r{i}" }}\n' for i in range(8))
    net = load_definition('input: "data" input_dim: 1 input_dim: 1 input_dim: 256 '
                          f'input_dim: 256\n{body}', "bvlc")
    assert plan_bytes(net, None) == 4 * 256 * 256 * 9
    with limited("2M"), pytest.raises(CaffeError, match="over the memory budget of 2.0 MiB"):
        get_backend("torch").run(net, {"data": np.zeros((1, 1, 256, 256), np.float32)})
    with limited("3M"):  # 2.25 MiB fits
        get_backend("torch").run(net, {"data": np.zeros((1, 1, 256, 256), np.float32)})


@pytest.mark.parametrize("layer", [
    'type: "Pooling" pooling_param { pool: MAX kernel_size: 2 stride: 4294967295 }',
    'type: "Pooling" pooling_param { pool: AVE kernel_size: 3 stride: 4294967295 pad: 1 }',
    'type: "Convolution" convolution_param { num_output: 1 kernel_size: 2 '
    'stride: 4294967295 }'])
def test_a_stride_beyond_int32_with_one_window(layer):
    """Fuzz find (tools/fuzz.py seed 0, inputs 136 and 820): torch's int overflow."""
    net = load_definition('input: "data" input_dim: 1 input_dim: 1 input_dim: 3 '
                          f'input_dim: 3\nlayer {{ name: "l" bottom: "data" top: "l" {layer} }}',
                          "bvlc")
    if net.layers[0].type == "Convolution":
        net.layers[0].blobs = [np.ones((1, 1, 2, 2), np.float32), np.zeros(1, np.float32)]
    x = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)
    out = get_backend("torch").run(net, {"data": x})["l"]
    want = {"MAX": 4.0, "AVE": (0 + 1 + 3 + 4) / 9, "Con": 0 + 1 + 3 + 4}[
        "MAX" if "MAX" in layer else "AVE" if "AVE" in layer else "Con"]
    assert out[0, 0, 0, 0] == pytest.approx(want)


def test_lrn_with_a_huge_local_size():
    """Fuzz find (seed 1, input 8067): local_size 2^31-1 padded the channels to 2^31
    (1.7 TB) and looped 2^31 times; every window then holds all channels."""
    net = load_definition(
        'input: "data" input_dim: 1 input_dim: 3 input_dim: 2 input_dim: 2\n'
        'layer { name: "n" type: "LRN" bottom: "data" top: "n" '
        'lrn_param { local_size: 2147483647 alpha: 1 beta: 0.75 k: 2 } }', "bvlc")
    x = np.arange(12, dtype=np.float32).reshape(1, 3, 2, 2)
    out = get_backend("torch").run(net, {"data": x})["n"]
    alpha_n = np.float32(1) / np.float32(2147483647)
    want = x * (2 + alpha_n * (x * x).sum(1, keepdims=True)) ** -0.75
    np.testing.assert_allclose(out, want, rtol=1e-6)


def test_the_plan_counts_each_frameworks_convolution_scratch():
    # FCN's fc6 on a 22 x 22 plane: 16 x 16 = 256 output positions, 4096 channels
    net = load_definition(
        'input: "data" input_dim: 1 input_dim: 512 input_dim: 22 input_dim: 22\n'
        'layer { name: "fc6" type: "Convolution" bottom: "data" top: "fc6" '
        'convolution_param { num_output: 4096 kernel_size: 7 } }', "bvlc")
    blobs = 512 * 22 * 22 + 4096 * 16 * 16
    padded = 512 * (22 + 7) ** 2  # Caffe's overhang zeros, in every framework
    assert plan_bytes(net, None, "onnx") == 4 * (blobs + padded)
    # torch: fewer positions than channels, so one im2col matmul (columns 256 x 49*512)
    assert plan_bytes(net, None, "torch") == 4 * (blobs + padded + 256 * 49 * 512)
    # TF: 49 taps over 512 channels take the GEMM form: its patches (256 x 49*512)
    assert plan_bytes(net, None, "tf") == 4 * (blobs + padded + 256 * 49 * 512)
    # a 3x3 kernel over 512 channels: one GEMM per tap, 9 partial outputs of 16 x 16 x 4096
    net3 = load_definition(
        'input: "data" input_dim: 1 input_dim: 512 input_dim: 18 input_dim: 18\n'
        'layer { name: "c" type: "Convolution" bottom: "data" top: "c" '
        'convolution_param { num_output: 4096 kernel_size: 3 } }', "bvlc")
    blobs3, padded3 = 512 * 18 * 18 + 4096 * 16 * 16, 512 * (18 + 3) ** 2
    assert plan_bytes(net3, None, "tf") == 4 * (blobs3 + padded3 + 256 * 9 * 4096)
    assert plan_bytes(net3, None, "onnx") == 4 * (blobs3 + padded3)
