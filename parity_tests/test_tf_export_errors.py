"""`convert --to tf` failures: missing weights, failed writes, bad options and sizes."""
from __future__ import annotations

import json

import numpy as np
import pytest

from caffe2ss.converter import load
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.parity import compare_blob
from helpers.oracle import oracle

tf = pytest.importorskip("tensorflow")
from caffe2ss.converter.backends import tf as backend  # noqa: E402
from caffe2ss.converter.backends.tf import export  # noqa: E402
from helpers.export_nets import BN_NET, make_bn_net  # noqa: E402


@pytest.fixture
def bn_net(tmp_path):
    return make_bn_net(tmp_path)


@pytest.mark.parametrize("where", ["write_weights", "write_saved_model"])
def test_failed_write_leaves_no_file_and_keeps_the_old_output(bn_net, tmp_path, monkeypatch,
                                                              where):
    from caffe2ss.converter.backends.tf import savedmodel

    old = backend.convert(bn_net, tmp_path / "bn", saved_model=True)
    before = {p.name: p.read_bytes() for p in old if p.is_file()}

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export if where == "write_weights" else savedmodel, where, broken)
    bn_net.layer("eval").blobs[0] = bn_net.layer("eval").blobs[0] + 1  # different weights
    with pytest.raises(OSError):
        backend.convert(bn_net, tmp_path / "bn", saved_model=True)
    # no temporary folder left, no new file, the previous conversion untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([p.name for p in old] +
                                                                ["bn.prototxt", "bn.caffemodel"])
    assert {p.name: p.read_bytes() for p in old if p.is_file()} == before


def test_options(bn_net, tmp_path):
    with pytest.raises(CaffeError, match="opset"):
        backend.convert(bn_net, tmp_path / "bn", opset=13)
    files = backend.convert(bn_net, tmp_path / "bn.weights.h5", format=None, saved_model=False)
    assert sorted(f.name for f in files) == ["bn.data-00000-of-00001", "bn.index", "bn.json",
                                             "bn.weights.h5"]
    with pytest.raises(CaffeError, match="does not exist"):
        backend.convert(bn_net, tmp_path / "no" / "bn")
    bn_net.inputs["data"] = None  # e.g. a Python data layer: no declared shape
    files = backend.convert(bn_net, tmp_path / "bn")  # fully convolutional: C is enough
    meta = json.loads(files[-1].read_text())
    assert meta["input"]["shape"] is None and meta["tf"]["build_shape"] == [1, 2, 500, 500]
    x = {"data": np.ones((1, 2, 7, 6), np.float32)}
    assert np.array_equal(backend.load_converted(files[-1])[1](x)["e"],
                          backend.run(bn_net, x)["e"])
    files = backend.convert(bn_net, tmp_path / "bn", input_shape=(1, 2, 3, 3))
    assert json.loads(files[-1].read_text())["input"]["shape"] == [1, 2, 3, 3]
    head = oracle("zoo_classifier_head").load()
    head.inputs["data"] = None  # an InnerProduct needs the real H, W
    with pytest.raises(CaffeError, match="input-shape"):
        backend.convert(head, tmp_path / "head")


def test_size_bound_nets_refuse_other_sizes(tmp_path):
    """An InnerProduct ties a net to its conversion size: a clear error, not a TF crash;
    a fully convolutional one takes any size."""
    c = oracle("zoo_classifier_head")
    backend.convert(c.load(), tmp_path / "head")
    _, runner = backend.load_converted(tmp_path / "head.weights.h5")
    assert compare_blob(runner({"data": c.input})["prob"], c.blobs["prob"]).passed
    with pytest.raises(CaffeError, match="input-shape"):
        runner({"data": np.zeros((2, 3, 20, 12), np.float32)})
    net = oracle("zoo_pool_ceil_pad").load()
    backend.convert(net, tmp_path / "pool")
    _, runner = backend.load_converted(tmp_path / "pool.index")
    got = runner({"data": np.ones((3, 3, 9, 8), np.float32)})
    shapes = net.infer_shapes({"data": (3, 3, 9, 8)})
    assert {k: v.shape for k, v in got.items()} == {k: shapes[k] for k in net.outputs()}
    with pytest.raises(CaffeError, match="input-shape"):
        runner({"data": np.ones((1, 4, 9, 8), np.float32)})  # 4 channels, not 3
