"""Constant-border compression for the Keras rebuild's inference forward.

The plan (``converter/borders.py``) needs the input's height and width: it is made when
they are static (the traced forward of ``rebuild.run_model`` fixes them on its first
trace; a trace with free sizes, or training, runs every row). A convolution whose zero
padding is wider than its kernel runs with the cut pad; a layer reading a blob with
other kept rows (or a layer outside the plan) reads a ``tf.gather`` of it along H and W
(NHWC axes 1 and 2); outputs get the full blobs back the same way.
"""
from __future__ import annotations

import tensorflow as tf

from ...converter import borders
from ...converter.errors import CaffeError


def plan_for(model, inputs: dict):
    """``(plan, gathers, finals)`` (:func:`borders.scheduled`) for these NHWC inputs of a
    generic ``CaffeNet``, or None: sizes not static, nothing to skip, or sizes Caffe
    refuses (the plain forward then reports them). Kept per size on the model."""
    shapes = {}
    for name, x in inputs.items():
        s = x.shape
        if s.rank != 4 or None in (s[1], s[2], s[3]):
            return None
        shapes[name] = (s[0] or 1, s[3], s[1], s[2])  # a free batch: 1 (the plan is per H, W)
    key = tuple(shapes.items())
    cache = model.__dict__.setdefault("_caffe2ss_plans", {})  # not tracked by Keras
    if key not in cache:
        cache.clear()  # the last size only
        try:
            cache[key] = borders.scheduled(model._net, shapes)
        except CaffeError:
            cache[key] = None
    return cache[key]


def gather(x, have, want):
    """``x`` (NHWC, laid out as ``have``; None = full) as ``want`` (None = full)."""
    for axis, idx in enumerate(borders.gather_indices(have, want), start=1):
        if idx is not None:
            x = tf.gather(x, tf.constant(idx), axis=axis)
    return x
