"""sha256 of the files a conversion reads and writes, without a pass of its own.

A 538 MB caffemodel takes about 0.3 s of one core to hash, and its converted output as
much again; done in line, the two passes were a fifth of a conversion. So:

* :func:`hash_soon` starts hashing an input in a background thread as soon as its path
  is known (the CLI calls it before importing a framework); :func:`sha256` of the same,
  unchanged file (same device, inode, size and mtime) then waits for that result
  instead of reading the file again. ``hashlib`` and file reads release the GIL, so the
  hash runs on another core while the main thread imports and parses.
* :class:`HashingWriter` is a binary file opened for writing that hashes what goes
  through it; a large write is hashed in a second thread while it is being written, so
  the output's sha256 costs no extra pass and (on two cores) almost no time.
* :class:`FinishedFiles` hashes files another library writes (TF's checkpoint shards,
  h5py's file), each in a helper thread as soon as it is complete, while the next one
  is being written.
"""
from __future__ import annotations

import hashlib
import mmap
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

#: Bytes hashed per step when hashing a file: large, so that a thread hashing while the
#: main thread runs Python hands the GIL over rarely (each step releases it).
READ_CHUNK = 1 << 24
#: Writes at least this large are hashed in the helper thread while they are written.
PARALLEL_MIN = 1 << 20

#: (device, inode, size, mtime_ns) -> the sha256 being (or already) computed
_pending: dict[tuple, Future] = {}


def _identity(path) -> tuple:
    st = os.stat(path)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _hash_open(f) -> str:
    """sha256 of the open binary file ``f`` (from its start), which it then closes.

    The file is hashed through a private read-only map, each :data:`READ_CHUNK` dropped
    from this process once hashed: no copy into a buffer (``read`` cost 0.1-0.25 s of
    system time per 538 MB, the map 0.05 s) and no growth of the RSS. A file that
    cannot be mapped (empty, a pipe) is read instead.
    """
    with f:
        h = hashlib.sha256()
        size = os.fstat(f.fileno()).st_size
        try:
            m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        except (OSError, ValueError):
            m = None
        if m is None:
            buf = bytearray(min(READ_CHUNK, max(1, size)))
            view = memoryview(buf)
            while n := f.readinto(buf):
                h.update(view[:n])
            return h.hexdigest()
        with m, memoryview(m) as view:
            for start in range(0, len(m), READ_CHUNK):
                h.update(view[start:start + READ_CHUNK])
                if hasattr(mmap, "MADV_DONTNEED"):
                    m.madvise(mmap.MADV_DONTNEED, start, min(READ_CHUNK, len(m) - start))
    return h.hexdigest()


def _hash_file(path) -> str:
    return _hash_open(open(path, "rb", buffering=0))


def hash_soon(path) -> None:
    """Start hashing ``path`` in a daemon thread (nothing if already started, or if
    ``path`` cannot be read: :func:`sha256` then reads it and reports the error)."""
    try:
        key = _identity(path)
    except OSError:
        return
    if key in _pending:
        return
    fut: Future = Future()
    _pending[key] = fut

    def work():
        try:
            fut.set_result(_hash_file(path))
        except BaseException as e:  # noqa: BLE001 - handed to the waiting caller
            fut.set_exception(e)

    threading.Thread(target=work, name="caffe2ss-sha256", daemon=True).start()


def sha256(path) -> str:
    """Hex sha256 of a file: the background result of :func:`hash_soon` when the file
    is unchanged since, else read now (in 16 MiB chunks)."""
    try:
        fut = _pending.get(_identity(path))
    except OSError:
        fut = None
    if fut is not None:
        try:
            return fut.result()
        except OSError:
            pass  # the background read failed: read now, and report the error from here
    return _hash_file(path)


class HashingWriter:
    """A file opened for binary writing (``open(path, "wb")``) whose :meth:`hexdigest`
    is the sha256 of every byte written. Use as a context manager."""

    def __init__(self, path):
        self._f = open(path, "wb")
        self._h = hashlib.sha256()
        self._pool: ThreadPoolExecutor | None = None
        self.size = 0

    def write(self, data) -> int:
        """Write ``data`` (any contiguous buffer) and hash it; returns its length."""
        view = memoryview(data).cast("B")
        n = view.nbytes
        if n >= PARALLEL_MIN:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="caffe2ss-sha256")
            job = self._pool.submit(self._h.update, view)  # the buffer outlives both:
            try:                                           # this call waits for the hash
                self._f.write(view)
            finally:
                job.result()
        else:
            self._h.update(view)
            self._f.write(view)
        self.size += n
        return n

    def flush(self) -> None:
        self._f.flush()

    def hexdigest(self) -> str:
        return self._h.hexdigest()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class FinishedFiles:
    """sha256 of complete files, in a helper thread: :meth:`add` each as it is finished
    (it is opened at once, so a later rename or delete does not matter), then
    :meth:`digests`."""

    def __init__(self):
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="caffe2ss-sha256")
        self._jobs: dict[str, Future] = {}

    def add(self, name: str, path) -> None:
        """Hash ``path`` (complete, not written again) and report it as ``name``."""
        self._jobs[name] = self._pool.submit(_hash_open, open(path, "rb", buffering=0))

    def digests(self) -> dict[str, str]:
        """name -> hex sha256 of every added file (waits for them)."""
        try:
            return {name: job.result() for name, job in self._jobs.items()}
        finally:
            self._pool.shutdown()
