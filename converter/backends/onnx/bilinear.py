"""BilinearInterpolate -> ONNX: Gather rows/columns by the layer's index tables and
combine with its weights (static sizes)."""
from __future__ import annotations

from ...errors import CaffeError
from ...layers.bilinear import bilinear_table
from .registry import register


@register("BilinearInterpolate")
def bilinear(g, layer, xs, ys):
    if g.dynamic:
        raise CaffeError("BilinearInterpolate's size is fixed; export without --dynamic-hw",
                         layer=layer.name, field="type")
    p, x = layer.params, xs[0]
    h, w = g.shapes[x][2:]
    oh, ow = p.output_size(h, w)
    (h0, h1, hp), (w0, w1, wp) = (bilinear_table(h, oh, p.align_corners),
                                  bilinear_table(w, ow, p.align_corners))
    f32 = lambda a, shape, n: g.const(n, a.astype("float32").reshape(shape))  # noqa: E731
    rows = [g.op("Gather", [x, g.const("rows", i, i.dtype)], axis=2) for i in (h0, h1)]
    wpc = f32(wp, (-1,), "w")
    lw = g.op("Sub", [f32(w1, (-1,), "w1"), wpc])
    rw = g.op("Sub", [wpc, f32(w0, (-1,), "w0")])
    r = [g.op("Add", [g.op("Mul", [g.op("Gather", [q, g.const("c0", w0, w0.dtype)], axis=3), lw]),
                      g.op("Mul", [g.op("Gather", [q, g.const("c1", w1, w1.dtype)], axis=3), rw])])
         for q in rows]
    hpc = f32(hp, (-1, 1), "h")
    top = g.op("Sub", [f32(h1, (-1, 1), "h1"), hpc])
    bot = g.op("Sub", [hpc, f32(h0, (-1, 1), "h0")])
    g.node("Add", [g.op("Mul", [top, r[0]]), g.op("Mul", [bot, r[1]])], ys)
