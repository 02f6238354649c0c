"""``get_backend(fw).run`` builds its model once per net (and, in TF, per input shape),
and builds afresh when the weights or the layers are replaced."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from helpers.export_nets import make_bn_net
from caffe2ss.converter.backends import get_backend
from caffe2ss.converter.errors import CaffeError


@pytest.fixture(params=[("tf", "caffe2ss.converter.backends.tf", "build_model"),
                        ("torch", "caffe2ss.converter.backends.torch.runtime", "CaffeNet")])
def counted(request, monkeypatch):
    """(run, built): the backend's run and a list that grows with each model built."""
    fw, module, builder = request.param
    try:
        get_backend(fw)
    except CaffeError as e:
        pytest.skip(str(e))
    mod = pytest.importorskip(module)
    built, real = [], getattr(mod, builder)
    monkeypatch.setattr(mod, builder, lambda *a, **k: built.append(1) or real(*a, **k))
    return fw, get_backend(fw).run, built


def test_model_built_once_and_rebuilt_for_new_weights(tmp_path, counted):
    fw, run, built = counted
    net = make_bn_net(tmp_path)
    x = {"data": np.random.default_rng(0).standard_normal((1, 2, 3, 3)).astype(np.float32)}
    first = run(net, x)
    again = run(net, x)
    assert len(built) == 1
    assert all(np.array_equal(first[k], again[k]) for k in first)
    conv = next(l for l in net.layers if l.name == "conv.1")
    conv.blobs = [b * 2 for b in conv.blobs]  # new weights: a new model
    changed = run(net, x)
    assert len(built) == 2
    assert any(not np.array_equal(first[k], changed[k]) for k in first)
    run(net, {"data": np.zeros((2, 2, 4, 4), np.float32)})  # a new shape
    assert len(built) == (3 if fw == "tf" else 2)  # torch's rebuild takes any size
    net.layers[:] = list(net.layers)  # the same layers in a new list: the same model
    run(net, {"data": np.zeros((2, 2, 4, 4), np.float32)})
    assert len(built) == (3 if fw == "tf" else 2)
    net.layers[-1] = copy.copy(net.layers[-1])  # a replaced layer: a new model
    run(net, {"data": np.zeros((2, 2, 4, 4), np.float32)})
    assert len(built) == (4 if fw == "tf" else 3)
