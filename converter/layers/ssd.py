"""SSD-fork layers (weiliu89/caffe; in the reference build, ``--fork inisis``):
``Normalize`` and ``Permute``, from its ``normalize_layer.cpp`` and ``permute_layer.cpp``.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CaffeError
from .registry import LayerContext, Msg, register


@dataclass(frozen=True)
class NormalizeParams:
    """L2 norm over C*H*W per item (``across_spatial``) or over C per position, then a
    learned scale: one value (``channel_shared``, a 0-axis blob) or one per channel."""

    across_spatial: bool
    channel_shared: bool
    eps: float


@register("Normalize", family="ssd", param_field="norm_param", size_free=True)
class Normalize:
    param_names = staticmethod(lambda p: ["weight"])  # the scale

    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> NormalizeParams:
        return NormalizeParams(bool(p.get("across_spatial", True)),   # SSD default: true
                               bool(p.get("channel_shared", True)),   # SSD default: true
                               float(p.get("eps", 1e-10)))            # SSD default: 1e-10

    @staticmethod
    def infer(p, shapes, ctx):
        if not 2 <= len(shapes[0]) <= 4:
            raise CaffeError(f"Normalize needs a 2-D to 4-D input (SSD reads channels/"
                             f"height/width), got {tuple(shapes[0])}", layer=ctx.name,
                             field="bottom")
        return [tuple(shapes[0])]

    @staticmethod
    def blob_ranks(p: NormalizeParams, n):
        return [0 if p.channel_shared else 1][:n]

    @staticmethod
    def param_shapes(p: NormalizeParams, shapes):
        return [()] if p.channel_shared else [(shapes[0][1],)]


@dataclass(frozen=True)
class PermuteParams:
    """``order`` as given; :func:`permute_order` completes it for a rank."""

    order: tuple[int, ...]


def permute_order(p: PermuteParams, ndim: int, ctx=None) -> tuple[int, ...]:
    """SSD's rule: the given axes, then every missing axis in increasing order."""
    for o in p.order:
        if o >= ndim:
            raise CaffeError(f"permute order {o} is not below the input's {ndim} axes",
                             layer=ctx and ctx.name, field="order")
    return tuple(p.order) + tuple(i for i in range(ndim) if i not in p.order)


@register("Permute", family="ssd", param_field="permute_param", in_place=False,
          size_free=True)
class Permute:
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> PermuteParams:
        order = tuple(int(o) for o in p.rep("order"))  # default: none (identity)
        if len(set(order)) != len(order):
            raise p.error(f"duplicate axes in order {order}", "order")
        return PermuteParams(order)

    @staticmethod
    def infer(p: PermuteParams, shapes, ctx):
        s = tuple(shapes[0])
        return [tuple(s[a] for a in permute_order(p, len(s), ctx))]
