"""Weight shapes are checked even when no input shape is known (issue 12, finding 7)."""
from __future__ import annotations

import numpy as np
import pytest

from caffe2ss.converter import load
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.weightcheck import check_weights_without_input
from helpers.export_nets import BN_NET, write_caffemodel

NO_SHAPE = BN_NET.replace("input_shape { dim: 1 dim: 2 dim: 3 dim: 3 }\n", "")
RNG = np.random.default_rng(0)


def _net(tmp_path, **override):
    blobs = {"conv.1": [RNG.standard_normal((2, 2, 1, 1)), RNG.standard_normal(2)],
             "conv_1": [RNG.standard_normal((2, 2, 1, 1))],
             "eval": [np.array([2.0, 4.0]), np.array([6.0, 8.0]), np.array([2.0])],
             "zero": [np.array([1.0, 3.0]), np.array([5.0, 7.0]), np.array([0.0])]}
    blobs.update(override)
    (tmp_path / "n.prototxt").write_text(NO_SHAPE)
    return load(write_caffemodel(tmp_path / "n.caffemodel", blobs), tmp_path / "n.prototxt")


def test_batchnorm_with_an_empty_scale_factor_converts_to_an_error(tmp_path):
    pytest.importorskip("torch")
    from caffe2ss.converter.backends import get_backend

    net = _net(tmp_path, eval=[np.array([2.0, 4.0]), np.array([6.0, 8.0]), np.zeros(0)])
    assert net.inputs["data"] is None
    with pytest.raises(CaffeError, match="weight blob 2 has shape"):
        get_backend("torch").convert(net, tmp_path / "m.pt")
    assert not (tmp_path / "m.pt").exists()


@pytest.mark.parametrize("layer,blobs,field", [
    ("conv.1", [np.zeros((2, 2, 3, 1)), np.zeros(2)], "blobs[0]"),   # kernel is 1x1
    ("conv.1", [np.zeros((2, 2, 1, 1)), np.zeros(5)], "blobs[1]"),   # 2 outputs
    ("eval", [np.zeros(2), np.zeros(3), np.ones(1)], "blobs[1]"),     # mean/var sizes
])
def test_other_weight_shapes_are_checked_without_input(tmp_path, layer, blobs, field):
    net = _net(tmp_path, **{layer: blobs})
    with pytest.raises(CaffeError) as e:
        check_weights_without_input(net)
    assert e.value.layer == layer and e.value.field == field


def test_good_weights_pass(tmp_path):
    check_weights_without_input(_net(tmp_path))


def test_every_real_caffe_case_passes():
    """No false alarm on the real-Caffe oracle weights (every layer family)."""
    from helpers.oracle import ORACLE_CASES, oracle

    for name in ORACLE_CASES:
        check_weights_without_input(oracle(name).load())
