"""Caffe's shared blob memory: an in-place write shows through Split/Flatten/Reshape tops.

Expected values follow docs/caffe-semantics.md 5.12: Split, Flatten and Reshape tops share their
bottom's data, so a later in-place ReLU/Sigmoid on one of them changes all of them (and
what later layers read). The real-Caffe case ``zoo_shared_memory`` in data/oracle checks
the same thing against Caffe itself.
"""
from __future__ import annotations

import numpy as np
import pytest

from caffe2ss.converter import load
from caffe2ss.converter.backends import get_backend
from caffe2ss.converter.parity import compare_blobs
from caffe2ss.converter.cli.describe import describe

PROTOTXT = """
input: "data"
input_shape { dim: 2 dim: 3 dim: 4 dim: 5 }
layer { name: "c" type: "Convolution" bottom: "data" top: "c"
        convolution_param { num_output: 4 kernel_size: 1 } }
layer { name: "split" type: "Split" bottom: "c" top: "s0" top: "s1" }
layer { name: "p" type: "Pooling" bottom: "s0" top: "p"
        pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "relu" type: "ReLU" bottom: "s1" top: "s1" }
layer { name: "flat" type: "Flatten" bottom: "p" top: "f" }
layer { name: "sig" type: "Sigmoid" bottom: "f" top: "f" }
layer { name: "after" type: "TanH" bottom: "p" top: "t" }
layer { name: "r" type: "Reshape" bottom: "c" top: "r" reshape_param { shape { dim: 0 dim: -1 } } }
"""


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    path = tmp_path_factory.mktemp("shared") / "net.prototxt"
    path.write_text(PROTOTXT)
    net = load(path)
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3, 1, 1)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    net.layer("c").blobs = [w, b]
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)
    c = np.einsum("oi,nihw->nohw", w[:, :, 0, 0], x) + b[None, :, None, None]
    pool = np.zeros((2, 4, 2, 3), np.float32)          # ceil mode: 5 -> 3 columns
    for i in range(2):
        for j in range(3):
            pool[:, :, i, j] = c[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2].max(axis=(2, 3))
    relu_c = np.maximum(c, 0)                           # ReLU on s1 writes c's memory
    sig_p = 1 / (1 + np.exp(-pool))                     # Sigmoid on f writes p's memory
    expected = {"c": relu_c, "s0": relu_c, "s1": relu_c, "p": sig_p,
                "f": sig_p.reshape(2, -1), "t": np.tanh(sig_p), "r": relu_c.reshape(2, -1)}
    return net, x, expected


def test_refreshes_are_inserted_but_hidden_from_inspect(case):
    net, _, _ = case
    synthetic = [(l.name, l.bottoms, l.tops) for l in net.layers if l.synthetic]
    assert synthetic == [("relu:c", ["s1", "c"], ["c"]), ("relu:s0", ["s1", "s0"], ["s0"]),
                         ("sig:p", ["f", "p"], ["p"])]
    assert [l["name"] for l in describe(net)["layers"]] == \
        ["c", "split", "p", "relu", "flat", "sig", "after", "r"]
    assert net.outputs() == ["s1", "f", "t", "r"]


@pytest.mark.parametrize("framework", ["torch", "tf", "onnx"])
def test_every_framework_sees_the_shared_write(case, framework):
    net, x, expected = case
    try:
        backend = get_backend(framework)
    except Exception as e:  # framework not installed
        pytest.skip(str(e))
    ours = backend.run(net, {"data": x}, blobs=True)
    res = compare_blobs(net, ours, expected, framework)
    assert res.passed, res.first_divergent
