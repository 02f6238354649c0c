"""One-layer family tests for norm, activation, softmax, blob plumbing and DeepLab's
Interp (conv, pool, crop, eltwise and dense: test_families_conv_pool_crop_eltwise_dense.py),
and the numpy reference itself against real Caffe."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import caffe_numpy as cn
from caffe2ss.converter import load
from caffe2ss.converter.parity import compare_blobs
from helpers.onelayer import backend, check, make_net, with_weights  # noqa: F401 (backend: fixture)


def _bn_blobs(factor, c=3, seed=3):
    rng = np.random.default_rng(seed)
    mean, var = rng.standard_normal(c), rng.uniform(0.5, 2.0, c)
    f = np.float32(factor)  # Caffe stores running sums times the factor
    return [(mean * f).astype(np.float32), (var * f).astype(np.float32), np.array([f])]


@pytest.mark.parametrize("factor", [2.0, 0.0, 1e-3])
def test_batch_norm(backend, tmp_path, factor):
    net = make_net(tmp_path, "BatchNorm", "batch_norm_param { eps: 0.001 }",
                   blobs=_bn_blobs(factor))
    ours, _ = check(backend, net)
    if factor == 0:  # a zero factor makes mean = var = 0: y = x / sqrt(eps)
        x = np.random.default_rng(1).standard_normal((1, 3, 9, 11)).astype(np.float32)
        np.testing.assert_allclose(ours["out"], x / np.sqrt(np.float32(1e-3)), rtol=1e-5)


SCALE = {  # (type, param, input shapes)
    "scale_channel": ("Scale", "scale_param { }", ((2, 3, 4, 5),)),
    "scale_bias": ("Scale", "scale_param { bias_term: true }", ((2, 3, 4, 5),)),
    "scale_axis1_num_axes2": ("Scale", "scale_param { axis: 1 num_axes: 2 bias_term: true }",
                              ((2, 3, 4, 5),)),
    "scale_to_the_end": ("Scale", "scale_param { axis: -2 num_axes: -1 }", ((2, 3, 4, 5),)),
    "scale_scalar": ("Scale", "scale_param { num_axes: 0 }", ((2, 3, 4, 5),)),
    "scale_two_bottoms": ("Scale", "scale_param { axis: 1 }", ((2, 3, 4, 5), (3, 4))),
    "scale_two_bottoms_bias": ("Scale", "scale_param { axis: 0 bias_term: true }",
                               ((2, 3, 4, 5), (2, 3))),
    "bias_channel": ("Bias", "bias_param { }", ((2, 3, 4, 5),)),
    "bias_axis2": ("Bias", "bias_param { axis: 2 num_axes: 2 }", ((2, 3, 4, 5),)),
    "bias_two_bottoms": ("Bias", "bias_param { axis: 1 }", ((2, 3, 4, 5), (3,))),
}


@pytest.mark.parametrize("case", SCALE)
def test_scale_bias(backend, tmp_path, case):
    type_, param, shapes = SCALE[case]
    check(backend, make_net(tmp_path, type_, param, shapes=shapes))


@pytest.mark.parametrize("param", ["local_size: 5 alpha: 0.5 beta: 0.75 k: 2",
                                   "local_size: 3 alpha: 2 beta: 0.5 norm_region: "
                                   "WITHIN_CHANNEL k: 7"])
def test_lrn(backend, tmp_path, param):
    check(backend, make_net(tmp_path, "LRN", f"lrn_param {{ {param} }}",
                            shapes=((2, 7, 6, 5),)))


ACTIVATION = {
    "relu": ("ReLU", ""), "leaky": ("ReLU", "relu_param { negative_slope: 0.2 }"),
    "prelu": ("PReLU", ""), "prelu_shared": ("PReLU", "prelu_param { channel_shared: true }"),
    "elu": ("ELU", "elu_param { alpha: 0.5 }"), "sigmoid": ("Sigmoid", ""),
    "tanh": ("TanH", ""), "absval": ("AbsVal", ""), "dropout": ("Dropout", ""),
    "power": ("Power", "power_param { power: 2 scale: 1.5 shift: 3 }"),
    "power_fractional": ("Power", "power_param { power: 0.5 scale: 0.5 shift: 0.25 }"),
    "power_zero_power": ("Power", "power_param { power: 0 scale: 3 shift: 2 }"),
    "power_zero_scale": ("Power", "power_param { power: 3 scale: 0 shift: 2 }"),
    # the constant is powf(-2, 0.5): NaN everywhere (not a complex number)
    "power_zero_scale_nan": ("Power", "power_param { power: 0.5 scale: 0 shift: -2 }"),
}


@pytest.mark.parametrize("case", ACTIVATION)
def test_activation(backend, tmp_path, case):
    type_, param = ACTIVATION[case]
    check(backend, make_net(tmp_path, type_, param, shapes=((2, 3, 5, 4),)))


SHAPE = {  # (type, param, input shapes, tops)
    "concat": ("Concat", "", ((2, 3, 4, 5), (2, 2, 4, 5)), 1),
    "concat_last": ("Concat", "concat_param { axis: -1 }", ((2, 3, 4, 5), (2, 3, 4, 2)), 1),
    "slice_points": ("Slice", "slice_param { axis: 1 slice_point: 1 slice_point: 4 }",
                     ((2, 6, 3, 3),), 3),
    "slice_equal": ("Slice", "slice_param { axis: 2 }", ((2, 3, 6, 3),), 2),
    "split": ("Split", "", ((2, 3, 4, 5),), 2),
    "flatten": ("Flatten", "", ((2, 3, 4, 5),), 1),
    "flatten_range": ("Flatten", "flatten_param { axis: 1 end_axis: 2 }", ((2, 3, 4, 5),), 1),
    "reshape": ("Reshape", "reshape_param { shape { dim: 0 dim: -1 dim: 10 } }",
                ((2, 3, 4, 5),), 1),
    "reshape_axes": ("Reshape", "reshape_param { shape { dim: 2 dim: 2 } axis: 2 num_axes: 1 }",
                     ((2, 3, 4, 5),), 1),
    "softmax": ("Softmax", "", ((2, 5, 3, 4),), 1),
    "softmax_axis": ("Softmax", "softmax_param { axis: -1 }", ((2, 5, 3, 4),), 1),
    "softmax_6d": ("Softmax", "softmax_param { axis: 2 }", ((2, 1, 3, 2, 2, 3),), 1),
    # end_axis == axis - 1 merges no axes: Caffe inserts a 1 -> (2, 3, 1, 4, 5)
    "flatten_inserts_axis": ("Flatten", "flatten_param { axis: 2 end_axis: 1 }",
                             ((2, 3, 4, 5),), 1),
}


@pytest.mark.parametrize("case", SHAPE)
def test_shape(backend, tmp_path, case):
    type_, param, shapes, n = SHAPE[case]
    check(backend, make_net(tmp_path, type_, param, shapes=shapes,
                            tops=tuple(f"out{i}" for i in range(n))))


INTERP = {  # (interp_param, input H x W, Caffe's output H x W)
    "zoom": ("zoom_factor: 3", (4, 5), (10, 13)),
    "shrink": ("shrink_factor: 2", (9, 8), (5, 4)),
    "height_width": ("height: 7 width: 3", (4, 5), (7, 3)),
    "pad_beg_end": ("zoom_factor: 2 pad_beg: -1 pad_end: -2", (7, 9), (7, 11)),
    "shrink_then_zoom": ("shrink_factor: 2 zoom_factor: 3", (9, 7), (13, 10)),
    "shrink_beats_height": ("shrink_factor: 3 height: 20 width: 20", (7, 7), (3, 3)),
    "same_size": ("height: 5 width: 6", (5, 6), (5, 6)),
}


@pytest.mark.parametrize("case", INTERP)
def test_interp_deeplab_v2(backend, tmp_path, case):
    param, hw, out = INTERP[case]
    path = tmp_path / "v2.prototxt"
    path.write_text(f'input: "in0"\ninput_shape {{ dim: 1 dim: 2 dim: {hw[0]} dim: {hw[1]} }}\n'
                    f'layer {{ name: "l" type: "Interp" bottom: "in0" top: "out" '
                    f"interp_param {{ {param} }} }}\n")
    net = load(path, fork="deeplab_v2")
    assert net.infer_shapes()["out"][2:] == out
    check(backend, net)


@pytest.mark.parametrize("param,out", [("zoom_factor: 4", (13, 17)), ("shrink_factor: 3", (2, 2)),
                                       ("height: 6 width: 2", (6, 2))])
def test_interp_deeplab_v1(backend, tmp_path, param, out):
    path = tmp_path / "v1.prototxt"
    path.write_text('input: "data"\ninput_dim: 1 input_dim: 2 input_dim: 4 input_dim: 5\n'
                    'layers { name: "i" type: INTERP bottom: "data" top: "out" '
                    f"interp_param {{ {param} }} }}\n")
    net = load(path, fork="deeplab_v1")
    assert net.infer_shapes()["out"][2:] == out
    check(backend, net)


def test_numpy_reference_matches_caffe(oracle_case):
    """caffe_numpy itself reproduces every blob of every real-Caffe case."""
    net = oracle_case.load()
    other = sorted({l.type for l in net.layers} - cn.TYPES)
    if other or any(len(l.tops) > 1 for l in net.layers if l.type == "Pooling"):
        pytest.skip(f"caffe_numpy has no transcription of {other or 'the Pooling mask'} "
                    "(see test_layers_*.py)")
    x = oracle_case.input
    net.infer_shapes({"data": x.shape})  # resolves DeepLab v1 strict_dim weights
    res = compare_blobs(net, cn.run_net(net, {"data": x}), oracle_case.blobs, "numpy")
    assert res.passed, res.first_divergent
