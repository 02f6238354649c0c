"""Blob plumbing -> TF: Concat, Slice, Split, Flatten, Reshape, Alias (Caffe axes)."""
from __future__ import annotations

import tensorflow as tf

from .. import ops_plumbing
from .registry import TFLayer, op, register


@register("Concat")
def concat(layer, shapes) -> TFLayer:
    """Caffe Concat along a Caffe axis."""
    axis = layer.params.axis
    return op(layer, lambda xs, training: ops_plumbing.concat(xs, axis))


@register("Slice")
def slice_(layer, shapes) -> TFLayer:
    """Caffe Slice at slice points, or in equal parts."""
    p, n = layer.params, len(layer.tops)
    return op(layer, lambda xs, training: ops_plumbing.slice_(xs[0], p, n))


@register("Split")
def split(layer, shapes) -> TFLayer:
    """Caffe Split: every top is a copy of the bottom."""
    n = len(layer.tops)
    return op(layer, lambda xs, training: [tf.identity(xs[0]) for _ in range(n)])


@register("Flatten")
def flatten(layer, shapes) -> TFLayer:
    """Caffe Flatten (C,H,W order)."""
    p = layer.params
    return op(layer, lambda xs, training: ops_plumbing.flatten(xs[0], p))


@register("Reshape")
def reshape(layer, shapes) -> TFLayer:
    """Caffe Reshape (0 copies a dim, -1 infers one; C,H,W order)."""
    p = layer.params
    return op(layer, lambda xs, training: ops_plumbing.reshape(xs[0], p))


@register("Alias")
def alias(layer, shapes) -> TFLayer:
    """Caffe shared memory: the second bottom takes the first's data (Caffe order)."""
    return op(layer, lambda xs, training: ops_plumbing.reshape_like(xs[0], xs[1]))
