"""A seeded sample of the fuzz campaign (tools/fuzz.py) runs in the suite.

Mutated fixtures (bit flips, truncation at field boundaries, varint corruption, huge
dims, packed-length mismatches, deep nesting, prototxt mutations) and the scale cases
go through the reader, shape inference and a torch forward in worker processes.
Every input must end ``ok`` or in a ``CaffeError``: no other exception, no dead
worker, no peak-RSS growth over 512 MiB. The hang bound here is 30 s of CPU per
input, a hang detector and not a benchmark (the house rules forbid timed
assertions); the 2 s bound is the tool's, for campaigns (see the closing table).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"
#: inputs in the CI sample (seed 0); the scale cases sit at every 500th index.
N = 1000


def test_seeded_fuzz_sample(monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.syspath_prepend(str(TOOLS))
    import fuzz

    rep = fuzz.campaign(N, seed=0, jobs=2, budget="256M", time_limit=30.0, mem_bound=512)
    assert rep["n"] == N
    assert rep["counts"]["crash"] == 0, rep["bad"]
    assert rep["counts"]["time"] == 0, rep["bad"]
    assert rep["counts"]["memory"] == 0, rep["bad"]
    assert rep["counts"]["CaffeError"] > N // 2  # the mutations really break files
    assert rep["counts"]["ok"] > 0
    assert sum(c.get("ok", 0) + c.get("CaffeError", 0)
               for k, c in rep["by_mutator"].items() if k.startswith("scale")) or N < 500
