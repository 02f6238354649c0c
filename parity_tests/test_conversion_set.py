"""A conversion's files form one set (issue 12, finding 15): readers refuse weights
that are not the sidecar's generation, and stale temporaries of killed runs go away.

A kill -9 between two renames is reproduced by its end state: the files of a second
conversion copied over some of the first's.
"""
from __future__ import annotations

import os
import shutil

import pytest

from caffe2ss.converter.errors import CaffeError
from helpers.export_nets import make_bn_net


def _two(tmp_path, fw, name):
    from caffe2ss.converter.backends import get_backend

    backend = get_backend(fw)
    out = {}
    for gen in ("a", "b"):
        d = tmp_path / gen
        d.mkdir()
        net = make_bn_net(d)
        if gen == "b":
            net.layer("conv.1").blobs[0] = net.layer("conv.1").blobs[0] + 1.0
        backend.convert(net, d / name)
        out[gen] = d
    return backend, out["a"], out["b"]


def test_torch_new_weights_next_to_the_old_sidecar(tmp_path):
    pytest.importorskip("torch")
    backend, a, b = _two(tmp_path, "torch", "m.pt")
    backend.load_converted(a / "m.pt")  # one generation: fine
    shutil.copy(b / "m.pt", a / "m.pt")  # killed after the weights rename
    with pytest.raises(CaffeError, match="does not match its sidecar"):
        backend.load_converted(a / "m.pt")
    (a / "m.pt.json").unlink()  # killed before the first sidecar was written
    with pytest.raises(CaffeError, match="no provenance sidecar"):
        backend.load_converted(a / "m.pt")


@pytest.mark.parametrize("part", ["m.weights.h5", "m.index"])
def test_tf_files_of_two_generations(tmp_path, part):
    pytest.importorskip("tensorflow")
    backend, a, b = _two(tmp_path, "tf", "m")
    shutil.copy(b / part, a / part)
    with pytest.raises(CaffeError, match="does not match its sidecar"):
        backend.load_converted(a / "m.weights.h5")


def test_onnx_file_and_sidecar_of_two_generations(tmp_path):
    pytest.importorskip("onnx")
    from caffe2ss.converter.seg.predict import open_model

    _, a, b = _two(tmp_path, "onnx", "m.onnx")
    open_model(a / "m.onnx")
    shutil.copy(b / "m.onnx", a / "m.onnx")
    with pytest.raises(CaffeError, match="does not match its sidecar"):
        open_model(a / "m.onnx")


def test_stale_temporaries_of_a_killed_run_are_removed(tmp_path):
    pytest.importorskip("torch")
    from caffe2ss.converter.backends import get_backend

    dead = 4_000_000  # above Linux's pid_max default: no such process
    with pytest.raises(ProcessLookupError):
        os.kill(dead, 0)
    stale = [tmp_path / f".m.pt.caffe2ss-tmp.{dead}.x1.pt",
             tmp_path / f".m.pt.json.caffe2ss-tmp.{dead}.x2.json"]
    for p in stale:
        p.write_bytes(b"partial")
    live = tmp_path / f".m.pt.caffe2ss-tmp.{os.getpid()}.x3.pt"  # a running conversion
    live.write_bytes(b"in progress")
    get_backend("torch").convert(make_bn_net(tmp_path), tmp_path / "m.pt")
    assert not any(p.exists() for p in stale) and live.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [live.name]


def test_tf_stale_temporary_folder_is_removed(tmp_path):
    pytest.importorskip("tensorflow")
    from caffe2ss.converter.backends import get_backend

    stale = tmp_path / ".m.caffe2ss-tmp.4000000.abc"
    stale.mkdir()
    (stale / "m.index").write_bytes(b"partial")
    get_backend("tf").convert(make_bn_net(tmp_path), tmp_path / "m")
    assert not stale.exists()
    get_backend("tf").load_converted(tmp_path / "m.index")  # the new set is complete
