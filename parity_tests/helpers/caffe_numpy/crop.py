"""Caffe's formulas in numpy: Crop (5.2)."""
from __future__ import annotations

import numpy as np

from .common import _f


def crop(x, ref_shape, p):
    """Axes >= axis cut to ref_shape from the offsets (none: 0, one: all, else per axis)."""
    axis = p.axis + x.ndim if p.axis < 0 else p.axis
    offs = list(p.offsets) or [0]
    offs = offs * (x.ndim - axis) if len(offs) == 1 else offs
    idx = [slice(None)] * axis + [slice(o, o + ref_shape[axis + i]) for i, o in enumerate(offs)]
    return _f(x)[tuple(idx)]
