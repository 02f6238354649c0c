"""Helpers for the one-layer family tests: the backend fixture, nets from prototxt text,
random weights, and the blob-by-blob comparison with :mod:`caffe_numpy`."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import caffe_numpy as cn
from caffe2ss.converter import load
from caffe2ss.converter.backends import get_backend
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.layers import SPECS
from caffe2ss.converter.parity import compare_blob

#: every backend runs every one-layer case (skipped until it exists)
FRAMEWORKS = ["torch", "tf", "onnx"]


@pytest.fixture(params=FRAMEWORKS)
def backend(request):
    try:
        mod = get_backend(request.param)
    except CaffeError as e:
        pytest.skip(str(e))
    if not hasattr(mod, "run"):
        pytest.skip(f"the {request.param} backend is not written yet")
    return mod


def make_net(tmp_path, type_, param="", shapes=((1, 3, 9, 11),), tops=("out",), blobs=None,
             extra=""):
    """A net with inputs in0, in1, ... and one layer reading all of them; random weights."""
    head = "".join(f'input: "in{i}"\ninput_shape {{ {" ".join(f"dim: {d}" for d in s)} }}\n'
                   for i, s in enumerate(shapes))
    body = "".join(f' bottom: "in{i}"' for i in range(len(shapes)))
    body += "".join(f' top: "{t}"' for t in tops)
    path = tmp_path / "net.prototxt"
    path.write_text(f'{head}layer {{ name: "l" type: "{type_}"{body} {param} {extra}}}\n')
    return with_weights(load(path), blobs)


def with_weights(net, blobs=None, seed=0):
    """Random weights of the shapes Caffe allocates (or the given ``blobs``)."""
    rng = np.random.default_rng(seed)
    shapes = net.infer_shapes()
    for layer in net.layers:
        want = SPECS[layer.type].param_shapes(layer.params, [shapes[b] for b in layer.bottoms])
        layer.blobs = blobs if blobs is not None else \
            [rng.standard_normal(s).astype(np.float32) for s in want]
    return net


def check(backend, net, seed=1):
    """Run every input through the backend; every blob must match caffe_numpy."""
    rng = np.random.default_rng(seed)
    inputs = {k: rng.standard_normal(s).astype(np.float32) for k, s in net.inputs.items()}
    ours = backend.run(net, inputs, blobs=True)
    ref = cn.run_net(net, inputs)
    for layer in net.layers:
        for top in layer.tops:
            res = compare_blob(ours.get(top), ref[top])
            assert res.passed, f"{layer.type} '{top}': {res.reason}"
    return ours, ref


def run_text(backend, tmp_path, text, inputs):
    """Load prototxt ``text`` and run ``inputs`` through ``backend``, every blob kept;
    returns ``(net, blobs)``."""
    path = tmp_path / "n.prototxt"
    path.write_text(text)
    net = load(path)
    return net, backend.run(net, inputs, blobs=True)


def assert_blobs(ours, want, tag=""):
    """Every ``want[name]`` matches ``ours[name]`` within the parity tolerance."""
    for name, w in want.items():
        res = compare_blob(ours[name], np.asarray(w, np.float32))
        assert res.passed, f"{tag} {name}: {res.reason}"
