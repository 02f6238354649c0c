"""Check a conversion's output paths before any work starts.

Outputs are written to a temporary file and renamed over the target, and a rename
replaces whatever is there. So a target must be absent or a regular file (never a
device such as ``/dev/null``, a directory, a symbolic link or a FIFO), must not be one
of the conversion's inputs (``-o`` equal to the ``.caffemodel`` would replace it), and
its folder must exist and be writable. Every problem is a one-line :class:`CaffeError`.
"""
from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

from .errors import CaffeError


#: The suffixes of TF's converted files (dropped from ``-o`` to get the common prefix).
TF_SUFFIXES = (".weights.h5", ".index", ".json", ".savedmodel")


def tf_stem(path) -> Path:
    """The common prefix of a TF conversion's files (``x.weights.h5`` -> ``x``)."""
    path = Path(path)
    shard = re.match(r"(.+)\.data-\d{5}-of-\d{5}$", path.name)
    if shard:
        return path.with_name(shard[1])
    for suffix in TF_SUFFIXES:
        if path.name.endswith(suffix) and len(path.name) > len(suffix):
            return path.with_name(path.name[: -len(suffix)])
    return path


def conversion_targets(framework: str, out) -> list[tuple[Path, bool]]:
    """``(path, may_be_a_folder)`` for every file a conversion to ``framework`` writes."""
    out = Path(out)
    if framework == "onnx":  # + the external data file of a model over protobuf's limit
        return [(out, False), (out.with_name(out.name + ".data"), False),
                (out.with_name(out.name + ".json"), False)]
    if framework != "tf":
        return [(out, False), (out.with_name(out.name + ".json"), False)]
    base = tf_stem(out)
    files = [base.with_name(base.name + s) for s in (".index", ".weights.h5", ".json",
                                                    ".data-00000-of-00001")]
    return [(f, False) for f in files] + [(base.with_name(base.name + ".savedmodel"), True)]


def check_outputs(framework: str, out, inputs=()) -> None:
    """Raise CaffeError unless every target of the conversion can be safely written."""
    sources = [_identity(p) for p in inputs if p is not None]
    probed = set()
    for target, folder_ok in conversion_targets(framework, out):
        check_target(target, sources, folder_ok)
        if target.parent not in probed:
            probed.add(target.parent)
            _probe_writable(target.parent)


def check_target(target: Path, sources=(), folder_ok: bool = False) -> None:
    """One target: absent or a regular file (a folder where ``folder_ok``), not an input."""
    parent = target.parent
    if not parent.is_dir():
        raise CaffeError("the output folder does not exist; create it first", file=parent)
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as e:
        raise CaffeError(f"cannot use this output path ({e.strerror}); choose another -o",
                         file=target) from None
    if stat.S_ISLNK(st.st_mode):
        raise CaffeError("the output is a symbolic link; caffe2ss replaces only regular "
                         "files, give the real path or another -o", file=target)
    if stat.S_ISDIR(st.st_mode) and not folder_ok:
        raise CaffeError("the output is an existing folder; give a file name inside it, "
                         f"e.g. -o {target / 'model'}", file=target)
    if not (stat.S_ISREG(st.st_mode) or (folder_ok and stat.S_ISDIR(st.st_mode))):
        raise CaffeError("the output exists and is not a regular file (a device, FIFO or "
                         "socket); caffe2ss will not replace it, choose another -o",
                         file=target)
    if (st.st_dev, st.st_ino) in sources:
        raise CaffeError("the output is one of the conversion's inputs and would replace "
                         "it; choose another -o", file=target)


def _identity(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _probe_writable(folder: Path) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=".caffe2ss-probe.", dir=folder)
    except OSError as e:
        raise CaffeError(f"cannot write in the output folder ({e.strerror}); choose a "
                         "writable place for -o", file=folder) from None
    os.close(fd)
    os.unlink(tmp)
