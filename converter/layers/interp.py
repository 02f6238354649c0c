"""DeepLab's Interp layer (align-corners bilinear resize), DLv1 and DLv2 size rules."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CaffeError
from .formulas import interp_size
from .registry import LayerContext, Msg, register, require_4d


@dataclass(frozen=True)
class InterpParams:
    """Normalised ``interp_param``; a field is None when absent (presence matters)."""

    height: int | None
    width: int | None
    zoom_factor: int | None
    shrink_factor: int | None
    pad_beg: int
    pad_end: int
    fork: str


def interp_output_size(p: InterpParams, h: int, w: int, layer=None) -> tuple[int, int, int, int]:
    """(out_h, out_w, in_h_eff, in_w_eff) by DeepLab's rules.

    ``pad_beg``/``pad_end`` must be <= 0 (they crop the input). DLv2 applies the first
    matching rule of: shrink only, zoom only, height+width, shrink then zoom. DLv1 needs
    exactly one of zoom, shrink, height+width.
    """
    if p.pad_beg > 0 or p.pad_end > 0:
        raise CaffeError("pad_beg and pad_end must be <= 0 (Interp only crops)",
                         layer=layer, field="pad_beg")
    hi, wi = h + p.pad_beg + p.pad_end, w + p.pad_beg + p.pad_end
    if hi <= 0 or wi <= 0:
        raise CaffeError(f"pads crop the {h}x{w} input to nothing", layer=layer,
                         field="pad_end")
    zoom, shrink = p.zoom_factor, p.shrink_factor
    hw = p.height is not None and p.width is not None
    if p.fork == "deeplab_v1":
        given = sum([zoom is not None, shrink is not None, hw])
        if given != 1:
            raise CaffeError("DeepLab v1 Interp needs exactly one of zoom_factor, "
                             "shrink_factor or height+width", layer=layer, field="zoom_factor")
    if zoom is None and shrink is None and not hw:
        raise CaffeError("Interp needs zoom_factor, shrink_factor or height and width",
                         layer=layer, field="zoom_factor")
    ho = interp_size(hi, zoom, shrink, p.height if hw else None)
    wo = interp_size(wi, zoom, shrink, p.width if hw else None)
    if ho <= 0 or wo <= 0:
        raise CaffeError(f"output size {ho}x{wo} is not positive", layer=layer, field="height")
    return ho, wo, hi, wi


@register("Interp", family="interp", param_field="interp_param", size_free=True)
class Interp:
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> InterpParams:
        def opt(name):
            return int(p.get(name, 0)) if p.has(name) else None  # absent: rule not used

        for name in ("zoom_factor", "shrink_factor"):
            if p.has(name) and int(p.get(name, 1)) < 1:
                raise p.error(f"{name} must be >= 1", name)
        return InterpParams(height=opt("height"), width=opt("width"),
                            zoom_factor=opt("zoom_factor"), shrink_factor=opt("shrink_factor"),
                            pad_beg=int(p.get("pad_beg", 0)),  # DeepLab default pad_beg: 0
                            pad_end=int(p.get("pad_end", 0)),  # default pad_end: 0
                            fork=ctx.fork)

    @staticmethod
    def infer(p: InterpParams, shapes, ctx):
        require_4d(shapes[0], ctx)
        n, c, h, w = shapes[0]
        ho, wo, _, _ = interp_output_size(p, h, w, ctx.name)
        return [(n, c, ho, wo)]
