"""Im2col -> ONNX: Pad (zeros), one strided Slice per kernel offset, stacked
channel-major (Unsqueeze + Concat) and reshaped: copies, so exact. Sizes are
:class:`~.dims.Dim` arithmetic, so ``--dynamic-hw`` works too."""
from __future__ import annotations

from ...layers.im2col import geometry, offsets
from .registry import register


@register("Im2col")
def im2col(g, layer, xs, ys):
    x = xs[0]
    geo = geometry(layer.params, g.shapes[x])
    a, n = geo.axis, len(geo.kernel)
    spatial = list(range(a + 1, a + 1 + n))
    sizes = [g.dim(x, ax) for ax in spatial]
    ext = [d * (k - 1) + 1 for k, d in zip(geo.kernel, geo.dilation)]
    out = [(s + 2 * p - e) // st + 1 for s, p, e, st in zip(sizes, geo.pad, ext, geo.stride)]
    end = [((o - 1) * st + e - s - 2 * p).max(0)
           for o, st, e, s, p in zip(out, geo.stride, ext, sizes, geo.pad)]
    if any(geo.pad) or not all(e.static and e.v == 0 for e in end):
        zeros = [0] * (a + 1)
        pads = g.dims(zeros + list(geo.pad) + zeros + [p + e for p, e in zip(geo.pad, end)],
                      "pads")
        x = g.op("Pad", [x, pads, g.scalar(0.0, "zero")], mode="constant")
    axes, steps = g.ints(spatial, "axes"), g.ints(geo.stride, "steps")
    cols = []
    for off in offsets(geo.kernel, geo.dilation):
        ends = g.dims([o + (m - 1) * st + 1 for o, m, st in zip(off, out, geo.stride)], "ends")
        col = g.op("Slice", [x, g.ints(off, "starts"), ends, axes, steps], "col")
        cols.append(g.op("Unsqueeze", [col, g.ints([a + 1], "axis")]))
    y = g.op("Concat", cols, axis=a + 1) if len(cols) > 1 else cols[0]
    lead = [g.dim(xs[0], i) for i in range(a)]
    g.node("Reshape", [y, g.dims(lead + [geo.top[a]] + out, "shape")], ys)
