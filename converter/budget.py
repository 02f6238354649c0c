"""The memory budget of a run: how many bytes caffe2ss may plan to hold at once.

The default is a quarter of the machine's physical memory (``os.sysconf``), so a corrupt or
absurd file is refused with a clear error instead of being killed by the kernel or
swapping. ``--max-memory`` (e.g. ``4G``, ``512M``) or ``CAFFE2SS_MAX_MEMORY`` sets it.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

from .errors import CaffeError

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str) -> int:
    """``4G``, ``512M``, ``1.5G``, ``1000000`` -> bytes."""
    t = str(text).strip().upper().removesuffix("B").removesuffix("I")
    unit = t[-1:] if t[-1:] in _UNITS and t[-1:] else ""
    try:
        value = float(t[: len(t) - len(unit)] if unit else t) * _UNITS[unit]
    except ValueError:
        value = -1
    if not value > 0 or value != value:
        raise CaffeError(f"bad memory size '{text}': use e.g. 4G, 512M or a byte count",
                         field="max-memory")
    return int(value)


def physical_memory() -> int:
    """Bytes of physical memory (4 GiB if the platform does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 4 * 2**30


_override: int | None = None


def max_memory() -> int:
    """The budget in bytes: ``set_max_memory``, else ``CAFFE2SS_MAX_MEMORY``, else a
    quarter of the physical memory (other processes, and framework overhead, need
    the rest)."""
    if _override is not None:
        return _override
    env = os.environ.get("CAFFE2SS_MAX_MEMORY")
    return parse_size(env) if env else physical_memory() // 4


def set_max_memory(value) -> None:
    """Set the budget for this process (``None``: back to the default)."""
    global _override
    _override = None if value is None else parse_size(value)


@contextmanager
def limited(value):
    """Use budget ``value`` (None: leave it as is) inside the ``with`` block."""
    global _override
    saved = _override
    if value is not None:
        _override = parse_size(value)
    try:
        yield
    finally:
        _override = saved


def human(n: int) -> str:
    """Bytes as a short size (``1.5 GiB``)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n} B"
