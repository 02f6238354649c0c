"""Blob plumbing: Concat, Slice, Split, Flatten, Reshape, and the shared-memory Alias."""
from __future__ import annotations

from caffe2ss.converter.layers import formulas
from caffe2ss.converter.layers.plumbing import slice_bounds

from .registry import register

INT64_MAX = 2**63 - 1


def _axis(g, x, axis):
    return axis + g.rank(x) if axis < 0 else axis


@register("Concat")
def concat(g, layer, xs, ys):
    if len(xs) == 1:  # one bottom: Caffe shares it
        g.node("Identity", xs, ys)
        return
    g.node("Concat", xs, ys, axis=_axis(g, xs[0], layer.params.axis))


@register("Slice")
def slice_(g, layer, xs, ys):
    """Top i gets [point_{i-1}, point_i) along the axis; no points: equal parts."""
    x = xs[0]
    axis = _axis(g, x, layer.params.axis)
    n = len(ys)
    if n == 1:
        g.node("Identity", xs, ys)
        return
    if layer.params.slice_points:
        bounds = slice_bounds(layer.params, INT64_MAX, n)  # last end: to the axis end
    else:
        size = g.dim(x, axis)  # equal parts of the runtime size (Caffe checks n | size)
        bounds = formulas.slice_bounds((), size, n)
    for (a, b), y in zip(bounds, ys):
        g.node("Slice", [x, g.dims([a], "starts"), g.dims([b], "ends"),
                         g.ints([axis], "axes")], [y])


@register("Split")
def split(g, layer, xs, ys):
    """Every top is the bottom (Caffe shares the data)."""
    for y in ys:
        g.node("Identity", xs, [y])


@register("Flatten")
def flatten(g, layer, xs, ys):
    """Axes [axis, end_axis] merged row-major; others kept (runtime sizes)."""
    x = xs[0]
    rank = g.rank(x)
    a, e = _axis(g, x, layer.params.axis), _axis(g, x, layer.params.end_axis)
    # ONNX Reshape: 0 copies the input dim at the same index, -1 takes the rest
    spec = [0] * a + [-1] + [g.dim(x, i) for i in range(e + 1, rank)]
    g.node("Reshape", [x, g.dims(spec, "shape")], ys)


@register("Reshape")
def reshape(g, layer, xs, ys):
    """Caffe's ``dims`` replace axes [axis, axis + num_axes). Caffe's 0 (copy the input
    dim at axis + i) and -1 (infer) are ONNX Reshape's own 0/-1 at the same output
    index, so they resolve against the runtime shape; axes after the replaced range are
    given explicitly (their index may shift).
    """
    p = layer.params
    x = xs[0]
    rank = g.rank(x)
    _, end = formulas.reshape_span(p.axis, p.num_axes, rank)
    # every axis before `end` is ONNX's 0 (copy at the same index); later ones shift
    sizes = [0] * end + [g.dim(x, i) for i in range(end, rank)]
    spec = formulas.reshape_dims(sizes, p.dims, p.axis, p.num_axes)
    g.node("Reshape", [x, g.dims(spec, "shape")], ys)


@register("Alias")
def alias(g, layer, xs, ys):
    """Caffe shared memory: the second bottom takes the first's data in its own shape."""
    src, old = xs
    g.node("Reshape", [src, g.dims([g.dim(old, i) for i in range(g.rank(old))], "shape")], ys)
