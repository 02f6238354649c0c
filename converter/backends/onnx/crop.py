"""Crop -> Slice: Caffe's axis/offset rules, sizes from the reference bottom."""
from __future__ import annotations

from caffe2ss.converter.layers.crop import crop_offsets

from .registry import register


@register("Crop")
def crop(g, layer, xs, ys):
    """``y = x[..., o_i : o_i + ref.shape[i], ...]`` for every axis i >= Caffe axis.

    Axes before ``axis`` (default 2) are kept whole; the sizes come from bottom[1]'s
    runtime shape, so a dynamic-size export crops correctly at any size.
    """
    x, ref = xs
    rank = g.rank(x)
    axis, offsets = crop_offsets(layer.params, rank)
    axes = list(range(axis, rank))
    ends = [off + g.dim(ref, a) for a, off in zip(axes, offsets)]
    g.node("Slice", [x, g.ints(offsets, "starts"), g.dims(ends, "ends"),
                     g.ints(axes, "axes")], ys)
