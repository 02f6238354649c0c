"""``get_backend('tf').run`` builds the Keras model once per net and input shape, and
builds afresh when the weights are replaced."""
from __future__ import annotations

import numpy as np
import pytest

from helpers.export_nets import make_bn_net

tfb = pytest.importorskip("caffe2ss.converter.backends.tf")


def test_model_built_once_and_rebuilt_for_new_weights(tmp_path, monkeypatch):
    net = make_bn_net(tmp_path)
    x = {"data": np.random.default_rng(0).standard_normal((1, 2, 3, 3)).astype(np.float32)}
    built = []
    real = tfb.build_model
    monkeypatch.setattr(tfb, "build_model", lambda *a, **k: built.append(1) or real(*a, **k))
    first = tfb.run(net, x)
    again = tfb.run(net, x)
    assert len(built) == 1
    assert all(np.array_equal(first[k], again[k]) for k in first)
    conv = next(l for l in net.layers if l.name == "conv.1")
    conv.blobs = [b * 2 for b in conv.blobs]  # new weights: a new model
    changed = tfb.run(net, x)
    assert len(built) == 2
    assert any(not np.array_equal(first[k], changed[k]) for k in first)
    tfb.run(net, {"data": np.zeros((2, 2, 4, 4), np.float32)})  # a new shape: a new model
    assert len(built) == 3
