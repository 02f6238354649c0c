"""SSD's Normalize and Permute (the ``ssd`` fork; the inisis build has them too) in every
framework against numpy transcriptions of the SSD fork's normalize_layer.cpp /
permute_layer.cpp.
(Real-Caffe case: oracle/zoo_ssd_normalize_permute.)"""
from __future__ import annotations

import numpy as np
import pytest

from helpers.onelayer import backend  # noqa: F401 (a fixture)
from caffe2ss.converter import load
from caffe2ss.converter.parity import compare_blob

C = 3
NET = f"""name: "ssd"
layer {{ name: "data" type: "Input" top: "data" input_param {{ shape {{ dim: 2 dim: {C} dim: 4 dim: 5 }} }} }}
layer {{ name: "n1" type: "Normalize" bottom: "data" top: "n1" }}
layer {{ name: "n2" type: "Normalize" bottom: "data" top: "n2" norm_param {{ across_spatial: false channel_shared: false eps: 0.01 }} }}
layer {{ name: "perm" type: "Permute" bottom: "n2" top: "perm" permute_param {{ order: 0 order: 2 order: 3 order: 1 }} }}
layer {{ name: "perm2" type: "Permute" bottom: "data" top: "perm2" permute_param {{ order: 3 }} }}
"""
SCALES = {"n1": np.float32(2.5), "n2": np.array([0.5, 1.5, 2.0], np.float32)}


def _caffemodel(path):
    from google.protobuf import text_format

    from caffe2ss.protos import inisis_pb2

    msg = text_format.Parse(NET, inisis_pb2.NetParameter())
    for layer in msg.layer[1:3]:
        b = layer.blobs.add()
        arr = SCALES[layer.name]
        b.shape.dim.extend(list(arr.shape))
        b.data.extend(np.atleast_1d(arr).tolist())
    path.write_bytes(msg.SerializeToString())
    return path


def reference(x):
    x64 = x.astype(np.float64)
    n1 = x64 / np.sqrt((x64 ** 2).reshape(2, -1).sum(1) + 1e-10).reshape(2, 1, 1, 1) * 2.5
    n2 = x64 / np.sqrt((x64 ** 2).sum(1, keepdims=True) + 0.01) * \
        SCALES["n2"].reshape(1, C, 1, 1)
    return {"n1": n1, "n2": n2, "perm": n2.transpose(0, 2, 3, 1),
            "perm2": x.transpose(3, 0, 1, 2)}


def test_normalize_and_permute_match_the_ssd_sources(backend, tmp_path):
    (tmp_path / "n.prototxt").write_text(NET)
    net = load(_caffemodel(tmp_path / "n.caffemodel"), tmp_path / "n.prototxt")
    assert net.fork == "ssd"
    x = np.random.default_rng(4).standard_normal((2, C, 4, 5)).astype(np.float32)
    ours = backend.run(net, {"data": x}, blobs=True)
    for name, want in reference(x).items():
        res = compare_blob(ours[name], np.asarray(want, np.float32))
        assert res.passed, f"{backend.__name__} {name}: {res.reason}"


def test_caffemodel_alone_is_detected_as_ssd(tmp_path):
    net = load(_caffemodel(tmp_path / "n.caffemodel"))
    assert net.fork == "ssd" and [l.type for l in net.layers][-1] == "Permute"
