"""Constant-border compression in the ONNX graph (the plan: ``converter/borders.py``).

A compressed value holds only the kept rows of its runs of identical rows; a layer
that needs other kept counts, or the full blob, reads a ``Gather`` of it along H and W
(the rows of a run are identical, so any number of them can be made). The export
(``export.py``) runs the plan's cut convolutions with the plan's parameters.
"""
from __future__ import annotations

from caffe2ss.converter import borders


def read(g, x: str, have, want, cache: dict) -> str:
    """``x`` (laid out as ``have``; None = full) as ``want`` (None = full): a Gather of
    it along H and W (made once per value and layout)."""
    key = (x, borders.layout_key(want))
    if key in cache:
        return cache[key]
    y, shape = x, list(g.shapes[x])
    for axis, idx in enumerate(borders.gather_indices(have, want), start=2):
        if idx is not None:
            y = g.op("Gather", [y, g.const("rows", idx, idx.dtype)], "regathered", axis=axis)
            shape[axis] = len(idx)
            g.shapes[y] = tuple(shape)
    cache[key] = y
    return y
