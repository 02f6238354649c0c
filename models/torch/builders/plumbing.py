"""Blob plumbing: Concat, Slice, Split, Flatten, Reshape, and the shared-memory Alias."""
from __future__ import annotations

from .. import ops_plumbing
from .registry import Fn, register


@register("Concat")
def concat(layer):
    axis = layer.params.axis
    return Fn(lambda *xs: ops_plumbing.concat(xs, axis), "Concat")


@register("Slice")
def slice_(layer):
    p, n = layer.params, len(layer.tops)
    return Fn(lambda x: ops_plumbing.slice_(x, p, n), "Slice")


@register("Split")
def split(layer):
    n = len(layer.tops)
    return Fn(lambda x: [x] * n, "Split")  # every top shares the data


@register("Flatten")
def flatten(layer):
    p = layer.params
    return Fn(lambda x: ops_plumbing.flatten(x, p), "Flatten")


@register("Reshape")
def reshape(layer):
    p = layer.params
    return Fn(lambda x: ops_plumbing.reshape(x, p), "Reshape")


@register("Alias")
def alias(layer):
    # Caffe shared memory: `old` now holds the written blob's data in its own shape
    return Fn(lambda src, old: ops_plumbing.reshape_like(src, old), "Alias")
