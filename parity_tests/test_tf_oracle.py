"""TensorFlow specifics: in-graph pooling formulas against the converter's, unknown H/W,
and Caffe's NCHW axes on NHWC tensors (the oracle cases are in test_oracle_frameworks)."""
from __future__ import annotations

import numpy as np
import pytest

from caffe2ss.converter.layers.pool import PoolParams, ave_divisor, pool_output_size
from caffe2ss.converter.parity import compare_blob
from helpers.oracle import oracle

tf = pytest.importorskip("tensorflow")
from caffe2ss.converter.backends import tf as backend  # noqa: E402
from caffe2ss.models.tf import ops  # noqa: E402


@pytest.mark.parametrize("k,s,p", [(2, 2, 0), (3, 2, 1), (3, 1, 1), (3, 2, 2), (3, 3, 0),
                                   (5, 3, 2), (2, 3, 0), (4, 2, 1)])
@pytest.mark.parametrize("ceil", [True, False])
def test_in_graph_pool_size_and_divisor_match_the_converter(k, s, p, ceil):
    """ops.pool_size / ops.ave_divisor (TF ints, any size) == converter.layers.pool."""
    params = PoolParams("AVE", (k, k), (s, s), (p, p), False, ceil)
    for h in range(max(1, k - 2 * p), 24):
        w = h + 3
        oh, ow = (pool_output_size(n, k, s, p, ceil) for n in (h, w))
        if min(oh, ow) <= 0:
            continue
        got = (int(ops.pool_size(tf.constant(h), k, s, p, ceil)),
               int(ops.pool_size(tf.constant(w), k, s, p, ceil)))
        assert got == (oh, ow), (h, w)
        div = ops.ave_divisor(tf.constant(h), tf.constant(w), (k, k), (s, s), (p, p), oh, ow)
        np.testing.assert_array_equal(div.numpy()[0, :, :, 0], ave_divisor(h, w, params))


def test_rebuild_runs_with_unknown_height_and_width():
    """The Keras rebuild traces with H, W = None (the SavedModel signature relies on it)."""
    c = oracle("deeplab_v2_largefov_interp_thin")
    net = c.load()
    model = backend.build_model(net)
    fn = tf.function(lambda x: model(x)["fc8_interp"],
                     input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])
    got = fn(tf.constant(c.input.transpose(0, 2, 3, 1))).numpy().transpose(0, 3, 1, 2)
    res = compare_blob(got, c.blobs["fc8_interp"])
    assert res.passed, res.reason


LAYOUT = {  # nets where the NCHW -> NHWC axis mapping matters: (type, param, shapes, tops)
    "ip_axis3_gives_4d": ("InnerProduct", "inner_product_param { num_output: 4 axis: 3 }",
                          ((2, 3, 4, 5),), 1),
    "ip_after_3d": ("InnerProduct", "inner_product_param { num_output: 4 axis: 1 }",
                    ((2, 3, 5),), 1),
    "reshape_2d_to_4d": ("Reshape", "reshape_param { shape { dim: 0 dim: 3 dim: -1 dim: 2 } }",
                         ((2, 24),), 1),
    "reshape_4d_to_4d": ("Reshape", "reshape_param { shape { dim: 0 dim: 4 dim: 5 dim: -1 } }",
                         ((2, 3, 4, 5),), 1),
    "flatten_spatial": ("Flatten", "flatten_param { axis: 2 }", ((2, 3, 4, 5),), 1),
    "concat_h": ("Concat", "concat_param { axis: 2 }", ((2, 3, 4, 5), (2, 3, 1, 5)), 1),
    "concat_n": ("Concat", "concat_param { axis: 0 }", ((2, 3, 4, 5), (1, 3, 4, 5)), 1),
    "slice_w": ("Slice", "slice_param { axis: 3 slice_point: 2 }", ((2, 3, 4, 5),), 2),
    "softmax_h": ("Softmax", "softmax_param { axis: 2 }", ((2, 3, 4, 5),), 1),
    "crop_w_only": ("Crop", "crop_param { axis: 3 offset: 2 }", ((1, 2, 4, 7), (1, 1, 1, 3)), 1),
    "scale_hw_two_bottoms": ("Scale", "scale_param { axis: 2 }", ((2, 3, 4, 5), (4, 5)), 1),
    "scale_chw_bias": ("Scale", "scale_param { axis: 1 num_axes: 3 bias_term: true }",
                       ((2, 3, 4, 5),), 1),
    "batchnorm_2d": ("BatchNorm", "", ((4, 3),), 1),
    "prelu_3d": ("PReLU", "", ((2, 3, 5),), 1),
}


@pytest.mark.parametrize("case", LAYOUT)
def test_caffe_axes_on_nhwc_tensors(case, tmp_path):
    """Caffe's NCHW axes, element order and broadcasts hold on NHWC (and non-4-D) tensors."""
    from helpers.onelayer import check, make_net

    type_, param, shapes, n = LAYOUT[case]
    blobs = None
    if type_ == "BatchNorm":
        blobs = [np.array([1.0, -2.0, 3.0], np.float32), np.array([2.0, 4.0, 6.0], np.float32),
                 np.array([2.0], np.float32)]
    check(backend, make_net(tmp_path, type_, param, shapes=shapes, blobs=blobs,
                            tops=tuple(f"out{i}" for i in range(n))))
