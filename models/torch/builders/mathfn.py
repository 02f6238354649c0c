"""Math and axis layers: Exp, Log, BNLL, Threshold, Clip, Swish, ArgMax, Reduction,
MVN, Tile (all weightless)."""
from __future__ import annotations

from .. import ops_math as m
from .registry import Fn, register


def _simple(type_name, make):
    register(type_name)(lambda layer: Fn(make(layer.params), type_name))


_simple("Exp", lambda p: lambda x: m.exp(x, p))
_simple("Log", lambda p: lambda x: m.log(x, p))
_simple("BNLL", lambda p: m.bnll)
_simple("Threshold", lambda p: lambda x: m.threshold(x, p))
_simple("Clip", lambda p: lambda x: m.clip(x, p))
_simple("Swish", lambda p: lambda x: m.swish(x, p))
_simple("ArgMax", lambda p: lambda x: m.argmax(x, p))
_simple("Reduction", lambda p: lambda x: m.reduction(x, p))
_simple("MVN", lambda p: lambda x: m.mvn(x, p))
_simple("Tile", lambda p: lambda x: m.tile(x, p))
