"""Integers that are either known now (static export) or computed in the graph.

With a fixed input shape every size is a Python int and arithmetic folds away; with
``--dynamic-hw`` the same expressions emit int64 ONNX nodes over 1-element tensors, so
each layer has ONE code path for both cases.
"""
from __future__ import annotations

import operator


class Dim:
    """A non-negative integer: a Python ``int`` or a 1-element int64 graph tensor (or an
    int64 vector of them, e.g. output indices, that broadcasts in the same arithmetic)."""

    __slots__ = ("g", "v")

    def __init__(self, g, v):
        self.g = g
        self.v = int(v) if not isinstance(v, str) else v

    @property
    def static(self) -> bool:
        return isinstance(self.v, int)

    def tensor(self) -> str:
        """The value as a 1-element int64 tensor name."""
        return self.g.ints([self.v], "dim") if self.static else self.v

    def _bin(self, other, op: str, pyop, swap=False):
        other = other if isinstance(other, Dim) else Dim(self.g, other)
        a, b = (other, self) if swap else (self, other)
        if a.static and b.static:
            return Dim(self.g, pyop(a.v, b.v))
        return Dim(self.g, self.g.op(op, [a.tensor(), b.tensor()]))

    def __add__(self, o):
        return self._bin(o, "Add", operator.add)

    __radd__ = __add__

    def __sub__(self, o):
        return self._bin(o, "Sub", operator.sub)

    def __rsub__(self, o):
        return self._bin(o, "Sub", operator.sub, swap=True)

    def __mul__(self, o):
        return self._bin(o, "Mul", operator.mul)

    __rmul__ = __mul__

    def __floordiv__(self, o):
        # int64 Div truncates toward zero: equal to floor for the non-negative sizes here
        return self._bin(o, "Div", operator.floordiv)

    def max(self, o):
        return self._bin(o, "Max", max)

    def min(self, o):
        return self._bin(o, "Min", min)

    def ge(self, o):
        """1 if self >= o else 0."""
        o = o if isinstance(o, Dim) else Dim(self.g, o)
        if self.static and o.static:
            return Dim(self.g, int(self.v >= o.v))
        t = self.g.op("GreaterOrEqual", [self.tensor(), o.tensor()])
        return Dim(self.g, self.g.op("Cast", [t], to=7))  # 7 = INT64

    def __repr__(self):
        return f"Dim({self.v})"
