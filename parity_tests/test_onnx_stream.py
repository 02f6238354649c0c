"""ONNX weights streamed from the caffemodel, and external data past protobuf's limit.

The external-data path is tested on a small net by lowering ``external_threshold``,
not by writing 2 GiB.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from helpers.oracle import oracle

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from caffe2ss.converter import CaffeError  # noqa: E402
from caffe2ss.converter.backends import get_backend  # noqa: E402
from caffe2ss.converter.backends.onnx import stream  # noqa: E402
from caffe2ss.converter.backends.onnx.export import build_model  # noqa: E402
from caffe2ss.converter.generation import fingerprint  # noqa: E402

be = get_backend("onnx")
CASE = "fcn8s_atonce_thin"  # 15 initializers of 4 KiB or more, one weightless Crop


def _convert(tmp_path, name="m.onnx", **opts):
    case = oracle(CASE)
    net = case.load()
    return case, net, be.convert(net, tmp_path / name, input_shape=case.input.shape, **opts)


def test_streamed_file_is_the_serialised_model(tmp_path):
    case, net, paths = _convert(tmp_path)
    model, _ = build_model(net, {"data": case.input.shape})  # every weight copied in
    want = model.SerializeToString(deterministic=True)
    assert paths[0].read_bytes() == want
    raw = {}
    hollow, _ = build_model(net, {"data": case.input.shape}, metadata=False, raw=raw)
    assert len(raw) == 15 and all(a.nbytes >= 4096 for a in raw.values())
    metaless, _ = build_model(net, {"data": case.input.shape}, metadata=False)
    assert stream.size(hollow, raw) == metaless.ByteSize()  # decides inline / external


def test_external_data_round_trip(tmp_path):
    case, net, inline = _convert(tmp_path, "in.onnx")
    _, _, paths = _convert(tmp_path, "ext.onnx", external_threshold=1)
    model_path, data, side = paths
    assert [p.name for p in paths] == ["ext.onnx", "ext.onnx.data", "ext.onnx.json"]
    assert model_path.stat().st_size < inline[0].stat().st_size // 10
    model = onnx.load(str(model_path), load_external_data=False)
    ext = [t for t in model.graph.initializer
           if t.data_location == onnx.TensorProto.EXTERNAL]
    assert len(ext) == 15
    offsets = [int({e.key: e.value for e in t.external_data}["offset"]) for t in ext]
    assert all(o % stream.EXTERNAL_ALIGN == 0 for o in offsets)
    meta = json.loads(side.read_text())
    assert meta["external_data"] == "ext.onnx.data"
    assert meta["fingerprints"] == {"ext.onnx": fingerprint(model_path),
                                    "ext.onnx.data": fingerprint(data)}
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["external_data"]) == {"file": "ext.onnx.data", **fingerprint(data)}
    full = onnx.load(str(model_path))  # onnx's own reader resolves the same bytes
    want = onnx.load(str(inline[0]))
    assert [onnx.numpy_helper.to_array(t).tobytes() for t in full.graph.initializer] == \
        [onnx.numpy_helper.to_array(t).tobytes() for t in want.graph.initializer]
    x = {"data": case.input}
    ours = be.load_converted(model_path)[1](x)
    ref = be.load_converted(inline[0])[1](x)
    assert list(ours) == list(ref) and all(np.array_equal(ours[k], ref[k]) for k in ours)


def _tampered(tmp_path, edit):
    _, _, (model_path, data, _) = _convert(tmp_path, "ext.onnx", external_threshold=1)
    model = onnx.load(str(model_path), load_external_data=False)
    edit(model, data)
    onnx.save(model, str(model_path))
    with pytest.raises(CaffeError) as e:
        be.load_converted(model_path)
    return str(e.value)


def _relocate(where):
    def edit(model, data):
        for t in model.graph.initializer:
            for e in t.external_data:
                if e.key == "location":
                    e.value = where
    return edit


@pytest.mark.parametrize("where", ["../ext.onnx.data", "/etc/passwd", "sub/ext.onnx.data",
                                   "other.data"])
def test_external_data_elsewhere_is_refused(tmp_path, where):
    assert "outside ext.onnx.data" in _tampered(tmp_path, _relocate(where))


def test_external_data_of_another_conversion_is_refused(tmp_path):
    def edit(model, data):
        raw = bytearray(data.read_bytes())
        raw[0] ^= 0xFF  # the first sampled chunk of the quick hash
        data.write_bytes(bytes(raw))
    assert "does not match" in _tampered(tmp_path, edit)


def test_external_data_symlink_and_unrecorded_are_refused(tmp_path):
    def link(model, data):
        real = data.with_name("real.bin")
        os.replace(data, real)
        data.symlink_to(real)
    assert "not a regular file" in _tampered(tmp_path, link)

    def forget(model, data):
        keep = [p for p in model.metadata_props if p.key != "external_data"]
        del model.metadata_props[:]
        model.metadata_props.extend(keep)
    again = tmp_path / "again"
    again.mkdir()
    assert "does not record" in _tampered(again, forget)


def test_inline_conversion_replaces_earlier_external_data(tmp_path):
    _convert(tmp_path, "m.onnx", external_threshold=1)
    assert (tmp_path / "m.onnx.data").is_file()
    _, _, paths = _convert(tmp_path, "m.onnx")
    assert [p.name for p in paths] == ["m.onnx", "m.onnx.json"]
    assert not (tmp_path / "m.onnx.data").exists()
    be.load_converted(paths[0])


def test_a_link_at_the_data_path_is_refused_before_writing(tmp_path):
    (tmp_path / "target").write_bytes(b"keep")
    (tmp_path / "m.onnx.data").symlink_to(tmp_path / "target")
    with pytest.raises(CaffeError, match="symbolic link"):
        _convert(tmp_path, "m.onnx")
    assert not (tmp_path / "m.onnx").exists() and (tmp_path / "target").read_bytes() == b"keep"


@pytest.mark.parametrize("name", ["../ext.onnx.data", "/tmp/ext.onnx.data", ".."])
def test_external_data_record_naming_a_path_is_refused(tmp_path, name):
    def edit(model, data):
        for p in model.metadata_props:
            if p.key == "external_data":
                p.value = json.dumps({**json.loads(p.value), "file": name})
        _relocate(name)(model, data)
    assert "not a plain file name" in _tampered(tmp_path, edit)
