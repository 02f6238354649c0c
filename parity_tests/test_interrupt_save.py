"""Ctrl-C while torch.save writes: exit 130 "interrupted", no partial output
(issue 12, finding 10)."""
from __future__ import annotations

import os
import signal

import pytest

from caffe2ss.converter.cli import main
from helpers.export_nets import make_bn_net

torch = pytest.importorskip("torch")


class _InterruptingFile:
    """A file whose second write delivers SIGINT (as a Ctrl-C mid-save would)."""

    def __init__(self, f):
        self.f, self.writes = f, 0

    def write(self, b):
        self.writes += 1
        if self.writes == 2:
            os.kill(os.getpid(), signal.SIGINT)
        return self.f.write(b)

    def __getattr__(self, name):
        return getattr(self.f, name)


def test_ctrl_c_during_torch_save(tmp_path, monkeypatch, capsys):
    make_bn_net(tmp_path)
    real = torch.save
    monkeypatch.setattr(torch, "save", lambda obj, f, *a, **k: real(obj, _InterruptingFile(f),
                                                                     *a, **k))
    (tmp_path / "m.pt").write_bytes(b"old")
    code = main(["convert", str(tmp_path / "bn.caffemodel"), "--prototxt",
                 str(tmp_path / "bn.prototxt"), "--to", "torch", "-o", str(tmp_path / "m.pt")])
    err = capsys.readouterr().err
    assert code == 130 and err.strip().endswith("caffe2ss: interrupted"), err
    assert "Traceback" not in err
    assert (tmp_path / "m.pt").read_bytes() == b"old"  # the earlier output is untouched
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
