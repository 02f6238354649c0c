"""Caffe's size formulas written once, over any integer type: Python ints (shape
inference), TensorFlow int tensors (sizes computed in the graph) and the ONNX backend's
``Dim`` (static or in-graph). Only ``+ - * //`` and a comparison are used; the caller
passes ``ge(a, b) -> 1 or 0`` for its type (Python's default works for ints).
"""
from __future__ import annotations

import numpy as np


def _ge(a, b):
    return int(a >= b)


def pool_size(size, k: int, s: int, p: int, ceil: bool = True, clip: bool = False, ge=_ge):
    """Caffe's pooled size along one axis (docs/caffe-semantics.md 5.1): ceil or floor of
    ``(size + 2p - k) / s``, plus one; with ``clip`` (any pad non-zero) a last window
    starting at or past ``size + p`` is dropped."""
    num = size + (2 * p - k)
    out = ((num + (s - 1)) // s if ceil else num // s) + 1
    if clip:
        out = out - ge((out - 1) * s, size + p)
    return out


def interp_size(n, zoom=None, shrink=None, size=None):
    """DeepLab Interp's output size along one axis of effective size ``n`` (6.1): shrink
    only, zoom only, the given size, or shrink then zoom, in that order."""
    if shrink is not None and zoom is None:
        return (n - 1) // shrink + 1
    if zoom is not None and shrink is None:
        return n + (n - 1) * (zoom - 1)
    if size is not None:
        return size
    n = (n - 1) // shrink + 1
    return n + (n - 1) * (zoom - 1)


def power_constant(p) -> float | None:
    """Power's constant case (5.6): when ``power * scale == 0`` in float32 the output is 1
    (power 0) or ``shift ** power`` in float32 (NaN for a negative shift); else None."""
    if np.float32(p.power) * np.float32(p.scale) != 0:
        return None
    with np.errstate(invalid="ignore"):  # float32 powf: NaN (not complex) if shift < 0
        return 1.0 if p.power == 0 else float(np.float32(p.shift) ** np.float32(p.power))
