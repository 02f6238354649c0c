"""InnerProduct: Caffe's ``axis`` and C,H,W flatten order."""
from __future__ import annotations

from dataclasses import dataclass

from .registry import LayerContext, Msg, canonical_axis, count, register


@dataclass(frozen=True)
class InnerProductParams:
    """Normalised ``inner_product_param``. Weights are (N, K), or (K, N) if transpose."""

    num_output: int
    bias_term: bool
    axis: int
    transpose: bool


@register("InnerProduct", family="dense", param_field="inner_product_param")
class InnerProduct:
    """Not size-free: K is the flattened size of the bottom from ``axis`` on."""

    param_names = staticmethod(lambda p: ["weight", "bias"] if p.bias_term else ["weight"])
    batch_free = staticmethod(lambda p: p.axis != 0)  # axis 0 flattens N into K
    tied_dims = staticmethod(lambda p, shapes: tuple(shapes[0][p.axis % len(shapes[0]):]))

    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> InnerProductParams:
        if int(p.get("num_output", 0)) <= 0:
            raise p.error("num_output must be given and positive", "num_output")
        return InnerProductParams(num_output=int(p.get("num_output", 0)),
                                  bias_term=bool(p.get("bias_term", True)),  # default true
                                  axis=int(p.get("axis", 1)),                # default 1
                                  transpose=bool(p.get("transpose", False)))  # default false

    @staticmethod
    def blob_ranks(p, n):
        return [2, 1][:n]

    @staticmethod
    def infer(p: InnerProductParams, shapes, ctx):
        axis = canonical_axis(p.axis, len(shapes[0]), ctx)
        return [tuple(shapes[0][:axis]) + (p.num_output,)]

    @staticmethod
    def param_shapes(p: InnerProductParams, shapes):
        axis = p.axis + len(shapes[0]) if p.axis < 0 else p.axis
        k = count(shapes[0][axis:])  # K = C*H*W, flattened in C, H, W order
        w = (k, p.num_output) if p.transpose else (p.num_output, k)
        return [w, (p.num_output,)] if p.bias_term else [w]
