"""Blob plumbing: Concat, Slice, Split, Flatten, Reshape (moving data, not computing)."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CaffeError
from . import formulas
from .registry import Msg, canonical_axis, count, register


@dataclass(frozen=True)
class AxisParams:
    axis: int


@register("Concat", family="plumbing", param_field="concat_param", bottoms=(1, None),
          size_free=True)
class Concat:
    shares_memory = staticmethod(lambda n_bottoms, n_tops: n_bottoms == 1)  # a copy-free view
    @staticmethod
    def parse(p: Msg, ctx):
        if p.has("concat_dim") and p.has("axis"):
            raise p.error("give either axis or the legacy concat_dim, not both", "axis")
        if p.has("concat_dim"):
            return AxisParams(int(p.get("concat_dim", 1)))
        return AxisParams(int(p.get("axis", 1)))  # Caffe default axis: 1

    @staticmethod
    def infer(p: AxisParams, shapes, ctx):
        axis = canonical_axis(p.axis, len(shapes[0]), ctx)
        out = list(shapes[0])
        for s in shapes[1:]:
            if len(s) != len(out) or any(a != b for i, (a, b) in enumerate(zip(s, out))
                                         if i != axis):
                raise CaffeError(f"bottom shapes {[tuple(x) for x in shapes]} differ outside "
                                 f"axis {axis}", layer=ctx.name, field="bottom")
            out[axis] += s[axis]
        return [tuple(out)]


@dataclass(frozen=True)
class SliceParams:
    axis: int
    slice_points: tuple[int, ...]


def slice_bounds(p: SliceParams, size: int, n_tops: int, ctx=None) -> list[tuple[int, int]]:
    """[start, end) of every top along the slice axis (``formulas.slice_bounds``), with
    Caffe's checks."""
    name = ctx.name if ctx else None
    if p.slice_points:
        if len(p.slice_points) != n_tops - 1:
            raise CaffeError(f"{len(p.slice_points)} slice_points for {n_tops} tops; give "
                             "one fewer than the tops", layer=name, field="slice_point")
        pts = [0, *p.slice_points, size]
        if any(a >= b for a, b in zip(pts, pts[1:])):
            raise CaffeError(f"slice_points {p.slice_points} must increase strictly inside "
                             f"(0, {size})", layer=name, field="slice_point")
    elif size % n_tops:
        raise CaffeError(f"axis size {size} does not split into {n_tops} equal parts",
                         layer=name, field="slice_point")
    return formulas.slice_bounds(p.slice_points, size, n_tops)


@register("Slice", family="plumbing", param_field="slice_param", tops=(1, None),
          size_free=True)
class Slice:
    shares_memory = staticmethod(lambda n_bottoms, n_tops: n_tops == 1)
    @staticmethod
    def parse(p: Msg, ctx):
        if p.has("slice_dim") and p.has("axis"):
            raise p.error("give either axis or the legacy slice_dim, not both", "axis")
        axis = int(p.get("slice_dim", 1)) if p.has("slice_dim") else int(p.get("axis", 1))
        return SliceParams(axis, tuple(int(x) for x in p.rep("slice_point")))

    @staticmethod
    def infer(p: SliceParams, shapes, ctx):
        axis = canonical_axis(p.axis, len(shapes[0]), ctx)
        head, tail = tuple(shapes[0][:axis]), tuple(shapes[0][axis + 1:])
        return [head + (b - a,) + tail
                for a, b in slice_bounds(p, shapes[0][axis], ctx.n_tops, ctx)]


@register("Split", family="plumbing", tops=(1, None), in_place=False,  # CHECKs top != bottom
          size_free=True, shares_memory=True)
class Split:
    @staticmethod
    def infer(p, shapes, ctx):
        return [tuple(shapes[0])] * ctx.n_tops


@dataclass(frozen=True)
class FlattenParams:
    axis: int
    end_axis: int


@register("Flatten", family="plumbing", param_field="flatten_param", in_place=False,
          size_free=True, shares_memory=True)
class Flatten:
    @staticmethod
    def parse(p: Msg, ctx):
        return FlattenParams(int(p.get("axis", 1)),        # Caffe default axis: 1
                             int(p.get("end_axis", -1)))   # default end_axis: -1

    @staticmethod
    def infer(p: FlattenParams, shapes, ctx):
        s = shapes[0]
        a = canonical_axis(p.axis, len(s), ctx)
        e = canonical_axis(p.end_axis, len(s), ctx, "end_axis")
        if e < a - 1:  # Caffe: count(axis, end_axis + 1) CHECKs start <= end
            raise CaffeError(f"end_axis {p.end_axis} comes before axis {p.axis}",
                             layer=ctx.name, field="end_axis")
        # end_axis == axis - 1 merges nothing: Caffe inserts an axis of size 1
        return [tuple(s[:a]) + (count(s[a:e + 1]),) + tuple(s[e + 1:])]


@dataclass(frozen=True)
class ReshapeParams:
    dims: tuple[int, ...]
    axis: int
    num_axes: int


def reshape_output(p: ReshapeParams, s, ctx=None) -> tuple[int, ...]:
    """Caffe's Reshape: ``dims`` replace axes [axis, axis+num_axes); 0 copies, -1 infers
    (``formulas.reshape_dims``, with Caffe's checks and the -1 resolved)."""
    name = ctx.name if ctx else None
    ndim = len(s)
    axis, end = formulas.reshape_span(p.axis, p.num_axes, ndim)
    if not 0 <= axis <= ndim:
        raise CaffeError(f"axis {p.axis} out of range", layer=name, field="axis")
    if p.num_axes < -1 or end > ndim:
        raise CaffeError(f"num_axes {p.num_axes} out of range", layer=name, field="num_axes")
    if sum(d == -1 for d in p.dims) > 1:
        raise CaffeError("at most one dim may be -1", layer=name, field="shape")
    for i, d in enumerate(p.dims):
        if d == 0 and axis + i >= ndim:
            raise CaffeError(f"dim {i} is 0 (copy) but the input has no axis {axis + i}",
                             layer=name, field="shape")
        if d < -1:
            raise CaffeError(f"invalid dim {d}", layer=name, field="shape")
    out = formulas.reshape_dims(s, p.dims, p.axis, p.num_axes)
    if -1 in out:
        known = count(d for d in out if d != -1)
        total = count(s)
        if known == 0 or total % known:
            raise CaffeError(f"cannot infer -1: {total} elements do not divide by {known}",
                             layer=name, field="shape")
        out[out.index(-1)] = total // known
    if count(out) != count(s):
        raise CaffeError(f"reshape {tuple(s)} -> {tuple(out)} changes the element count",
                         layer=name, field="shape")
    return tuple(out)


@register("Reshape", family="plumbing", param_field="reshape_param", in_place=False,
          shares_memory=True)
class Reshape:
    """Not size-free (its dims are fixed numbers) and tied to the batch size."""

    batch_free = staticmethod(lambda p: False)
    @staticmethod
    def parse(p: Msg, ctx):
        shape = p.sub("shape")
        return ReshapeParams(tuple(int(d) for d in shape.rep("dim")),
                             int(p.get("axis", 0)),        # Caffe default axis: 0
                             int(p.get("num_axes", -1)))   # default num_axes: -1

    @staticmethod
    def infer(p: ReshapeParams, shapes, ctx):
        return [reshape_output(p, shapes[0], ctx)]
