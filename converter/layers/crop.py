"""Crop: Caffe's axis/offset rules."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CaffeError
from .registry import LayerContext, Msg, register


@dataclass(frozen=True)
class CropParams:
    """Normalised ``crop_param``: start axis (may be negative) and raw offsets."""

    axis: int
    offsets: tuple[int, ...]


def crop_offsets(p: CropParams, ndim: int, ctx: LayerContext | None = None) -> tuple[int, list[int]]:
    """(canonical start axis, one offset per cropped axis) for an ``ndim`` blob.

    No offset -> all 0; one -> the same on every cropped axis; otherwise exactly one
    per cropped axis.
    """
    name = ctx.name if ctx else None
    axis = p.axis + ndim if p.axis < 0 else p.axis
    if not 0 <= axis < ndim:
        raise CaffeError(f"axis {p.axis} is out of range for a {ndim}-D blob",
                         layer=name, field="axis")
    n = ndim - axis
    if not p.offsets:
        return axis, [0] * n
    if len(p.offsets) == 1:
        return axis, [p.offsets[0]] * n
    if len(p.offsets) != n:
        raise CaffeError(f"{len(p.offsets)} offsets given for {n} cropped axes; give one "
                         "offset, or one per axis from `axis` on", layer=name, field="offset")
    return axis, list(p.offsets)


@register("Crop", family="crop", param_field="crop_param", bottoms=(2, 2), size_free=True)
class Crop:
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> CropParams:
        return CropParams(axis=int(p.get("axis", 2)),                # Caffe default axis: 2
                          offsets=tuple(int(o) for o in p.rep("offset")))  # default: none

    @staticmethod
    def infer(p: CropParams, shapes, ctx):
        a, b = shapes
        if len(a) != len(b):
            raise CaffeError(f"bottoms have different ranks {a} and {b}", layer=ctx.name,
                             field="bottom")
        axis, offs = crop_offsets(p, len(a), ctx)
        out = list(a[:axis])
        for i, off in zip(range(axis, len(a)), offs):
            if a[i] - off < b[i]:
                raise CaffeError(f"cannot crop axis {i} of size {a[i]} at offset {off} to "
                                 f"size {b[i]}", layer=ctx.name, field="offset")
            out.append(b[i])
        return [tuple(out)]
