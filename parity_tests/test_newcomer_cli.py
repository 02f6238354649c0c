"""Issue 11: --version, ``python -m caffe2ss``, help text with defaults and examples,
and the exit-code contract (0 success, 1 parity mismatch only, 2 bad input/environment,
130 interrupted), every write target checked before any work."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

import numpy as np
import pytest

from caffe2ss.converter.cli import build_parser
from caffe2ss.converter.cli.main import COMMANDS, version
from helpers.cli_run import MODEL, ORACLE, ROOT, VOC, cli


def _subparsers():
    parser = build_parser()
    act = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return act.choices


def test_version_matches_pyproject():
    rc, out, _ = cli("--version")
    text = (ROOT / "pyproject.toml").read_text()
    want = next(l.split('"')[1] for l in text.splitlines() if l.startswith("version"))
    assert rc == 0 and out.strip() == f"caffe2ss {want}" and version() == want


def test_python_dash_m_caffe2ss(tmp_path):
    r = subprocess.run([sys.executable, "-m", "caffe2ss", "--version"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("caffe2ss "), r.stderr
    r = subprocess.run([sys.executable, "-m", "caffe2ss", "convert", "nope.caffemodel",
                        "--to", "torch", "-o", "x.pt"], cwd=tmp_path, capture_output=True,
                       text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_states_its_default_and_has_examples(name):
    p = _subparsers()[name]
    helptext = p.format_help()
    assert "examples:\n  caffe2ss " + name in helptext or \
        f"examples:\n  python -m caffe2ss {name}" in helptext
    assert "folder holding an output must already exist" in " ".join(helptext.split())
    assert "130 interrupted" in " ".join(helptext.split())
    fmt = p._get_formatter()
    for a in p._actions:
        if not a.option_strings or a.dest == "help" or a.required:
            continue
        shown = fmt._get_help_string(a) % {"default": a.default}
        assert "default" in shown, f"{name} {a.option_strings}: no default in {shown!r}"


def test_demo_unknown_framework_is_bad_input(tmp_path):
    rc, _, err = cli("demo", "--frameworks", "caffe", "--out", tmp_path / "d")
    assert rc == 2 and "unknown framework 'caffe'" in err and err.count("\n") == 1
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("argv", [
    ["eval", *MODEL, "--voc-root", VOC, "--json", "{ro}/r.json"],
    ["parity", *MODEL, "--voc-root", VOC, "--json", "{ro}/r.json"],
    ["infer", *MODEL, VOC / "JPEGImages", "-o", "{ro}/masks"],
    ["demo", "--frameworks", "torch", "--out", "{ro}/demo"],
    ["convert", *MODEL, "--to", "onnx", "-o", "{ro}/m.onnx"],
    ["eval", *MODEL, "--voc-root", VOC, "--json", "{missing}/r.json"],
    ["infer", *MODEL, VOC / "JPEGImages", "-o", "{missing}/masks"],
    ["demo", "--out", "{missing}/demo"],
    ["eval", *MODEL, "--voc-root", VOC, "--json", "{dir}"],
])
def test_unwritable_outputs_fail_early_with_one_line(tmp_path, argv):
    if os.geteuid() == 0 and any("{ro}" in str(a) for a in argv):
        ro = tmp_path / "ro"  # root ignores modes: a file where the folder should be
        ro.write_text("")
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
    (tmp_path / "dir").mkdir()
    subs = {"ro": ro, "missing": tmp_path / "missing", "dir": tmp_path / "dir"}
    rc, out, err = cli(*[str(a).format(**subs) for a in argv])
    assert rc == 2, err
    assert err.startswith("caffe2ss: error:") and err.count("\n") == 1, err
    assert "Traceback" not in err and out == ""  # nothing ran before the check


def test_wrong_sized_parity_input_is_one_line_exit_2(tmp_path):
    case = ORACLE / "fcn8s_thin"
    x = tmp_path / "x.npy"
    np.save(x, np.zeros((1, 3, 50, 60), np.float32))
    rc, out, err = cli("parity", case / "weights.caffemodel", "--prototxt",
                       case / "deploy.prototxt", "--input", x, "--reference",
                       case / "blobs.npz")
    assert rc == 2 and "(1, 3, 187, 253)" in err and err.count("\n") == 1
    assert out == ""


def test_parity_mismatch_is_exit_1(tmp_path):
    case = ORACLE / "fcn8s_thin"
    ref = dict(np.load(case / "blobs.npz"))
    ref["score"] = ref["score"] + 1.0  # a real mismatch, not bad input
    np.savez(tmp_path / "bad.npz", **ref)
    rc, out, _ = cli("parity", case / "weights.caffemodel", "--prototxt",
                     case / "deploy.prototxt", "--input", case / "input.npy",
                     "--reference", tmp_path / "bad.npz")
    assert rc == 1 and "parity: FAIL" in out


def test_interrupt_is_130(monkeypatch, tmp_path):
    from caffe2ss.converter.cli import inspect as inspect_cmd

    def boom(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(inspect_cmd, "run", boom)
    rc, _, err = cli("inspect", *MODEL)
    assert rc == 130 and err.strip() == "caffe2ss: interrupted"


def test_oserror_during_work_is_one_line_exit_2(monkeypatch, tmp_path):
    from caffe2ss.converter.cli import inspect as inspect_cmd

    def full(args):
        raise OSError(28, "No space left on device", str(tmp_path / "x"))

    monkeypatch.setattr(inspect_cmd, "run", full)
    rc, _, err = cli("inspect", *MODEL)
    assert rc == 2 and "No space left on device" in err and err.count("\n") == 1
