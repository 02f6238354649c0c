"""``Embed`` (BVLC ``embed_layer.cpp``): ``y[..., :] = W[int(x[...])] + b``."""
from __future__ import annotations

from dataclasses import dataclass

from .registry import Msg, register


@dataclass(frozen=True)
class EmbedParams:
    num_output: int
    input_dim: int
    bias_term: bool


@register("Embed", family="embed", param_field="embed_param", in_place=False,
          size_free=True)
class Embed:
    """W is ``(input_dim, num_output)``; Caffe truncates each input to an int index."""

    @staticmethod
    def param_names(p: EmbedParams) -> list[str]:
        return ["weight", "bias"] if p.bias_term else ["weight"]

    @staticmethod
    def parse(p: Msg, ctx) -> EmbedParams:
        n, k = int(p.get("num_output", 0)), int(p.get("input_dim", 0))  # no defaults
        if n < 1 or k < 1:
            raise p.error("embed_param needs num_output and input_dim > 0",
                          "num_output" if n < 1 else "input_dim")
        return EmbedParams(n, k, bool(p.get("bias_term", True)))  # Caffe default: true

    @staticmethod
    def infer(p: EmbedParams, shapes, ctx):
        return [tuple(shapes[0]) + (p.num_output,)]

    @staticmethod
    def blob_ranks(p, n):
        return [2, 1][:n]

    @staticmethod
    def param_shapes(p: EmbedParams, shapes):
        return [(p.input_dim, p.num_output)] + ([(p.num_output,)] if p.bias_term else [])
