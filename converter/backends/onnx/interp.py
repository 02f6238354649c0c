"""DeepLab's Interp -> Slice (pad_beg/pad_end crop) + Resize(linear, align_corners)."""
from __future__ import annotations

from caffe2ss.converter.layers.formulas import interp_size
from caffe2ss.converter.layers.interp import interp_output_size

from .registry import register

INT64_MAX = 2**63 - 1


def _sizes(g, p, hi, wi):
    """DeepLab's output-size rules on the effective input size (Dims, in-graph).

    Same rule order as the core ``interp_output_size`` (DLv2: shrink only, zoom only,
    height+width, shrink then zoom; DLv1 allows exactly one, so the order agrees).
    """
    hw = p.height is not None and p.width is not None
    return [interp_size(d, p.zoom_factor, p.shrink_factor, size if hw else None)
            for d, size in ((hi, p.height), (wi, p.width))]


@register("Interp")
def interp(g, layer, xs, ys):
    """Align-corners bilinear over the effective region starting at ``-pad_beg``.

    Caffe samples source row ``i * (H_eff - 1) / (H_out - 1)`` (0 when H_out is 1):
    exactly ONNX Resize ``linear`` + ``align_corners``. pad_beg/pad_end (<= 0) crop.
    """
    p = layer.params
    x = xs[0]
    if p.pad_beg or p.pad_end:
        start = -p.pad_beg  # pad_beg is used for both axes, like DeepLab
        stop = p.pad_end if p.pad_end < 0 else INT64_MAX  # negative end: from the end
        x = g.op("Slice", [x, g.ints([start, start], "starts"), g.ints([stop, stop], "ends"),
                           g.ints([2, 3], "axes")], "effective")
    # the core rules validate the parameters (at the export size when dynamic)
    out = list(interp_output_size(p, *g.shapes[xs[0]][2:], layer.name)[:2])
    h, w = g.dim(xs[0], 2), g.dim(xs[0], 3)
    if not (h.static and w.static):
        out = _sizes(g, p, h + (p.pad_beg + p.pad_end), w + (p.pad_beg + p.pad_end))
    sizes = g.dims([g.dim(xs[0], 0), g.dim(xs[0], 1)] + out, "sizes")
    g.node("Resize", [x, "", "", sizes], ys, mode="linear",
           coordinate_transformation_mode="align_corners")
