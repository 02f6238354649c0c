"""Read ``.npy`` / ``.npz`` inputs safely: header, dtype and size checked first.

A 147-byte ``.npy`` can declare 2^40 elements; a string, structured or object dtype
makes numpy raise ValueError/TypeError later; an ``.npz`` member can be an object
array. Here a file is accepted only if it is a regular file, every array has a
numeric (or bool) dtype, its declared size matches the bytes present, and the total
fits the memory budget (:mod:`.budget`). Never unpickles.
"""
from __future__ import annotations

import os
import stat
import zipfile

import numpy as np

from .budget import human, max_memory
from .errors import CaffeError


def _check_header(f, what: str, path, size_left: int, name: str = "") -> int:
    """Validate one array header read from ``f``; returns the array's byte size."""
    fmt = np.lib.format
    where = f" (entry '{name}')" if name else ""
    try:
        version = fmt.read_magic(f)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"format version {version}; numpy.save writes 1.0 or 2.0")
        read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, _, dtype = read(f)
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as e:
        raise CaffeError(f"{what}: not a valid .npy array{where} ({e})", file=path) from None
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None \
            or dtype.kind not in "biuf":
        raise CaffeError(f"{what}: dtype {dtype}{where} is not numeric; save a float32 "
                         "array (numpy.save(path, x.astype('float32')))", file=path)
    count = 1
    for d in shape:
        count *= int(d)
    nbytes = count * dtype.itemsize
    if nbytes != size_left - f.tell():
        raise CaffeError(f"{what}: the header declares shape {shape} ({human(nbytes)}) but "
                         f"the file holds {human(max(size_left - f.tell(), 0))} of data"
                         f"{where}: truncated or corrupt", file=path)
    return nbytes


def _regular(path, what: str) -> int:
    try:
        st = os.stat(path)
    except OSError as e:
        raise CaffeError(f"cannot read {what}: {e.strerror}", file=path) from None
    if not stat.S_ISREG(st.st_mode):
        raise CaffeError(f"{what} is not a regular file", file=path)
    return st.st_size


def load_checked(path, what: str):
    """``np.ndarray`` (.npy) or ``{name: array}`` (.npz) after the checks above."""
    size = _regular(path, what)
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic.startswith(b"PK"):
        return _load_npz(path, what)
    with open(path, "rb") as f:
        nbytes = _check_header(f, what, path, size)
    _fits(nbytes, what, path)
    return np.load(path, allow_pickle=False)


def _load_npz(path, what: str) -> dict:
    total = 0
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            for info in infos:
                if not info.filename.endswith(".npy"):
                    raise CaffeError(f"{what}: entry '{info.filename}' is not an .npy "
                                     "array", file=path)
                with z.open(info) as f:
                    total += _check_header(f, what, path, info.file_size, info.filename)
                _fits(total, what, path)
            return {i.filename[:-4]: np.load(z.open(i), allow_pickle=False) for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as e:
        raise CaffeError(f"{what}: not a readable .npz ({e})", file=path) from None


def _fits(nbytes: int, what: str, path) -> None:
    if nbytes > max_memory():
        raise CaffeError(f"{what} declares {human(nbytes)}, over the memory budget of "
                         f"{human(max_memory())}; raise it with --max-memory if this is "
                         "intended", file=path)
