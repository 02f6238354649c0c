"""Element-wise math layers: Exp, Log, BNLL, Threshold, Clip, Swish (BVLC).

Formulas from Caffe's ``exp_layer.cpp``, ``log_layer.cpp``, ``bnll_layer.cpp``,
``threshold_layer.cpp``, ``clip_layer.cpp`` and ``swish_layer.cpp``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .registry import Msg, register


def _same(p, shapes, ctx):
    return [tuple(shapes[0])]


@dataclass(frozen=True)
class ExpParams:
    """``y = outer * exp(inner * x)``, Caffe's rewrite of ``base ** (shift + scale * x)``."""

    inner: float
    outer: float


def _base(p: Msg, what: str) -> float:
    base = float(p.get("base", -1.0))  # Caffe default base: -1 (= e)
    if base != -1.0 and base <= 0:
        raise p.error(f"{what} base must be strictly positive (or -1 for e), got {base}",
                      "base")
    return base


@register("Exp", family="mathfn", param_field="exp_param", size_free=True)
class Exp:
    infer = staticmethod(_same)

    @staticmethod
    def parse(p: Msg, ctx) -> ExpParams:
        base = _base(p, "Exp")
        scale = float(p.get("scale", 1.0))  # Caffe default: 1
        shift = float(p.get("shift", 0.0))  # Caffe default: 0
        log_base = 1.0 if base == -1.0 else math.log(base)
        outer = 1.0 if shift == 0 else (math.exp(shift) if base == -1.0 else base ** shift)
        return ExpParams(inner=log_base * scale, outer=outer)


@dataclass(frozen=True)
class LogParams:
    """``y = base_scale * log(shift + scale * x)``; base_scale = 1 / ln(base)."""

    scale: float
    shift: float
    base_scale: float


@register("Log", family="mathfn", param_field="log_param", size_free=True)
class Log:
    infer = staticmethod(_same)

    @staticmethod
    def parse(p: Msg, ctx) -> LogParams:
        base = _base(p, "Log")
        return LogParams(scale=float(p.get("scale", 1.0)),  # Caffe defaults: 1, 0
                         shift=float(p.get("shift", 0.0)),
                         base_scale=1.0 if base == -1.0 else 1.0 / math.log(base))


@dataclass(frozen=True)
class ThresholdParams:
    threshold: float


@register("Threshold", family="mathfn", param_field="threshold_param", size_free=True)
class Threshold:
    """``y = 1 if x > threshold else 0``."""

    infer = staticmethod(_same)

    @staticmethod
    def parse(p: Msg, ctx) -> ThresholdParams:
        return ThresholdParams(float(p.get("threshold", 0.0)))  # Caffe default: 0


@dataclass(frozen=True)
class ClipParams:
    min: float
    max: float


@register("Clip", family="mathfn", param_field="clip_param", size_free=True)
class Clip:
    """``y = max(min, min(x, max))``; both bounds are required in Caffe's schema."""

    infer = staticmethod(_same)

    @staticmethod
    def parse(p: Msg, ctx) -> ClipParams:
        for f in ("min", "max"):
            if not p.has(f):
                raise p.error(f"clip_param.{f} is required (Caffe's schema has no default)", f)
        lo, hi = float(p.get("min", 0.0)), float(p.get("max", 0.0))
        if lo > hi:
            raise p.error(f"clip_param min {lo} > max {hi} (Caffe CHECKs min <= max)", "min")
        return ClipParams(lo, hi)


@dataclass(frozen=True)
class SwishParams:
    beta: float


@register("Swish", family="mathfn", param_field="swish_param", size_free=True)
class Swish:
    """``y = x * sigmoid(beta * x)``."""

    infer = staticmethod(_same)

    @staticmethod
    def parse(p: Msg, ctx) -> SwishParams:
        return SwishParams(float(p.get("beta", 1.0)))  # Caffe default beta: 1


@register("BNLL", family="mathfn", size_free=True)
class BNLL:
    """``y = x + log(1 + exp(-x))`` if ``x > 0`` else ``log(1 + exp(x))``."""

    infer = staticmethod(_same)
