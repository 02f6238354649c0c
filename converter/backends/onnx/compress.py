"""Constant-border compression in the ONNX graph (the plan: ``converter/borders.py``).

A compressed value holds only the kept rows of its runs of identical rows; a layer
that needs other kept counts, or the full blob, reads a ``Gather`` of it along H and W
(the rows of a run are identical, so any number of them can be made).
"""
from __future__ import annotations

import dataclasses

from caffe2ss.converter.borders import full_of, gather_index


def read(g, x: str, have, want, cache: dict) -> str:
    """``x`` (laid out as ``have``; None = full) as ``want`` (None = full): a Gather of
    it along H and W (made once per value and layout)."""
    have = have or full_of(want)
    want = want or full_of(have)
    key = (x, tuple(a.key() for a in want))
    if key in cache:
        return cache[key]
    y, shape = x, list(g.shapes[x])
    for axis, (h, w) in enumerate(zip(have, want), start=2):
        idx = gather_index(h, w)
        if idx is not None:
            y = g.op("Gather", [y, g.const("rows", idx, idx.dtype)], "regathered", axis=axis)
            shape[axis] = len(idx)
            g.shapes[y] = tuple(shape)
    cache[key] = y
    return y


def expand_to(g, x: str, have, name: str) -> None:
    """Write the full blob of ``x`` (laid out as ``have``) to the value ``name``."""
    y = read(g, x, have, None, {})
    g.node("Identity", [y], [name])


def with_pad(layer, pad):
    """The layer with its convolution pad replaced (the plan's cut zero padding)."""
    return dataclasses.replace(layer, params=dataclasses.replace(layer.params, pad=pad))
