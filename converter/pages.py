"""Keep a memory-mapped caffemodel out of the resident set while its weights are written.

The reader maps a caffemodel (:func:`map_read_only`) and the weights are numpy views of
that map, so a conversion copies them out without a copy of its own. But every mapped
page that has been touched counts in the process's RSS until it is unmapped: writing
a 538 MB model held 538 MB of file pages on top of the framework. :func:`trimmed`
runs a thread that drops the map's pages from this process every
:data:`INTERVAL` seconds (``madvise(MADV_DONTNEED)``) while a writer reads them,
including inside a library's C++ code (``torch.save`` checksums a 411 MB tensor
before writing it; that releases the GIL). The pages stay in the page cache: a page
read again is a minor fault (the kernel maps 64 KiB around it), not a disk read.

Only maps made by :func:`map_read_only` are trimmed: they are shared and read-only,
so dropping a page never loses data (a private map's modified pages would be lost).
"""
from __future__ import annotations

import mmap
import threading
from contextlib import contextmanager

#: Seconds between two trims: at ~3 GB/s of reading, about 30 MB resident between them.
INTERVAL = 0.01


class ReadOnlyMap(mmap.mmap):
    """A read-only shared map of a whole file (what :func:`trimmed` may trim)."""


def map_read_only(fileno: int) -> ReadOnlyMap:
    """Map the open file ``fileno`` whole, read-only and shared."""
    return ReadOnlyMap(fileno, 0, access=mmap.ACCESS_READ)


def maps_of(arrays) -> list[ReadOnlyMap]:
    """The distinct :class:`ReadOnlyMap` objects the numpy ``arrays`` are views of."""
    found: dict[int, ReadOnlyMap] = {}
    for a in arrays:
        x, depth = a, 0
        while x is not None and depth < 64:  # ndarray.base ... memoryview.obj -> the map
            if isinstance(x, ReadOnlyMap):
                found[id(x)] = x
                break
            x = x.obj if isinstance(x, memoryview) else getattr(x, "base", None)
            depth += 1
    return list(found.values())


def drop(maps) -> None:
    """Unmap every resident page of ``maps`` from this process (the data stays cached)."""
    for m in maps:
        try:
            m.madvise(mmap.MADV_DONTNEED)
        except (AttributeError, OSError, ValueError):  # no madvise here, or a closed map
            pass


@contextmanager
def trimmed(arrays, interval: float = INTERVAL):
    """Inside the block, keep the pages of the maps ``arrays`` view out of the RSS.

    Yields a function that drops them at once (e.g. after a piece has been copied)."""
    maps = maps_of(arrays)
    if not maps or not hasattr(mmap, "MADV_DONTNEED"):
        yield lambda: None
        return
    stop = threading.Event()

    def loop():
        while not stop.wait(interval):
            drop(maps)

    thread = threading.Thread(target=loop, name="caffe2ss-trim", daemon=True)
    thread.start()
    try:
        yield lambda: drop(maps)
    finally:
        stop.set()
        thread.join()
        drop(maps)
