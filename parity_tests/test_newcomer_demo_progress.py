"""Issue 11: the demo names the data set's classes, says what PASS proves, that the model
is undertrained, how long it takes, and drops the images/s column; progress shows on a
terminal only (never under CI, --json or a pipe)."""
from __future__ import annotations

import contextlib
import io

import pytest

from caffe2ss.converter.cli import main
from caffe2ss.converter.cli.common import progress_allowed
from helpers.cli_run import EXAMPLE, MODEL, VOC, cli


class _TTY(io.StringIO):
    def isatty(self):
        return True


def _tty_run(*argv):
    out, err = io.StringIO(), _TTY()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


def test_progress_only_on_a_terminal_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with contextlib.redirect_stderr(_TTY()):
        assert progress_allowed(False) and not progress_allowed(True)  # True: --json
        monkeypatch.setenv("CI", "true")
        assert not progress_allowed(False)
    monkeypatch.delenv("CI")
    with contextlib.redirect_stderr(io.StringIO()):
        assert not progress_allowed(False)  # a pipe


def test_convert_and_eval_show_progress_on_a_terminal(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    rc, _, err = _tty_run("convert", *MODEL, "--to", "torch", "-o", tmp_path / "m.pt")
    assert rc == 0
    assert "read " in err and "MB) ... done in" in err and "MB written" in err
    rc, _, err = _tty_run("infer", tmp_path / "m.pt", VOC / "JPEGImages", "-o",
                          tmp_path / "masks")
    assert rc == 0 and "infer torch [" in err and "60/60" in err
    monkeypatch.setenv("CI", "1")
    rc, _, err = _tty_run("convert", *MODEL, "--to", "torch", "-o", tmp_path / "n.pt")
    assert rc == 0 and "done in" not in err
    rc, _, err = cli("convert", *MODEL, "--to", "torch", "-o", tmp_path / "p.pt")
    assert rc == 0 and "done in" not in err


def test_demo_text(tmp_path, monkeypatch):
    """On a terminal: the demo's text, and progress for evaluation and mask writing."""
    monkeypatch.delenv("CI", raising=False)
    rc, out, err = _tty_run("demo", "--frameworks", "torch", "--out", tmp_path / "demo")
    assert rc == 0, err
    assert "infer torch [" in err and "4/4" in err  # the masks step shows progress too
    assert "undertrained" in out and "about 1 minute per framework" in out
    assert "PASS proves that the converted file" in out
    assert "circle" in out and "rectangle" in out and "triangle" in out
    assert "aeroplane" not in out and "bicycle" not in out
    assert "images/s" not in out and "tools/bench_eval.py" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("demo: PASS in ") and last.endswith(" s")
    assert len(list((tmp_path / "demo" / "masks" / "torch").glob("*.png"))) == 4
