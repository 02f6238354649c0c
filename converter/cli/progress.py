"""Step progress for ``convert`` on a terminal (quiet under --json, CI or a pipe)."""
from __future__ import annotations

import os
import sys
import time

from .common import progress_allowed


def _size(paths) -> int:
    total = 0
    for p in paths:
        for root, _, files in os.walk(p) if os.path.isdir(p) else [("", [], [p])]:
            for f in files:
                try:
                    total += os.path.getsize(os.path.join(root, f))
                except OSError:
                    pass
    return total


class Steps:
    """``start(label, *inputs)`` / ``done(outputs)``: one line per step, with bytes."""

    def __init__(self, json_mode: bool = False):
        self.on = progress_allowed(json_mode)
        self.t0, self.label = 0.0, ""

    def start(self, label: str, *inputs) -> None:
        self.t0, self.label = time.monotonic(), label
        if self.on:
            size = _size([p for p in inputs if p])
            extra = f" ({size / 1e6:.1f} MB)" if size else ""
            print(f"  {label}{extra} ...", end="", file=sys.stderr, flush=True)

    def done(self, outputs=()) -> None:
        if self.on:
            size = _size([str(p) for p in outputs])
            extra = f", {size / 1e6:.1f} MB written" if size else ""
            print(f" done in {time.monotonic() - self.t0:.1f} s{extra}", file=sys.stderr)
