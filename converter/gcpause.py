"""Pause Python's cyclic garbage collector while a net's many objects are built.

Reading, inferring and rebuilding a net creates a few objects per layer, none of them
in reference cycles; with 100k layers the collector's repeated full passes over that
growing heap took about 30% of the CPU time. :func:`gc_paused` (a context manager and
decorator) turns the collector off for the duration and back on after, if it was on;
nested uses keep it off until the outermost ends. Reference counting still frees
everything as usual; only cycles wait for the next collection.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """Disable the cyclic GC inside the block (no-op if it is already disabled)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
