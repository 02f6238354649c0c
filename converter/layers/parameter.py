"""BVLC ``Parameter`` (``parameter_layer.hpp``): no bottom, one top that IS the layer's
one blob, of ``parameter_param.shape``."""
from __future__ import annotations

from dataclasses import dataclass

from .registry import LayerContext, Msg, register


@dataclass(frozen=True)
class ParameterParams:
    shape: tuple


@register("Parameter", family="parameter", param_field="parameter_param", bottoms=(0, 0),
          size_free=True)
class Parameter:
    param_names = staticmethod(lambda p: ["weight"])  # the blob (the top)

    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> ParameterParams:
        shape = tuple(int(d) for d in p.sub("shape").rep("dim"))  # default: () (a scalar)
        if any(d < 0 for d in shape):
            raise p.error(f"shape {shape} has a negative dimension", "shape")
        return ParameterParams(shape)

    @staticmethod
    def infer(p: ParameterParams, shapes, ctx):
        return [p.shape]

    @staticmethod
    def param_shapes(p: ParameterParams, shapes):
        return [p.shape]

    @staticmethod
    def blob_ranks(p: ParameterParams, n):
        return [len(p.shape)][:n]

    @staticmethod
    def batch_free(p) -> bool:
        return False  # the top's first axis is the blob's, whatever the input batch
