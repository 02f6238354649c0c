"""Atomic file writing and file hashes for converted outputs (their provenance record:
:mod:`.provenance`)."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import CaffeError


@contextmanager
def atomic_path(final, suffix: str | None = None):
    """Yield a temporary path next to ``final``; rename it to ``final`` on success.

    On any error the temporary file is removed and ``final`` is untouched, so a failed
    conversion never leaves a partial output.
    """
    final = Path(final)
    if final.parent and not final.parent.exists():
        raise CaffeError("the output folder does not exist; create it first",
                         file=final.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=suffix or final.suffix,
                               dir=final.parent or ".")
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the usual file mode
    try:
        yield Path(tmp)
        os.replace(tmp, final)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(final, data: bytes) -> None:
    """Write ``data`` to ``final`` atomically."""
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)


def write_json_atomic(final, obj) -> None:
    """Write ``obj`` as stable, sorted, indented JSON atomically."""
    write_bytes_atomic(final, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode())


def sha256(path) -> str:
    """Hex sha256 of a file, read in 8 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 23), b""):
            h.update(chunk)
    return h.hexdigest()


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("caffe2ss")
    except Exception:
        return "unknown"
