"""SPP -> ONNX: the Pooling converter per level, Flatten, Concat (static sizes)."""
from __future__ import annotations

from types import SimpleNamespace

from ...errors import CaffeError
from ...layers.spp import spp_levels
from .pool import pooling
from .registry import register


@register("SPP")
def spp(g, layer, xs, ys):
    if g.dynamic:
        raise CaffeError("SPP's kernels depend on the input size; export without "
                         "--dynamic-hw", layer=layer.name, field="type")
    n, c, h, w = g.shapes[xs[0]]
    levels = spp_levels(layer.params, h, w)
    if len(levels) == 1:
        pooling(g, SimpleNamespace(params=levels[0], name=layer.name), xs, ys)
        return
    flat = []
    for i, lv in enumerate(levels):
        y = g.fresh(f"{layer.name}/level{i}")
        pooling(g, SimpleNamespace(params=lv, name=layer.name), xs, [y])
        flat.append(g.op("Reshape", [y, g.ints([0, -1])], "flat"))
    g.node("Concat", flat, ys, axis=1)
