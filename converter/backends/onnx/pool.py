"""Pooling -> MaxPool / AveragePool with explicit pads (never ONNX ceil_mode).

Caffe rounds up and then drops a last window that would start in the bottom/right
padding. ONNX's ``ceil_mode=1`` is not used: onnx's shape inference does not apply that
clip rule while onnxruntime does (they disagree, e.g. H=7 k=2 s=3 p=1: 4 vs 3), so the
exact Caffe output size is produced with floor mode and an explicit end pad instead.
"""
from __future__ import annotations

import numpy as np
from onnx import helper

from caffe2ss.converter.layers import formulas
from caffe2ss.converter.layers.formulas import pool_size
from caffe2ss.converter.layers.pool import ave_divisor

from .dims import Dim
from .graph import value_info
from .registry import register
from .unpool import pool_mask

FLT_MAX = np.finfo(np.float32).max


def _out_size(g, size, k, s, p, ceil, clip):
    """Caffe's pooled size (ceil + clip rule) as a Dim; core formula when static."""
    return pool_size(size, k, s, p, ceil, clip, ge=lambda a, b: a.ge(b))


def _pads(g, x, params):
    """(out sizes, begin pads, end pads) making floor-mode pooling give Caffe's size."""
    outs, ends = [], []
    for axis, k, s, p in zip((2, 3), params.kernel, params.stride, params.pad):
        size = g.dim(x, axis)
        out = _out_size(g, size, k, s, p, params.ceil, any(params.pad))
        outs.append(out)
        # smallest end pad whose floor output is `out` (never negative, may be < p)
        ends.append(((out - 1) * s + (k - p) - size).max(0))
    return outs, list(params.pad), ends


@register("Pooling")
def pooling(g, layer, xs, ys):
    """MAX: padding never wins (Caffe clips windows to the image). AVE: _ave_ratio."""
    p = layer.params
    x = xs[0]
    if len(ys) == 2:  # MAX with Caffe's mask as second top
        ys, mask_out = [g.fresh(f"{layer.name}/max")], ys
    else:
        mask_out = None
    if p.method == "MAX" and mask_out is None:
        _checked_max_pool(g, layer, x, ys)
        return
    if p.method == "MAX":  # Caffe's `x > max` from -FLT_MAX: NaN and -inf never win
        x = _floor(g, x)
    if mask_out is not None:
        _pool(g, layer, x, ys)
        g.node("Identity", ys, mask_out[:1])
        pool_mask(g, layer, x, ys[0], mask_out[1], g.shapes[xs[0]][2:],
                  _static_out(g, xs[0], p))
        return
    _pool(g, layer, x, ys)


def _floor(g, x):
    """``Where(x >= -FLT_MAX, x, -FLT_MAX)``: NaN and -inf become Caffe's start value."""
    floor = g.scalar(-FLT_MAX, "flt_lowest")
    y = g.op("Where", [g.op("GreaterOrEqual", [x, floor]), x, floor])
    g.shapes[y] = g.shapes[x]
    return y


def _checked_max_pool(g, layer, x, ys):
    """Caffe's MAX (``x > max`` from -FLT_MAX: NaN and -inf never win, an all-NaN window
    gives -FLT_MAX) with the full ``_floor`` pass only when the input needs it.

    onnxruntime's MaxPool kernels let a NaN win (``vmaxps`` returns its second operand),
    so NaN/-inf inputs are floored first. Whether any is present is one read-only pass:
    ``ReduceSum(x) >= -FLT_MAX`` holds exactly when x has no NaN and no -inf (NaN
    absorbs every sum and -inf every sum without +inf, where it gives NaN; a finite
    overflow to -inf only takes the floored branch, which is exact too). The If then
    runs the plain pooling, which is Caffe's on such input, else the floored one.
    """
    total = g.op("ReduceSum", [x], "sum", keepdims=0)
    ok = g.op("GreaterOrEqual", [total, g.scalar(-FLT_MAX, "flt_lowest")], "finite_or_inf")
    if g.dynamic:
        g.dim(x, 2)  # the Shape outside the If: both branches read it
    branches = {}
    for kind in ("as_is", "floored"):
        out = g.fresh(f"{layer.name}/{kind}")
        outer, g.nodes = g.nodes, []
        try:
            xin = x
            if kind == "floored":
                xin = _floor(g, x)
                if x in g._shape_of:
                    g._shape_of[xin] = g._shape_of[x]
            _pool(g, layer, xin, [out])
            branches[kind] = helper.make_graph(g.nodes, f"{layer.name}/{kind}", [],
                                               [value_info(out, None)])
        finally:
            g.nodes = outer
    g.node("If", [ok], ys, then_branch=branches["as_is"], else_branch=branches["floored"])


def _static_out(g, x, p):
    h, w = g.shapes[x][2:]
    return p.output_size(h, w)


def _pool(g, layer, x, ys):
    p = layer.params
    if p.global_pooling:  # kernel = whole plane: max, or sum / (H*W) like Caffe
        g.node("GlobalMaxPool" if p.method == "MAX" else "GlobalAveragePool", [x], ys)
        return
    x0 = x
    outs, begin, ends = _pads(g, x, p)
    attrs = dict(kernel_shape=list(p.kernel), strides=list(p.stride))
    static = all(e.static for e in ends)
    # onnxruntime refuses pads >= kernel: an explicit Pad op then
    fits = static and all(b < k and e.v < k for b, e, k in zip(begin, ends, p.kernel))
    crop = None
    if fits:
        attrs["pads"] = begin + [e.v for e in ends]
    elif not static and all(b < k and e < k for b, e, k in
                            zip(begin, _end_pad_bound(p), p.kernel)):
        # dynamic: the largest end pad any size needs, then the windows past Caffe's
        # last one are sliced off: no copy of the input through a Pad op
        attrs["pads"] = begin + _end_pad_bound(p)
        crop = g.dims(outs, "pooled_size")
    else:
        fill = -FLT_MAX if p.method == "MAX" else 0.0  # Caffe's MAX starts at -FLT_MAX
        pads = g.dims([0, 0, begin[0], begin[1], 0, 0, ends[0], ends[1]], "pads")
        x = g.op("Pad", [x, pads, g.scalar(fill, "pad_value")], mode="constant")
    if p.method == "MAX":
        _cropped(g, crop, ys, "MaxPool", [x], **attrs)
        return
    ratio = _ave_ratio(g, p, x0, outs)
    if ratio is None:  # every window whole: AveragePool's sum/(kh*kw) is Caffe's
        _cropped(g, crop, ys, "AveragePool", [x], count_include_pad=1, **attrs)
        return
    y = _cropped(g, crop, None, "AveragePool", [x], count_include_pad=1, **attrs)
    g.node("Mul", [y, ratio], ys)


def _end_pad_bound(p):
    """Per axis, the largest end pad ``_pads`` gives at any input size: ``(out - 1) * s
    + k - p - size`` with ``out - 1 <= (size + 2p - k + s - 1) / s`` (ceil; floor:
    ``+ 0``) is at most ``p + s - 1`` (floor: ``p``); with Caffe's clip rule (any pad)
    the last window starts before ``size + p``, so also at most ``k - 1``."""
    clip = any(p.pad)
    bounds = []
    for k, s, q in zip(p.kernel, p.stride, p.pad):
        e = q + s - 1 if p.ceil else q
        bounds.append(min(e, k - 1) if clip else e)
    return bounds


def _cropped(g, crop, ys, op, inputs, **attrs):
    """``op`` with its H and W sliced to ``crop`` (a 2-vector) if given; written to
    ``ys``, or to a fresh name when ``ys`` is None. Returns the output name."""
    def emit(op, inputs, **attrs):
        return g.node(op, inputs, ys, **attrs)[0] if ys else g.op(op, inputs, **attrs)
    if crop is None:
        return emit(op, inputs, **attrs)
    y = g.op(op, inputs, **attrs)
    return emit("Slice", [y, g.ints([0, 0], "starts"), crop, g.ints([2, 3], "axes")])


def _ave_ratio(g, p, x, outs):
    """``kh*kw / divisor`` turning AveragePool's sum/(kh*kw) into Caffe's sum/divisor,
    or None when it is 1 everywhere.

    Caffe's divisor counts padded cells up to H + pad but not the ceil-mode overhang
    beyond it. Static: the core map; dynamic: ``formulas.ave_divisor`` over Dims holding
    Range index vectors and the runtime H, W.
    """
    kh, kw = p.kernel
    if all(o.static for o in outs):
        h, w = g.shapes[x][2:]
        with np.errstate(divide="ignore"):  # empty ceil window: inf * 0 = Caffe's 0/0 NaN
            ratio = np.float32(kh * kw) / ave_divisor(h, w, p)
        return None if np.all(ratio == 1) else g.const("divisor_ratio", ratio)
    index = [Dim(g, g.op("Range", [g.const("zero", 0, np.int64),
                                   g.op("Squeeze", [out.tensor()]), g.const("one", 1, np.int64)]))
             for out in outs]
    div = formulas.ave_divisor(*index, g.dim(x, 2), g.dim(x, 3), p.kernel, p.stride, p.pad,
                               minimum=lambda a, b: a.min(b),
                               column=lambda v: Dim(g, g.op("Unsqueeze",
                                                            [v.tensor(), g.ints([1], "axes")])))
    divisor = g.op("Cast", [div.tensor()], to=1)  # 1 = FLOAT; (out_h, out_w), exact ints
    return g.op("Div", [g.scalar(kh * kw, "kernel_area"), divisor])
