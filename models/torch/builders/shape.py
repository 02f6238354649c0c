"""Blob plumbing: Concat, Slice, Split, Flatten, Reshape, and Softmax."""
from __future__ import annotations

from .. import ops, ops_shape
from .registry import Fn, register


@register("Concat")
def concat(layer):
    axis = layer.params.axis
    return Fn(lambda *xs: ops_shape.concat(xs, axis), "Concat")


@register("Slice")
def slice_(layer):
    p, n = layer.params, len(layer.tops)
    return Fn(lambda x: ops_shape.slice_(x, p, n), "Slice")


@register("Split")
def split(layer):
    n = len(layer.tops)
    return Fn(lambda x: [x] * n, "Split")  # every top shares the data


@register("Flatten")
def flatten(layer):
    p = layer.params
    return Fn(lambda x: ops_shape.flatten(x, p), "Flatten")


@register("Reshape")
def reshape(layer):
    p = layer.params
    return Fn(lambda x: ops_shape.reshape(x, p), "Reshape")


@register("Softmax")
def softmax(layer):
    axis = layer.params.axis
    return Fn(lambda x: ops.softmax(x, axis), "Softmax")


@register("Alias")
def alias(layer):
    # Caffe shared memory: `old` now holds the written blob's data in its own shape
    return Fn(lambda src, old: ops_shape.reshape_like(src, old), "Alias")
