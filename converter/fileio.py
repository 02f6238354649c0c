"""Atomic file writing and file hashes for converted outputs (their provenance record:
:mod:`.provenance`; the hashes themselves: :mod:`.hashing`)."""
from __future__ import annotations

import json
import os
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from .errors import CaffeError
from .generation import clean_stale, tmp_prefix
from .hashing import sha256  # noqa: F401 (the file hash every output records)
from .outpaths import check_target


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
    check_target(final)  # never rename over a device, folder or link
    clean_stale(final.parent, final.name)  # temporaries of an earlier, killed run
    fd, tmp = tempfile.mkstemp(prefix=tmp_prefix(final.name), suffix=suffix or final.suffix,
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


@contextmanager
def deferred_interrupt():
    """Hold a Ctrl-C (SIGINT) until the block ends, then raise KeyboardInterrupt.

    For writers that break if interrupted half-way (``torch.save``'s C++ zip writer
    turns a KeyboardInterrupt into ``RuntimeError: unexpected pos``). Only the main
    thread can install signal handlers; elsewhere the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    old = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old if old is not None else signal.default_int_handler)
    if caught:
        raise KeyboardInterrupt


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


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("caffe2ss")
    except Exception:
        return "unknown"
