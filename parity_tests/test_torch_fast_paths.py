"""The torch inference fast paths keep Caffe's results: channels-last ``CaffeNet`` on
every oracle case (every blob, against real Caffe), and max pooling through torch's
implicit padding exactly where Caffe's ceil/clip rule allows it."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from caffe2ss.converter.layers.pool import PoolParams
from caffe2ss.converter.parity import compare_blobs, format_table
from caffe2ss.models.torch import ops
from caffe2ss.models.torch.generic import CaffeNet


def test_channels_last_every_oracle_blob(oracle_case):
    net = oracle_case.load()
    model = CaffeNet(net, channels_last=True).eval()
    with torch.inference_mode():
        blobs = model({"data": torch.from_numpy(oracle_case.input)}, return_blobs=True)
    ours = {k: v.numpy() for k, v in blobs.items()}
    assert all(v.flags.c_contiguous for v in ours.values())  # NCHW back for the caller
    res = compare_blobs(net, ours, oracle_case.blobs, "torch")
    assert res.passed, format_table(res)


def _explicit(x, p):  # the padded-copy path, Caffe's windows written out
    h, w = x.shape[-2:]
    (kh, kw), (sh, sw), (ph, pw) = p.resolved(h, w)
    oh, ow = p.output_size(h, w)
    eh, ew = max(0, (oh - 1) * sh + kh - h - ph), max(0, (ow - 1) * sw + kw - w - pw)
    xp = torch.nn.functional.pad(torch.fmax(x, x.new_tensor(-ops.FLT_MAX)),
                                 (pw, ew, ph, eh), value=-ops.FLT_MAX)
    return torch.nn.functional.max_pool2d(xp, (kh, kw), (sh, sw))[..., :oh, :ow]


@pytest.mark.parametrize("k,s,pad", [(2, 2, 0), (3, 2, 1), (3, 1, 1), (3, 2, 0), (4, 3, 2),
                                     (2, 1, 1), (5, 3, 2), (3, 3, 1)])
@pytest.mark.parametrize("hw", [(7, 8), (1, 1), (2, 5), (13, 6)])
def test_max_pool_fast_path_equals_padded_copy(k, s, pad, hw):
    p = PoolParams("MAX", (k, k), (s, s), (pad, pad), False)
    if min(p.output_size(*hw)) < 1 or min(hw) + 2 * pad < k:
        pytest.skip("no valid Caffe window for this size")
    x = torch.from_numpy(np.random.default_rng(k * s + pad).standard_normal((1, 2) + hw)
                         .astype(np.float32))
    x[0, 0, 0, 0] = float("nan")
    x[0, 1, -1, -1] = float("-inf")
    got, want = ops.pool2d(x, p), _explicit(x, p)
    assert got.shape == want.shape == (1, 2) + p.output_size(*hw)
    assert torch.equal(got, want)


def test_max_pool_clamps_only_when_the_output_is_not_finite(monkeypatch):
    calls = []
    fmax = torch.fmax
    monkeypatch.setattr(torch, "fmax", lambda *a: calls.append(1) or fmax(*a))
    p = PoolParams("MAX", (3, 3), (2, 2), (1, 1), False)
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((1, 2, 9, 9))
                         .astype(np.float32))
    assert torch.equal(ops.pool2d(x, p), _explicit(x, p)) and calls == [1]  # _explicit's
    calls.clear()
    ops.pool2d(x, p)
    assert calls == []  # finite output: torch's max is Caffe's, no clamped pass
    for value in (float("nan"), float("-inf"), 3e38):  # 3e38: the check's sum overflows
        y = x.clone()
        y[0, 0, :3, :3] = value
        calls.clear()
        got = ops.pool2d(y, p)
        assert calls == [1] and torch.equal(got, _explicit(y, p))
    assert float(got[0, 0, 0, 0]) == float(np.float32(3e38))
