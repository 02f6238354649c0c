"""Early checks for the outputs of eval, parity, infer and demo (convert: :mod:`.outpaths`).

One policy (stated in every subcommand's ``--help``): the folder holding an output must
exist; caffe2ss creates only the output directory named by ``infer -o`` / ``demo --out``,
never its parents. Every check runs before any model is read or image evaluated, and
fails with a one-line :class:`CaffeError`.
"""
from __future__ import annotations

from pathlib import Path

from .errors import CaffeError
from .outpaths import _probe_writable, check_target


def check_output_file(path) -> None:
    """A single output file (``--json``): absent or a regular file in a writable folder."""
    if path is None:
        return
    path = Path(path)
    check_target(path)
    _probe_writable(path.parent)


def check_output_dir(path) -> None:
    """An output directory: absent (its parent then exists) or a writable directory."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise CaffeError("the output exists and is a file; give a directory for -o/--out",
                         file=path)
    if not path.exists():
        parent = path.parent
        if not parent.is_dir():
            raise CaffeError("the output's parent folder does not exist; create it first "
                             "(caffe2ss creates only the output directory itself)",
                             file=parent)
        _probe_writable(parent)
    else:
        _probe_writable(path)
