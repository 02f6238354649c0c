"""Malformed sidecars and ONNX metadata end in one-line CaffeErrors (issue 12, finding 9).

Each variant of the campaign's 27 is built from a real converted output whose
sidecar (or ONNX metadata) is then damaged; loading it must raise CaffeError naming
the problem, never KeyError/AttributeError/RecursionError/MemoryError/DecodeError.
"""
from __future__ import annotations

import json
import os

import pytest

from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.seg.predict import open_model
from helpers.export_nets import make_bn_net

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    from caffe2ss.converter.backends import get_backend

    d = tmp_path_factory.mktemp("side")
    get_backend("torch").convert(make_bn_net(d), d / "m.pt")
    return d / "m.pt", json.loads((d / "m.pt.json").read_text())


def _with_sidecar(tmp_path, converted, text: str):
    pt, _ = converted
    (tmp_path / "m.pt").write_bytes(pt.read_bytes())
    (tmp_path / "m.pt.json").write_text(text)
    return tmp_path / "m.pt"


def _edit(meta, path, value):
    meta = json.loads(json.dumps(meta))
    *head, last = path.split(".")
    d = meta
    for k in head:
        d = d[k]
    if value is KeyError:
        del d[last]
    else:
        d[last] = value
    return json.dumps(meta)


VARIANTS = {
    "unknown fork": ("fork", "caffe9000", "fork"),
    "unknown framework": ("framework", "mxnet", "framework"),
    "missing definition": ("definition", KeyError, "definition"),
    "definition not a string": ("definition", 7, "definition"),
    "preprocessing a string": ("preprocessing", "BGR", "preprocessing"),
    "mean a string": ("preprocessing.mean", "104,117,123", "preprocessing.mean"),
    "mean with a string": ("preprocessing.mean", [1, "x", 2], "preprocessing.mean"),
    "scale a list": ("preprocessing.scale", [1], "preprocessing.scale"),
    "weights a string": ("weights", "x", "weights"),
    "shape with a zero": ("input.shape", [1, 0, 3, 3], "input.shape"),
    "shape with a float": ("input.shape", [1, 2.5, 3, 3], "input.shape"),
    "newer schema version": ("version", 99, "version"),
    "version a string": ("version", "1", "version"),
    "layers a list": ("layers", ["conv.1"], "layers"),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_wrong_fields(tmp_path, converted, name):
    field, value, named = VARIANTS[name]
    path = _with_sidecar(tmp_path, converted, _edit(converted[1], field, value))
    with pytest.raises(CaffeError) as e:
        open_model(path)
    assert e.value.field == named or named in str(e.value), str(e.value)


@pytest.mark.parametrize("text,match", [
    ("[1, 2, 3]", "JSON object"),
    ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ('{"framework": "torch", "x": NaN}', "not valid JSON"),
    ('{"framework": "torch", "x": Infinity}', "not valid JSON"),
    ("{not json", "not valid JSON"),
    ("\xff\xfe", "not valid JSON"),
])
def test_not_a_sidecar(tmp_path, converted, text, match):
    path = _with_sidecar(tmp_path, converted, text)
    with pytest.raises(CaffeError, match=match):
        open_model(path)


def test_sidecar_linked_to_dev_zero(tmp_path, converted):
    path = _with_sidecar(tmp_path, converted, "{}")
    os.unlink(tmp_path / "m.pt.json")
    os.symlink("/dev/zero", tmp_path / "m.pt.json")
    from caffe2ss.converter.backends import get_backend

    with pytest.raises(CaffeError, match="not a regular file"):  # was a MemoryError
        get_backend("torch").load_converted(path)
    with pytest.raises(CaffeError, match="no caffe2ss sidecar"):
        open_model(path)


def test_tf_sidecar(tmp_path):
    pytest.importorskip("tensorflow")
    from caffe2ss.converter.backends import get_backend

    get_backend("tf").convert(make_bn_net(tmp_path), tmp_path / "m")
    meta = json.loads((tmp_path / "m.json").read_text())
    for field, value in (("tf.build_shape", [1, 2, float("inf"), 3]),
                         ("tf.build_shape", [1, 2, float("nan"), 3]),
                         ("definition", KeyError), ("input.shape", "x")):
        (tmp_path / "m.json").write_text(_edit(meta, field, value))
        with pytest.raises(CaffeError):
            get_backend("tf").load_converted(tmp_path / "m.index")


def test_onnx_metadata(tmp_path):
    onnx = pytest.importorskip("onnx")
    from caffe2ss.converter.backends import get_backend

    get_backend("onnx").convert(make_bn_net(tmp_path), tmp_path / "m.onnx")
    model = onnx.load(str(tmp_path / "m.onnx"))
    for drop, bad in (("fork", None), ("definition", None), (None, ("fork", "zz")),
                      (None, ("outputs", "[[[")), (None, ("outputs", '"x"'))):
        m = onnx.ModelProto()
        m.CopyFrom(model)
        props = {p.key: p.value for p in m.metadata_props}
        if drop:
            del props[drop]
        if bad:
            props[bad[0]] = bad[1]
        del m.metadata_props[:]
        for k, v in props.items():
            m.metadata_props.add(key=k, value=v)
        onnx.save(m, str(tmp_path / "x.onnx"))
        with pytest.raises(CaffeError):
            get_backend("onnx").load_converted(tmp_path / "x.onnx")
