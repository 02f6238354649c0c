"""``--dynamic-hw``: check that a net works at any height/width before exporting it so.

Shapes are propagated with Caffe's formulas at the export size and at about twice
its height and width; a dimension that differs is H/W-dependent. An InnerProduct that
flattens such a dimension has weights tied to one input size, and so does a layer
whose shape rule fails at the second size (a Reshape without -1, mismatched Eltwise
bottoms): those nets are refused with a message saying to export at a fixed size.
"""
from __future__ import annotations

from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.layers import SPECS, LayerContext

FIX = "export with a fixed --input-shape instead of --dynamic-hw"


class _Tied(CaffeError):
    """A layer whose weights fix the input size: refused whatever the probe size."""


def probe_shapes(net, shapes: dict) -> dict:
    """Blob -> shape at a second, larger input size; raises CaffeError if the net is
    tied to its input size. ``shapes`` are the input shapes at the export size.

    Some nets only accept sizes of a given parity (crops after strided layers), so
    the second size is the first of 2H+d, 2W+d (d = 0..31) at which Caffe's rules hold.
    """
    first = None
    for d in range(32):
        b = {n: tuple(s[:2]) + tuple(2 * x + d for x in s[2:]) if len(s) == 4 else tuple(s)
             for n, s in shapes.items()}
        try:
            return _propagate(net, dict(shapes), b)
        except _Tied as e:
            raise CaffeError(e.message, layer=e.layer, field=e.field) from None
        except CaffeError as e:
            first = first or e
    raise first


def _propagate(net, a: dict, b: dict) -> dict:
    for layer in net.layers:
        spec = SPECS[layer.type]
        ctx = LayerContext(layer.name, len(layer.bottoms), len(layer.tops), net.fork)
        sa = [a[x] for x in layer.bottoms]
        sb = [b[x] for x in layer.bottoms]
        tied = spec.tied_dims(layer.params, sa)
        if tied is not None and tied != spec.tied_dims(layer.params, sb):
            raise _Tied(
                f"{layer.type} flattens blob '{layer.bottoms[0]}' {tuple(sa[0])}, whose "
                "size depends on the input height and width: its weights fix the input "
                f"size, so the net is not fully convolutional; {FIX}",
                layer=layer.name, field="dynamic_hw")
        try:
            tops_b = spec.infer(layer.params, sb, ctx)
        except CaffeError as e:
            raise CaffeError(
                f"{layer.type} does not work when the input height and width change "
                f"(at {tuple(sb[0])}: {e.message}); {FIX}", layer=layer.name,
                field="dynamic_hw") from None
        tops_a = spec.infer(layer.params, sa, ctx)
        for t, ta, tb in zip(layer.tops, tops_a, tops_b):
            a[t], b[t] = tuple(ta), tuple(tb)
    return b


def symbolic_shape(name: str, shape, first: bool):
    """Graph input shape with symbolic H and W (``height``/``width``)."""
    if len(shape) != 4:
        return list(shape)
    pre = "" if first else f"{name}_"
    return [shape[0], shape[1], f"{pre}height", f"{pre}width"]
