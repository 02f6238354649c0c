"""BVLC ``Im2col`` (``im2col_layer.cpp``): every kernel window as a column; reads
``convolution_param``'s kernel, stride, pad, dilation and ``axis`` over any number of
spatial axes. Top: the channel axis times ``prod(kernel)`` (channel-major: ``c``, then
the kernel offsets row-major), each spatial axis ``(in + 2p - ext) / s + 1``."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from ..errors import CaffeError
from .conv import conv_output_size
from .registry import LayerContext, Msg, canonical_axis, register


@dataclass(frozen=True)
class Im2colParams:
    """As given; :func:`resolve` expands them for a number of spatial axes."""

    axis: int
    kernel: tuple
    stride: tuple
    pad: tuple
    dilation: tuple


def _values(p: Msg, name: str, h: str, w: str, default) -> tuple:
    if p.has(h) or p.has(w):
        if p.rep(name):
            raise p.error(f"give either {name} or {h}/{w}, not both", name)
        if default is None and not (p.has(h) and p.has(w)):
            raise p.error(f"{h} and {w} must be given together", h)
        return ("hw", int(p.get(h, default or 0)), int(p.get(w, default or 0)))
    return tuple(int(v) for v in p.rep(name))


@register("Im2col", family="im2col", param_field="convolution_param", in_place=False)
class Im2col:
    # not size_free: the TF rebuild slices at static sizes (a SavedModel fixes H, W)
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> Im2colParams:
        kernel = _values(p, "kernel_size", "kernel_h", "kernel_w", None)  # required
        if not kernel:
            raise p.error("kernel_size (or kernel_h/kernel_w) is required", "kernel_size")
        # force_nd_im2col only picks Caffe's N-D code path: the same values
        return Im2colParams(int(p.get("axis", 1)),                       # default: 1
                            kernel,
                            _values(p, "stride", "stride_h", "stride_w", 1),  # default: 1
                            _values(p, "pad", "pad_h", "pad_w", 0),           # default: 0
                            tuple(int(v) for v in p.rep("dilation")))         # default: 1

    @staticmethod
    def infer(p: Im2colParams, shapes, ctx):
        return [geometry(p, shapes[0], ctx).top]


@dataclass(frozen=True)
class Geometry:
    """Im2col on one bottom shape: per spatial axis the kernel, stride, pad, dilation,
    output size and the zeros read past ``in + pad`` (a last window that overhangs by
    less than a stride, as :func:`.conv.conv_end_pad`); ``top`` is the top shape."""

    axis: int
    kernel: tuple
    stride: tuple
    pad: tuple
    dilation: tuple
    out: tuple
    end_pad: tuple
    top: tuple


def geometry(p: Im2colParams, shape, ctx=None) -> Geometry:
    shape = tuple(shape)
    axis, k, st, pad, dil = resolve(p, len(shape), ctx)
    out, end = [], []
    for i in range(len(k)):
        ext, size = dil[i] * (k[i] - 1) + 1, shape[axis + 1 + i]
        o = conv_output_size(size, ext, st[i], pad[i])  # C division, as Caffe's Reshape
        if o <= 0:
            raise CaffeError(f"spatial axis {axis + 1 + i} of size {size} with pad "
                             f"{pad[i]} is smaller than the kernel extent {ext}",
                             layer=ctx and ctx.name, field="kernel_size")
        out.append(o)
        end.append(max(0, (o - 1) * st[i] + ext - size - 2 * pad[i]))
    top = list(shape)
    top[axis] *= len(offsets(k, dil))
    top[axis + 1:] = out
    return Geometry(axis, k, st, pad, dil, tuple(out), tuple(end), tuple(top))


def resolve(p: Im2colParams, ndim: int, ctx=None):
    """``(channel axis, kernel, stride, pad, dilation)`` per spatial axis, by Caffe's
    rules: one value for every axis or one per axis; ``*_h``/``*_w`` only for 2-D."""
    axis = canonical_axis(p.axis, ndim, ctx)
    n = ndim - axis - 1
    if n < 1:
        raise CaffeError(f"axis {p.axis} leaves no spatial axis", layer=ctx and ctx.name,
                         field="axis")

    def per_axis(v, name, default, positive):
        if v and v[0] == "hw":
            if n != 2:
                raise CaffeError(f"{name}_h/{name}_w need 2 spatial axes, not {n}",
                                 layer=ctx and ctx.name, field=name)
            v = v[1:]
        elif not v:
            v = (default,) * n
        elif len(v) == 1:
            v = v * n
        elif len(v) != n:
            raise CaffeError(f"{name} has {len(v)} values for {n} spatial axes",
                             layer=ctx and ctx.name, field=name)
        if min(v) < (1 if positive else 0):
            raise CaffeError(f"{name} {v} must be {'positive' if positive else '>= 0'}",
                             layer=ctx and ctx.name, field=name)
        return tuple(v)

    return (axis, per_axis(p.kernel, "kernel_size", None, True),
            per_axis(p.stride, "stride", 1, True), per_axis(p.pad, "pad", 0, False),
            per_axis(p.dilation, "dilation", 1, True))


def offsets(kernel, dilation) -> list:
    """Every kernel offset (times the dilation), row-major: Caffe's column order."""
    return [tuple(o * d for o, d in zip(off, dilation))
            for off in product(*(range(k) for k in kernel))]
