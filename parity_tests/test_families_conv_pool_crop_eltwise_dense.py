"""One-layer Caffe nets per layer family, each backend against Caffe's formulas in numpy.

Each case is a net written here as prototxt text, loaded with ``caffe2ss.converter.load``,
given random weights, run through ``get_backend(name).run`` and compared blob by blob
with :mod:`helpers.caffe_numpy` (written from docs/caffe-semantics.md) at the parity tolerance.
Frameworks whose backend or framework is not there yet are skipped.
"""
from __future__ import annotations

import numpy as np
import pytest

from helpers import caffe_numpy as cn
from caffe2ss.converter import load
from helpers.onelayer import backend, check, make_net, with_weights  # noqa: F401 (backend: fixture)

CONV = {
    "rect_kernel_stride_pad": "kernel_h: 5 kernel_w: 3 stride_h: 2 stride_w: 1 pad_h: 2 pad_w: 0",
    "group_dilation": "kernel_size: 3 group: 3 dilation: 2 pad: 2",
    "dilation_hw_no_bias": "kernel_size: 3 dilation: 2 dilation: 3 pad: 1 bias_term: false",
    "stride3": "kernel_size: 4 stride: 3 pad: 1",
    # 9 - 10 = -1: C's -1 / 3 == 0, so Caffe makes one row, reading one zero row past H
    "kernel_overhangs_by_less_than_stride": "kernel_h: 10 kernel_w: 4 stride: 3",
}


@pytest.mark.parametrize("case", CONV)
def test_convolution(backend, tmp_path, case):
    check(backend, make_net(tmp_path, "Convolution",
                            f"convolution_param {{ num_output: 6 {CONV[case]} }}"))


def test_convolution_deeplab_v1_hole(backend, tmp_path):
    path = tmp_path / "v1.prototxt"
    path.write_text('input: "data"\ninput_dim: 1 input_dim: 2 input_dim: 13 input_dim: 12\n'
                    'layers { name: "c" type: CONVOLUTION bottom: "data" top: "c" '
                    "convolution_param { num_output: 3 kernel_size: 3 hole: 4 pad: 4 } }\n")
    net = load(path, fork="deeplab_v1")
    assert net.layers[0].params.dilation == (4, 4)
    check(backend, with_weights(net))


DECONV = {
    "group_dilation_pad": "num_output: 6 kernel_size: 3 stride: 2 pad: 1 dilation: 2 group: 3",
    "fcn_k4s2_no_bias": "num_output: 4 kernel_size: 4 stride: 2 bias_term: false",
    "rect": "num_output: 2 kernel_h: 3 kernel_w: 5 stride_h: 2 stride_w: 3 pad_h: 1 pad_w: 2",
}


@pytest.mark.parametrize("case", DECONV)
def test_deconvolution(backend, tmp_path, case):
    check(backend, make_net(tmp_path, "Deconvolution", f"convolution_param {{ {DECONV[case]} }}"))


POOL = {  # (pooling_param, input H x W)
    "max_ceil_pad_clip": ("pool: MAX kernel_size: 3 stride: 2 pad: 2", (4, 7)),
    "max_k3s2p1": ("pool: MAX kernel_size: 3 stride: 2 pad: 1", (9, 10)),
    "ave_pad": ("pool: AVE kernel_size: 3 stride: 2 pad: 1", (9, 11)),
    "ave_ceil_overhang": ("pool: AVE kernel_size: 3 stride: 2", (6, 9)),
    "ave_pad_and_overhang": ("pool: AVE kernel_size: 3 stride: 2 pad: 1", (6, 8)),
    "ave_rect": ("pool: AVE kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 3 pad_h: 1 pad_w: 1",
                 (10, 13)),
    "max_rect": ("pool: MAX kernel_h: 2 kernel_w: 4 stride_h: 3 stride_w: 2 pad_h: 0 pad_w: 1",
                 (11, 8)),
    "ave_pad_clip": ("pool: AVE kernel_size: 3 stride: 2 pad: 2", (4, 8)),
    "ave_floor": ("pool: AVE kernel_size: 3 stride: 2 pad: 1 round_mode: FLOOR", (6, 8)),
    "global_ave": ("pool: AVE global_pooling: true", (5, 7)),
    "global_max": ("pool: MAX global_pooling: true", (5, 7)),
    "empty_windows_max": ("pool: MAX kernel_size: 1 stride: 3", (6, 5)),
    "empty_windows_ave": ("pool: AVE kernel_size: 1 stride: 3", (6, 5)),
    # pad_h > 0 makes Caffe clip BOTH axes: W 5, k1 s3 -> ceil(4/3) + 1 = 3, the last
    # window starts at 6 >= 5 + 0 -> 2 (per-axis clipping would keep 3)
    "pad_h_clips_w_too": ("pool: AVE kernel_h: 3 kernel_w: 1 stride: 3 pad_h: 1 pad_w: 0",
                          (4, 5)),
}


@pytest.mark.parametrize("case", POOL)
def test_pooling(backend, tmp_path, case):
    param, hw = POOL[case]
    check(backend, make_net(tmp_path, "Pooling", f"pooling_param {{ {param} }}",
                            shapes=((2, 3) + hw,)))


def test_max_pool_skips_nan(backend, tmp_path):
    """Caffe's MAX keeps `if (x > max) max = x` from -FLT_MAX: NaN (e.g. an empty AVE
    window's 0/0) never wins, and an all-NaN window gives -FLT_MAX."""
    path = tmp_path / "nan.prototxt"
    # 6 wide, k1 s3: windows at 0, 3, 6; the last is [6, 6): 0/0 = NaN (last row/column)
    path.write_text('input: "data" input_shape { dim: 1 dim: 2 dim: 6 dim: 6 }\n'
                    'layer { name: "a" type: "Pooling" bottom: "data" top: "a" '
                    "pooling_param { pool: AVE kernel_size: 1 stride: 3 } }\n"
                    'layer { name: "m" type: "Pooling" bottom: "a" top: "m" '
                    "pooling_param { pool: MAX kernel_h: 1 kernel_w: 2 stride: 1 } }\n"
                    'layer { name: "g" type: "Pooling" bottom: "a" top: "g" '
                    "pooling_param { pool: MAX global_pooling: true } }\n")
    ours, ref = check(backend, load(path))
    assert np.isnan(ours["a"][..., 2]).all() and np.isnan(ours["a"][..., 2, :]).all()
    np.testing.assert_array_equal(ours["m"][..., :2, 1], ours["a"][..., :2, 1])  # x vs NaN
    assert (ours["m"][..., 2, :] == -np.finfo(np.float32).max).all()  # all NaN: -FLT_MAX
    np.testing.assert_array_equal(ours["g"].reshape(-1), ours["a"][0, :, :2, :2].max((1, 2)))


def test_pooling_clip_rule_changes_the_size(tmp_path):
    # ceil((4 + 4 - 3) / 2) + 1 = 4 windows, but the 4th starts at 6 >= H + pad: 3 remain
    net = make_net(tmp_path, "Pooling", "pooling_param { pool: MAX kernel_size: 3 stride: 2 "
                   "pad: 2 }", shapes=((1, 1, 4, 4),))
    assert net.infer_shapes()["out"] == (1, 1, 3, 3)
    assert cn.pool2d(np.zeros((1, 1, 4, 4)), net.layers[0].params).shape == (1, 1, 3, 3)


CROP = {  # (crop_param, data shape, reference shape)
    "axis2_one_offset": ("axis: 2 offset: 3", (2, 3, 12, 13), (1, 1, 5, 6)),
    "per_axis_offsets": ("axis: 1 offset: 1 offset: 2 offset: 0", (2, 4, 9, 9), (1, 2, 5, 9)),
    "negative_axis": ("axis: -1 offset: 4", (1, 2, 5, 9), (1, 1, 1, 3)),
    "axis0_offsets": ("axis: 0 offset: 1 offset: 0 offset: 2 offset: 3",
                      (3, 2, 7, 8), (2, 2, 4, 5)),
    "defaults": ("", (1, 3, 8, 8), (1, 1, 5, 4)),
}


@pytest.mark.parametrize("case", CROP)
def test_crop(backend, tmp_path, case):
    param, a, b = CROP[case]
    check(backend, make_net(tmp_path, "Crop", f"crop_param {{ {param} }}", shapes=(a, b)))


@pytest.mark.parametrize("param", ["operation: SUM coeff: 0.5 coeff: -2 coeff: 1",
                                   "operation: SUM", "operation: PROD", "operation: MAX",
                                   "operation: MAX coeff: 2 coeff: 3 coeff: 4"])  # ignored
def test_eltwise(backend, tmp_path, param):
    check(backend, make_net(tmp_path, "Eltwise", f"eltwise_param {{ {param} }}",
                            shapes=((2, 3, 5, 6),) * 3))


def test_eltwise_max_nan_follows_caffe_loop(backend, tmp_path):
    """Caffe: top = a > b ? a : b, then top = x > top ? x : top; NaN loses every test."""
    net = make_net(tmp_path, "Eltwise", "eltwise_param { operation: MAX }",
                   shapes=((1, 1, 1, 4),) * 3)
    nan = np.nan
    a = np.array([nan, 1, 5, nan], np.float32).reshape(1, 1, 1, 4)
    b = np.array([2, nan, 1, nan], np.float32).reshape(1, 1, 1, 4)
    c = np.array([3, 3, nan, 9], np.float32).reshape(1, 1, 1, 4)
    got = backend.run(net, {"in0": a, "in1": b, "in2": c}, blobs=True)["out"].reshape(-1)
    # [NaN>2? no: 2; 3>2: 3] [1>NaN? no: NaN; 3>NaN? no: NaN] [5; NaN>5? no: 5] [NaN; 9>NaN? NaN]
    np.testing.assert_array_equal(got, [3, nan, 5, nan])


@pytest.mark.parametrize("param", ["axis: 1", "axis: 2", "axis: -1 bias_term: false",
                                   "transpose: true", "axis: 0"])
def test_inner_product(backend, tmp_path, param):
    check(backend, make_net(tmp_path, "InnerProduct",
                            f"inner_product_param {{ num_output: 5 {param} }}",
                            shapes=((2, 3, 4, 5),)))
