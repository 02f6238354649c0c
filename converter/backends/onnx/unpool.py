"""Pooling's MAX mask (second top) and unpooling by mask -> ONNX (static sizes)."""
from __future__ import annotations

import numpy as np

from ...errors import CaffeError
from ...layers.unpool import NearestParams
from .registry import register

FLT_MAX = float(np.finfo(np.float32).max)


def _static(g, layer, what):
    if g.dynamic:
        raise CaffeError(f"{what} needs a fixed input size in ONNX; export without "
                         "--dynamic-hw", layer=layer.name, field="top")


def pool_mask(g, layer, xs_clean: str, y: str, out: str, in_hw, out_hw) -> None:
    """Write Caffe's mask (``h * W + w`` of the first max in raster order, ``-1`` where
    the max is -FLT_MAX) of MAX pooling ``y`` of ``xs_clean`` (NaN already -FLT_MAX)."""
    _static(g, layer, "the Pooling mask top")
    p = layer.params
    h, w = in_hw
    oh, ow = out_hw
    low = g.scalar(-FLT_MAX, "flt_lowest")
    minus1 = g.scalar(-1.0, "minus_one")
    if p.global_pooling:
        pos = g.const("positions", np.arange(h * w, dtype=np.float32).reshape(1, 1, h, w))
        hit = g.op("Where", [g.op("Equal", [xs_clean, y]), pos, g.scalar(FLT_MAX, "big")])
        mask = g.op("ReduceMin", [hit], axes=[2, 3], keepdims=1) if g.opset < 18 else \
            g.op("ReduceMin", [hit, g.ints([2, 3], "axes")], keepdims=1)
    else:
        (kh, kw), (sh, sw), (ph, pw) = p.kernel, p.stride, p.pad
        eh = max(0, (oh - 1) * sh + kh - h - ph)
        ew = max(0, (ow - 1) * sw + kw - w - pw)
        xp = g.op("Pad", [xs_clean, g.ints([0, 0, ph, pw, 0, 0, eh, ew], "pads"), low],
                  mode="constant")
        rows, cols = np.arange(oh) * sh - ph, np.arange(ow) * sw - pw
        mask = g.const("no_max", np.full((1, 1, oh, ow), -1.0, np.float32))
        for di in reversed(range(kh)):  # the last Where wins: the first offset in raster order
            for dj in reversed(range(kw)):
                win = g.op("Slice", [xp, g.ints([di, dj], "starts"),
                                     g.ints([di + (oh - 1) * sh + 1, dj + (ow - 1) * sw + 1],
                                            "ends"),
                                     g.ints([2, 3], "axes"), g.ints([sh, sw], "steps")])
                idx = ((rows + di)[:, None] * w + (cols + dj)[None, :]).astype(np.float32)
                mask = g.op("Where", [g.op("Equal", [win, y]), g.const("index", idx), mask])
    g.node("Where", [g.op("Equal", [y, low]), minus1, mask], [out])


def unpool(g, layer, x: str, mask: str, out: str, out_h: int, out_w: int) -> None:
    """Zeros ``(N, C, out_h, out_w)`` with ``top[mask[i]] = x[i]`` per channel plane
    (ScatterElements runs its updates in order: a repeated index keeps the last, as
    Caffe's loop). Index -1 (Caffe: an undefined out-of-plane write) is dropped into a
    spare slot, as is an index past the plane (Caffe aborts)."""
    _static(g, layer, "unpooling")
    n, c, h, w = g.shapes[x]
    plane = out_h * out_w
    flat = g.ints([n, c, h * w], "flat")
    idx = g.op("Cast", [g.op("Reshape", [mask, flat])], "indices", to=7)  # 7 = INT64
    spare = g.const("spare", np.int64(plane), np.int64)
    bad = g.op("Or", [g.op("Less", [idx, g.const("zero", np.int64(0), np.int64)]),
                      g.op("GreaterOrEqual", [idx, spare])])
    idx = g.op("Where", [bad, spare, idx])
    zeros = g.const("zeros", np.zeros((n, c, plane + 1), np.float32))
    y = g.op("ScatterElements", [zeros, idx, g.op("Reshape", [x, flat])], axis=2)
    y = g.op("Slice", [y, g.ints([0], "starts"), g.ints([plane], "ends"), g.ints([2], "axes")])
    g.node("Reshape", [y, g.ints([n, c, out_h, out_w])], [out])


@register("Upsample")
def upsample(g, layer, xs, ys):
    """SegNet's Upsample: data, mask -> unpooled (static sizes); or the inisis build's
    nearest upsampling (one bottom)."""
    if isinstance(layer.params, NearestParams):
        upsample_nearest(g, layer, xs, ys)
        return
    oh, ow = layer.params.output_size(*g.shapes[xs[0]][2:])
    unpool(g, layer, xs[0], xs[1], ys[0], oh, ow)


def upsample_nearest(g, layer, xs, ys):
    """``out[h] = in[h // scale]`` on the last ``axes`` axes: Resize nearest, floor."""
    p = layer.params
    rank = g.rank(xs[0])
    scales = [1.0] * (rank - p.axes) + [float(p.scale)] * p.axes
    g.node("Resize", [xs[0], "", g.const("scales", scales)], ys, mode="nearest",
           coordinate_transformation_mode="asymmetric", nearest_mode="floor")
