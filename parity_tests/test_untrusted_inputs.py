"""Converted outputs are data, never programs (issue 12, finding 1).

A SavedModel's functions can do anything (``tf.io.write_file``); an ONNX file can name
external data anywhere on disk and custom-domain operators; a torch file can hold a
pickle. caffe2ss rebuilds every net from weights and the sidecar's definition.
"""
from __future__ import annotations


import numpy as np
import pytest

from caffe2ss.converter.errors import CaffeError
from helpers.export_nets import make_bn_net


def test_a_savedmodel_is_refused_and_never_run(tmp_path):
    tf = pytest.importorskip("tensorflow")
    from caffe2ss.converter.backends import tf as backend
    from caffe2ss.converter.seg.predict import open_model

    backend.convert(make_bn_net(tmp_path), tmp_path / "m")
    pwned = tmp_path / "pwned.txt"

    class Evil(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 2], tf.float32,
                                                    name="data")])
        def serve(self, data):
            tf.io.write_file(str(pwned), "owned")
            return {"e": data}

    evil = Evil()
    tf.saved_model.save(evil, str(tmp_path / "m.savedmodel"),
                        signatures={"serving_default": evil.serve})
    with pytest.raises(CaffeError, match=r"does not run one; pass the checkpoint \(m.index\)"):
        model = open_model(tmp_path / "m.savedmodel")
        model.runner({"data": np.zeros((1, 2, 3, 3), np.float32)})
    assert not pwned.exists()
    _, runner = backend.load_converted(tmp_path / "m.index")  # the checkpoint still runs
    assert runner({"data": np.ones((1, 2, 3, 3), np.float32)})["e"].shape == (1, 2, 3, 3)


@pytest.fixture
def onnx_export(tmp_path):
    onnx = pytest.importorskip("onnx")
    from caffe2ss.converter.backends import onnx as backend

    backend.convert(make_bn_net(tmp_path), tmp_path / "m.onnx")
    return onnx, backend, tmp_path / "m.onnx"


def test_onnx_external_data_is_refused(onnx_export, tmp_path):
    onnx, backend, path = onnx_export
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(4, dtype=np.float32).tobytes())
    model = onnx.load(str(path))
    t = model.graph.initializer[0]
    t.ClearField("raw_data")
    t.ClearField("float_data")
    t.data_location = onnx.TensorProto.EXTERNAL
    t.external_data.add(key="location", value=str(secret))
    onnx.save(model, str(tmp_path / "x.onnx"))
    with pytest.raises(CaffeError, match="external data"):
        backend.load_converted(tmp_path / "x.onnx")


def test_onnx_custom_domain_and_garbage_are_refused(onnx_export, tmp_path):
    onnx, backend, path = onnx_export
    model = onnx.load(str(path))
    model.graph.node[0].domain = "com.evil"
    onnx.save(model, str(tmp_path / "x.onnx"))
    with pytest.raises(CaffeError, match="operator domain 'com.evil'"):
        backend.load_converted(tmp_path / "x.onnx")
    (tmp_path / "g.onnx").write_bytes(b"\xff" * 64)
    with pytest.raises(CaffeError, match="not a readable ONNX file"):
        backend.load_converted(tmp_path / "g.onnx")


def test_torch_files_load_with_weights_only(tmp_path):
    torch = pytest.importorskip("torch")
    from caffe2ss.converter.backends import torch as backend

    backend.convert(make_bn_net(tmp_path), tmp_path / "m.pt")

    class Boom:
        def __reduce__(self):
            return (open, (str(tmp_path / "pwned.txt"), "w"))

    torch.save({"conv.1.weight": Boom()}, tmp_path / "m.pt")
    # an attacker writes the sidecar too: give it the evil file's fingerprint
    import json

    from caffe2ss.converter.generation import fingerprint

    side = json.loads((tmp_path / "m.pt.json").read_text())
    side["fingerprints"] = {"m.pt": fingerprint(tmp_path / "m.pt")}
    (tmp_path / "m.pt.json").write_text(json.dumps(side))
    with pytest.raises(CaffeError, match="cannot read the converted weights"):
        backend.load_converted(tmp_path / "m.pt")
    assert not (tmp_path / "pwned.txt").exists()
