"""Blob plumbing: Concat, Slice, Split, Flatten, Reshape, and Softmax."""
from __future__ import annotations

import torch

from ....models.torch import ops
from ...layers.shape import reshape_output, slice_bounds
from .registry import Fn, register


def _axis(axis, ndim):
    return axis + ndim if axis < 0 else axis


@register("Concat")
def concat(layer):
    axis = layer.params.axis
    return Fn(lambda *xs: torch.cat(xs, dim=_axis(axis, xs[0].dim())), "Concat")


@register("Slice")
def slice_(layer):
    p, n = layer.params, len(layer.tops)

    def run(x):
        a = _axis(p.axis, x.dim())
        return [x.narrow(a, s, e - s) for s, e in slice_bounds(p, x.shape[a], n)]

    return Fn(run, "Slice")


@register("Split")
def split(layer):
    n = len(layer.tops)
    return Fn(lambda x: [x] * n, "Split")  # every top shares the data


@register("Flatten")
def flatten(layer):
    p = layer.params

    def run(x):
        a, e = _axis(p.axis, x.dim()), _axis(p.end_axis, x.dim())
        # Caffe: end_axis == axis - 1 merges no axes, i.e. inserts a 1 at `axis`
        return x.unsqueeze(a) if e == a - 1 else torch.flatten(x, a, e)

    return Fn(run, "Flatten")


@register("Reshape")
def reshape(layer):
    p = layer.params
    return Fn(lambda x: x.reshape(reshape_output(p, tuple(x.shape))), "Reshape")


@register("Softmax")
def softmax(layer):
    axis = layer.params.axis
    return Fn(lambda x: ops.softmax(x, _axis(axis, x.dim())), "Softmax")


@register("Alias")
def alias(layer):
    # Caffe shared memory: `old` now holds the written blob's data in its own shape
    return Fn(lambda src, old: src.reshape(old.shape), "Alias")
