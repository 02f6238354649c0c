"""Eltwise (SUM with coeff, PROD, MAX)."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CaffeError
from .registry import LayerContext, Msg, register


@dataclass(frozen=True)
class EltwiseParams:
    """``op`` in SUM/PROD/MAX; ``coeffs`` has one value per bottom (1.0 by default)."""

    op: str
    coeffs: tuple[float, ...]


@register("Eltwise", family="eltwise", param_field="eltwise_param", bottoms=(2, None),
          size_free=True)
class Eltwise:
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> EltwiseParams:
        op = p.enum_name("operation", "SUM")                 # Caffe default: SUM
        coeffs = [float(c) for c in p.rep("coeff")]          # default: all 1
        if coeffs and len(coeffs) != ctx.n_bottoms:
            raise p.error(f"{len(coeffs)} coeffs for {ctx.n_bottoms} bottoms; give one "
                          "per bottom", "coeff")
        if coeffs and op == "PROD":
            raise p.error("coeff is not allowed with operation PROD", "coeff")
        if op != "SUM":  # Caffe rejects coeffs only for PROD; MAX accepts and ignores them
            coeffs = []
        return EltwiseParams(op=op, coeffs=tuple(coeffs or [1.0] * ctx.n_bottoms))

    @staticmethod
    def infer(p: EltwiseParams, shapes, ctx):
        for s in shapes[1:]:
            if tuple(s) != tuple(shapes[0]):
                raise CaffeError(f"bottom shapes differ: {[tuple(x) for x in shapes]}; "
                                 "Eltwise needs equal shapes", layer=ctx.name, field="bottom")
        return [tuple(shapes[0])]
