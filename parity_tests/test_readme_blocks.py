"""Every README code block runs as printed (issue 11).

The test copies nothing: it works in a temporary folder holding links to the shipped
``examples/`` and ``parity_tests/data/``, runs every ``bash`` block line by line
with the installed ``caffe2ss`` on PATH (each line must exit 0), then every ``python``
block in README order, each in a fresh namespace of one process (they load the files
the shell blocks wrote, as a reader would). Blocks that must not run in CI carry an explicit
``<!-- readme-test: skip (REASON) -->`` marker; the list of skipped blocks is pinned
here so a new skip is a reviewed change.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.readme_blocks import ROOT, readme_blocks

BLOCKS = readme_blocks()
#: The only blocks allowed to skip: (language, first words) -> why.
ALLOWED_SKIPS = {
    ("bash", "git clone"): "installs packages",
    ("bash", "python3 -m venv"): "installs packages (demo / test suite)",
    ("bash", "caffe2ss inspect deeplab.caffemodel"): "user's files",
    ("bash", "caffe2ss convert deeplab.caffemodel"): "user's files",
    ("bash", "caffe2ss convert fcn8s.caffemodel"): "user's files",
    ("bash", "caffe2ss parity fcn8s.caffemodel"): "user's files",
    ("bash", "caffe2ss eval fcn8s.caffemodel"): "user's files",
    ("bash", "caffe2ss eval examples/trained_fcn8s_shapes/weights.caffemodel --prototxt "
     "examples/trained_fcn8s_shapes/deploy.prototxt --voc-root examples/shapes-voc --crf"):
        "DenseCRF over 60 images twice: minutes; test_crf*.py cover it",
    ("bash", "caffe2ss train fcn8s --voc-root VOCdevkit"): "user's files",
    ("bash", "caffe2ss train mobilenetv2_unet"): "training: minutes; test_train_registry.py",
    ("bash", "caffe2ss train fcn8s --voc-root shapes-voc"): "training: minutes; test_train_torch.py",
    ("bash", "caffe2ss train deeplab_largefov ... --nproc"): "distributed; test_train_dist.py",
}


def _env():
    env = dict(os.environ, OMP_NUM_THREADS="1", CI="1", TF_CPP_MIN_LOG_LEVEL="3")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("readme")
    (d / "examples").symlink_to(ROOT / "examples")
    (d / "parity_tests").mkdir()
    (d / "parity_tests" / "data").symlink_to(ROOT / "parity_tests/data")
    return d


def test_skipped_blocks_are_the_reviewed_ones():
    for b in BLOCKS:
        if b.skip is None:
            continue
        key = next((k for k in ALLOWED_SKIPS if b.lang == k[0] and b.code.startswith(k[1])),
                   None)
        assert key is not None, f"README line {b.line}: new skipped block {b.code[:60]!r}"


def test_every_block_is_bash_python_or_skipped():
    assert {b.lang for b in BLOCKS} <= {"bash", "python"}
    assert sum(b.lang == "python" and b.skip is None for b in BLOCKS) >= 3
    assert sum(b.lang == "bash" and b.skip is None for b in BLOCKS) >= 3


#: Runs the python blocks in one process (one framework import), each in a fresh
#: namespace, in README order; prints the README line of the first failure. A line
#: ``name = ...  # ... (1, 21, 224, 224)`` promises that shape: it is checked too, and
#: the number of shapes checked is printed last.
_DRIVER = r"""
import json, re, sys, traceback
SHAPE = re.compile(r"^(\w+) = .*#[^#\n]*?\((\d+(?:, \d+)+)\)[ \t]*$", re.M)
checked = 0
for line, code in json.load(sys.stdin):
    scope = {"__name__": "__main__"}
    try:
        exec(compile(code, f"README.md:{line}", "exec"), scope)
    except BaseException:
        traceback.print_exc()
        sys.exit(f"README line {line} failed")
    for var, dims in SHAPE.findall(code):
        want, got = tuple(int(d) for d in dims.split(", ")), tuple(scope[var].shape)
        if got != want:
            sys.exit(f"README line {line}: {var} has shape {got}; its comment says {want}")
        checked += 1
print("shapes checked:", checked)
"""


def test_readme_blocks_run_in_order(workdir):
    """The bash blocks first (they write the files the python blocks load), in order."""
    ran = 0
    for b in BLOCKS:
        if b.skip is None and b.lang == "bash":
            for cmd in _commands(b.code):
                r = subprocess.run(["bash", "-c", cmd], cwd=workdir, env=_env(),
                                   capture_output=True, text=True)
                assert r.returncode == 0, f"README line {b.line}: {cmd}\n{r.stderr[-2000:]}"
            ran += 1
    py = [(b.line, b.code) for b in BLOCKS if b.skip is None and b.lang == "python"]
    r = subprocess.run([sys.executable, "-c", _DRIVER], input=json.dumps(py), cwd=workdir,
                       env=_env(), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    assert ran + len(py) >= 6
    # the model-family examples state their output shapes; each is checked
    assert int(r.stdout.rsplit("shapes checked:", 1)[1]) >= 4, r.stdout[-500:]
    # what the blocks promise exists
    for name in ("fcn8s_shapes.pt", "fcn8s_shapes.index", "fcn8s_shapes.onnx",
                 "miou.json", "report.json", "fcn8s_api.pt"):
        assert (workdir / name).exists(), name
    assert len(list((workdir / "masks").glob("*.png"))) == 60


def _commands(code: str) -> list[str]:
    """Shell lines, continuation lines joined; comments after the command kept out."""
    out, cur = [], ""
    for line in code.splitlines():
        cur += line.rstrip("\\") + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            if cur.strip():
                out.append(cur)
            cur = ""
    return out
