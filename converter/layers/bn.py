"""``BN``: the batch normalisation of the PSPNet / yjxiong Caffe forks (``--fork pspnet``).

From PSPNet's ``bn_layer.cpp``: four blobs of shape ``(1, C, 1, 1)`` -- slope, bias,
moving mean, moving variance; in the TEST phase (or ``frozen``) the stored statistics
give ``y = slope * (x - mean) * (var + eps)^-1/2 + bias`` (Caffe's order of operations).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CaffeError
from .registry import LayerContext, Msg, register


@dataclass(frozen=True)
class BNParams:
    eps: float


@register("BN", family="bn", param_field="bn_param", size_free=True)
class BN:
    # slope, bias, moving mean, moving variance, in Caffe's (1, C, 1, 1) layout
    param_names = staticmethod(lambda p: ["weight", "bias", "running_mean", "running_var"])

    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> BNParams:
        return BNParams(float(p.get("eps", 1e-5)))  # PSPNet default eps: 1e-5

    @staticmethod
    def infer(p, shapes, ctx):
        if not 2 <= len(shapes[0]) <= 4:
            raise CaffeError(f"BN needs a 2-D to 4-D input (the fork reads num/channels/"
                             f"height/width), got shape {tuple(shapes[0])}", layer=ctx.name,
                             field="bottom")
        return [tuple(shapes[0])]

    @staticmethod
    def blob_ranks(p, n):
        return [4] * n

    @staticmethod
    def param_shapes(p, shapes):
        return [(1, shapes[0][1], 1, 1)] * 4


def bn_arrays(blobs) -> list:
    """slope, bias, mean, variance as float32 ``(C,)`` arrays."""
    import numpy as np

    return [np.asarray(b, dtype=np.float32).reshape(-1) for b in blobs[:4]]
