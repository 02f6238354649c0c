"""The hand-written FCN / DeepLab classes load converted weights (strict) and compute what
the generic rebuild and real Caffe compute."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from caffe2ss.converter import load_definition
from caffe2ss.converter.parity import compare_blob
from helpers.oracle import oracle

torch = pytest.importorskip("torch")
from caffe2ss.converter.backends import torch as backend  # noqa: E402
from caffe2ss.converter.backends.torch.export import apply_state_dict  # noqa: E402
from caffe2ss.models.torch import (DeepLabLargeFOV, FCN8s, FCN8sAtOnce, FCN16s,  # noqa: E402
                                   FCN32s, from_state_dict)
from caffe2ss.models.torch.generic import CaffeNet  # noqa: E402

THIN = (4, 8, 16, 32, 32)  # the oracle nets' VGG widths (published widths / 16)
FCN16S_VAL = Path(__file__).resolve().parent / "data" / "nets" / \
    "fcn.berkeleyvision.org__voc-fcn16s__val.prototxt"

CASES = {  # oracle case -> the class, built as a user would for those weights
    "fcn32s_thin": lambda: FCN32s(21, THIN, 256),
    "fcn8s_thin": lambda: FCN8s(21, THIN, 256),
    "fcn8s_atonce_thin": lambda: FCN8sAtOnce(21, THIN, 256),
    "deeplab_largefov_thin": lambda: DeepLabLargeFOV(21, THIN, 64),
    "deeplab_v1_largefov_thin": lambda: DeepLabLargeFOV(21, THIN, 64, fc8_name="fc8_voc12"),
    "deeplab_v2_largefov_interp_thin": lambda: DeepLabLargeFOV(21, THIN, 64, zoom=8),
}


def _assert_same(ours, want):
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(ours, want, rtol=0, atol=1e-6 * scale)


@pytest.mark.parametrize("name", CASES)
def test_class_loads_converted_weights_and_matches(name, tmp_path):
    case = oracle(name)
    net = case.load()
    path, _ = backend.convert(net, tmp_path / "model.pt")
    state = torch.load(path, weights_only=True)
    model = CASES[name]()
    model.load_state_dict(state, strict=True)
    with torch.no_grad():
        ours = model.eval()(torch.from_numpy(case.input)).numpy()
    out = case.meta["output_blob"]
    with torch.no_grad():  # the generic rebuild in the same layout (NCHW, plain ops)
        generic = CaffeNet(net).eval()(torch.from_numpy(case.input)).numpy()
    _assert_same(ours, generic)
    res = compare_blob(ours, case.blobs[out])  # real Caffe
    assert res.passed, res.reason
    kwargs = {"zoom": 8} if "interp" in name else {}
    assert type(from_state_dict(state, **kwargs)) is type(model)


def test_atonce_scales_are_stored_parameters():
    model = FCN8sAtOnce(21, THIN, 256)
    state = model.state_dict()
    assert torch.all(state["scale_pool4.weight"] == 0.01) and state["scale_pool4.weight"].shape == (32,)
    assert torch.all(state["scale_pool3.weight"] == np.float32(1e-4))
    assert not model.scale_pool4.weight.requires_grad


def _thin_fcn16s_definition(num_classes):
    """The published voc-fcn16s val net with the oracle cases' thinning."""
    widths = {64: 4, 128: 8, 256: 16, 512: 32, 4096: 64, 21: num_classes}
    text = re.sub(r"num_output: (\d+)", lambda m: f"num_output: {widths[int(m[1])]}",
                  FCN16S_VAL.read_text())
    return load_definition(text, "bvlc")


def test_fcn16s_matches_the_generic_rebuild_of_the_published_net():
    """No real-Caffe case exists for FCN-16s: checked against the generic rebuild only."""
    if not FCN16S_VAL.exists():
        pytest.skip("shared reference nets are not available")
    torch.manual_seed(0)
    model = FCN16s(5, THIN, 64).eval()  # drop6/drop7 are active in train mode
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.3)
    net = _thin_fcn16s_definition(5)
    apply_state_dict(net, model.state_dict())  # the converter's keys fit the Caffe net
    x = np.random.default_rng(0).standard_normal((2, 3, 70, 95)).astype(np.float32) * 50
    with torch.no_grad():  # eval(): drop6/drop7 are active in training mode
        ours = model.eval()(torch.from_numpy(x)).numpy()
        want = CaffeNet(net).eval()(torch.from_numpy(x)).numpy()  # the generic rebuild
    assert ours.shape == (2, 5, 70, 95) and np.abs(want).max() > 1
    _assert_same(ours, want)
    assert type(from_state_dict(model.state_dict())) is FCN16s
