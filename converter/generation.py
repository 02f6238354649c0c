"""A conversion's files as one set: quick fingerprints in the sidecar, stale temps.

Each output file is renamed into place atomically, but a conversion writes several
(weights, TF checkpoint shards, ``.weights.h5``, the sidecar). The sidecar is
always renamed last and records, for every file it describes, its size and a
quick hash (:func:`fingerprint`); readers call :func:`verify` before loading, so new
weights next to an old sidecar (a kill between two renames, or a mixed overwrite)
are refused instead of run. Temporary files and folders are named
``.<name>.caffe2ss-tmp.<pid>.*``; :func:`clean_stale` removes those whose process
is gone (a killed earlier run) before the next conversion to the same name.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from .errors import CaffeError

#: Bytes hashed at each of the sampled offsets.
CHUNK = 1 << 16
#: Offsets sampled across a file (plus its last chunk).
SAMPLES = 16
TMP_TAG = ".caffe2ss-tmp."


def fingerprint(path) -> dict:
    """``{"size", "quick_hash"}``: blake2b of the size and 16 evenly spaced 64 KiB chunks
    plus the last one; a few MB read whatever the file's size."""
    size = os.path.getsize(path)
    h = hashlib.blake2b(str(size).encode(), digest_size=16)
    with open(path, "rb") as f:
        offsets = sorted({size * i // SAMPLES for i in range(SAMPLES)} | {max(0, size - CHUNK)})
        for off in offsets:
            f.seek(off)
            h.update(f.read(CHUNK))
    return {"size": size, "quick_hash": h.hexdigest()}


def verify(path, recorded, side=None) -> None:
    """Raise CaffeError unless ``path`` matches the fingerprint ``recorded`` (a sidecar
    without one, written before this check existed, is accepted)."""
    if not isinstance(recorded, dict) or "quick_hash" not in recorded:
        return
    try:
        now = fingerprint(path)
    except OSError as e:
        raise CaffeError(f"cannot read the converted file ({e.strerror})", file=path) from None
    if now != {"size": recorded.get("size"), "quick_hash": recorded["quick_hash"]}:
        raise CaffeError(f"this file does not match its sidecar {Path(side or '').name or ''} "
                         "(size or quick hash differ): the conversion was interrupted or "
                         "mixed with another one; convert the model again", file=path)


def verify_set(meta: dict, folder, side=None) -> None:
    """Verify every file the sidecar ``meta`` fingerprints that is present in ``folder``."""
    fps = meta.get("fingerprints")
    if not isinstance(fps, dict):
        return
    for name, fp in fps.items():
        if not isinstance(name, str) or "/" in name or name in ("", ".", ".."):
            raise CaffeError("the sidecar's 'fingerprints' names a path, not a file name; "
                             "convert the model again", file=side, field="fingerprints")
        p = Path(folder) / name
        if p.is_file():
            verify(p, fp, side)


def tmp_prefix(name: str) -> str:
    """Prefix of this process's temporary files for output ``name``."""
    return f".{name}{TMP_TAG}{os.getpid()}."


def clean_stale(folder, name: str) -> None:
    """Remove temporaries for ``name`` left by processes that no longer run."""
    folder = Path(folder)
    try:
        entries = list(folder.glob(f".{glob_escape(name)}{TMP_TAG}*"))
    except OSError:
        return
    for p in entries:
        pid = p.name[len(name) + 1 + len(TMP_TAG):].split(".", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            try:
                p.unlink()
            except OSError:
                pass


def glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
