"""Run the ``caffe2ss`` command in-process: ``(exit status, stdout, stderr)``."""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

from caffe2ss.converter.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "trained_fcn8s_shapes"
MODEL = [str(EXAMPLE / "weights.caffemodel"), "--prototxt", str(EXAMPLE / "deploy.prototxt")]
VOC = ROOT / "examples" / "shapes-voc"
ORACLE = ROOT / "parity_tests" / "data" / "oracle"


def cli(*argv) -> tuple[int, str, str]:
    """``main(argv)``; argparse's SystemExit becomes its status."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main([str(a) for a in argv])
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    return rc, out.getvalue(), err.getvalue()
