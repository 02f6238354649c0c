"""Caffe's size formulas written once, over any integer type: Python ints (shape
inference), TensorFlow int tensors (sizes computed in the graph) and the ONNX backend's
``Dim`` (static or in-graph). Only ``+ - * //`` and a comparison are used; the caller
passes ``ge(a, b) -> 1 or 0`` or ``minimum(a, b)`` for its type (Python's defaults
work for ints; numpy's ``np.minimum`` for index arrays).
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


def pool_window_count(o, size, k: int, s: int, p: int, minimum=min):
    """Cells Caffe's AVE pooling divides by along one axis, for output index ``o`` (an
    int or a vector of indices): ``hstart = o*s - p``, ``hend = min(hstart + k, size +
    p)``, counted *before* clipping to the image, so padded cells up to ``size + p``
    count and the ceil-mode overhang beyond them does not (5.1)."""
    start = o * s - p
    return minimum(start + k, size + p) - start


def ave_divisor(oh, ow, h, w, kernel, stride, pad, minimum=min, column=lambda v: v):
    """Caffe's AVE divisor ``(hend - hstart) * (wend - wstart)`` for output indices
    ``oh`` x ``ow`` (vectors); ``column(v)`` turns the H counts into a column so the
    product broadcasts to ``(len(oh), len(ow))``."""
    ch = pool_window_count(oh, h, kernel[0], stride[0], pad[0], minimum)
    cw = pool_window_count(ow, w, kernel[1], stride[1], pad[1], minimum)
    return column(ch) * cw


def slice_bounds(points, size, n_tops: int):
    """Caffe Slice's ``[start, end)`` per top along the axis (5.11): at ``points`` (then
    ``size`` may be any bound past the last point), or ``n_tops`` equal parts of ``size``
    (Caffe checks that they divide). No validation: see ``layers.plumbing.slice_bounds``."""
    if points:
        pts = [0, *points, size]
        return list(zip(pts, pts[1:]))
    step = size // n_tops
    return [(step * i if i else 0, step * (i + 1)) for i in range(n_tops)]


def reshape_span(axis: int, num_axes: int, ndim: int) -> tuple[int, int]:
    """The axes ``[start, end)`` Caffe Reshape replaces (5.11): a negative ``axis`` counts
    from ``ndim + 1``; ``num_axes == -1`` means to the end."""
    start = axis + ndim + 1 if axis < 0 else axis
    return start, ndim if num_axes == -1 else start + num_axes


def reshape_dims(s, dims, axis: int, num_axes: int) -> list:
    """Caffe Reshape's output shape over any sizes ``s``: ``dims`` replace the span, a 0
    copies ``s[start + i]``, a -1 stays -1 (the framework, or the caller, infers it).
    The caller has checked that every copied axis exists."""
    a, e = reshape_span(axis, num_axes, len(s))
    return list(s[:a]) + [s[a + i] if d == 0 else d for i, d in enumerate(dims)] + list(s[e:])


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
