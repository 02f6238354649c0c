"""Element-wise layers: ReLU, PReLU, Sigmoid, TanH, AbsVal, ELU, Power, Dropout."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CaffeError
from .registry import POINTWISE, Msg, register


def _same(p, shapes, ctx):
    return [tuple(shapes[0])]


@dataclass(frozen=True)
class ReLUParams:
    negative_slope: float


@register("ReLU", family="activation", param_field="relu_param", size_free=True)
class ReLU:
    infer = staticmethod(_same)
    window = staticmethod(lambda p: POINTWISE)

    @staticmethod
    def parse(p: Msg, ctx):
        return ReLUParams(float(p.get("negative_slope", 0.0)))  # Caffe default: 0


@dataclass(frozen=True)
class PReLUParams:
    channel_shared: bool


@register("PReLU", family="activation", param_field="prelu_param", size_free=True)
class PReLU:
    param_names = staticmethod(lambda p: ["weight"])  # the slopes

    @staticmethod
    def infer(p, shapes, ctx):
        # Caffe reads the channels with the legacy accessor channels(): 2 to 4 axes only.
        if not 2 <= len(shapes[0]) <= 4:
            raise CaffeError(f"PReLU needs a 2-D to 4-D input (Caffe reads its channels "
                             f"with a legacy accessor), got shape {tuple(shapes[0])}",
                             layer=ctx.name, field="bottom")
        return [tuple(shapes[0])]

    @staticmethod
    def parse(p: Msg, ctx):
        return PReLUParams(bool(p.get("channel_shared", False)))  # Caffe default: false

    @staticmethod
    def blob_ranks(p: PReLUParams, n):
        return [0 if p.channel_shared else 1][:n]

    @staticmethod
    def param_shapes(p: PReLUParams, shapes):
        # channel_shared: one slope, a 0-axis blob in Caffe; else one per channel.
        return [()] if p.channel_shared else [(shapes[0][1],)]


@dataclass(frozen=True)
class ELUParams:
    alpha: float


@register("ELU", family="activation", param_field="elu_param", size_free=True)
class ELU:
    infer = staticmethod(_same)

    @staticmethod
    def parse(p: Msg, ctx):
        return ELUParams(float(p.get("alpha", 1.0)))  # Caffe default alpha: 1


@dataclass(frozen=True)
class PowerParams:
    """``y = (shift + scale * x) ** power``."""

    power: float
    scale: float
    shift: float


@register("Power", family="activation", param_field="power_param", size_free=True)
class Power:
    infer = staticmethod(_same)

    @staticmethod
    def parse(p: Msg, ctx):
        return PowerParams(power=float(p.get("power", 1.0)),  # Caffe defaults: 1, 1, 0
                           scale=float(p.get("scale", 1.0)),
                           shift=float(p.get("shift", 0.0)))


@dataclass(frozen=True)
class DropoutParams:
    ratio: float


@register("Dropout", family="activation", param_field="dropout_param", size_free=True)
class Dropout:
    """Identity at test time (Caffe's dropout scales during training only)."""

    infer = staticmethod(_same)
    window = staticmethod(lambda p: POINTWISE)

    @staticmethod
    def parse(p: Msg, ctx):
        return DropoutParams(float(p.get("dropout_ratio", 0.5)))  # Caffe default: 0.5


for _name in ("Sigmoid", "TanH", "AbsVal"):
    # Caffe's AbsVal CHECKs top != bottom: it cannot run in place.
    register(_name, family="activation", in_place=_name != "AbsVal", size_free=True)(
        type(_name, (), {"infer": staticmethod(_same),
                         "window": staticmethod(lambda p: POINTWISE)}))
