"""The registry of supported Caffe layer types (framework-free).

Each supported type has one :class:`LayerSpec`, registered with :func:`register` in the
file of its layer family. A spec knows how to

* ``parse``: read the type's parameter message from any fork's schema into a small
  frozen dataclass, spelling out Caffe's default for every field it reads;
* ``infer``: compute the top shapes from the bottom shapes with Caffe's formulas;
* ``param_shapes``: the weight shapes Caffe would allocate (for checking the file);
* ``blob_ranks``: the rank of each weight blob, to resolve legacy 4-D blob dims.

Backends register their own per-type functions (``converter/backends``); a backend
missing a type that is registered here is a bug caught by the tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from ..errors import CaffeError

Shape = tuple[int, ...]


class Msg:
    """Uniform, fork-agnostic read access to a protobuf parameter message.

    ``Msg(None)`` stands for an absent message: every field reads as absent, so
    defaults apply.
    """

    def __init__(self, message, layer: str | None = None):
        self._m = message
        self.layer = layer

    def _field(self, name):
        if self._m is None:
            return None
        return self._m.DESCRIPTOR.fields_by_name.get(name)

    def has(self, name: str) -> bool:
        """True if the field exists in this fork's schema and is set."""
        f = self._field(name)
        if f is None:
            return False
        if _is_repeated(f):
            return len(getattr(self._m, name)) > 0
        return self._m.HasField(name)

    def get(self, name: str, default):
        """The field's value, or ``default`` (Caffe's default) when absent."""
        return getattr(self._m, name) if self.has(name) else default

    def rep(self, name: str) -> list:
        """A repeated field as a list; an optional scalar (DLv1) as a 0/1-item list."""
        f = self._field(name)
        if f is None:
            return []
        if _is_repeated(f):
            return list(getattr(self._m, name))
        return [getattr(self._m, name)] if self._m.HasField(name) else []

    def enum_name(self, name: str, default: str) -> str:
        """The name of an enum field's value, or ``default`` when absent."""
        if not self.has(name):
            return default
        f = self._field(name)
        return f.enum_type.values_by_number[getattr(self._m, name)].name

    def sub(self, name: str) -> "Msg":
        """A nested message (absent -> an empty Msg)."""
        return Msg(getattr(self._m, name) if self.has(name) else None, self.layer)

    def error(self, message: str, field: str | None = None) -> CaffeError:
        return CaffeError(message, layer=self.layer, field=field)


def _is_repeated(f) -> bool:
    # protobuf >= 5 has FieldDescriptor.is_repeated; older ones only `label`.
    rep = getattr(f, "is_repeated", None)
    if rep is not None:
        return bool(rep)
    return f.label == f.LABEL_REPEATED


@dataclass(frozen=True)
class LayerContext:
    """What a spec may need besides its parameter message."""

    name: str
    n_bottoms: int
    n_tops: int
    fork: str


@dataclass(frozen=True)
class LayerSpec:
    """How one Caffe layer type is read and shaped. See module docstring."""

    type: str
    family: str
    param_field: Optional[str]
    parse: Callable[[Msg, LayerContext], Any]
    infer: Callable[[Any, list[Shape], LayerContext], list[Shape]]
    param_shapes: Callable[[Any, list[Shape]], list[Shape]]
    blob_ranks: Callable[[Any, int], list[Optional[int]]]
    #: (min, max) number of bottoms; max None = unbounded.
    bottoms: tuple[int, Optional[int]] = (1, 1)
    #: False if Caffe CHECKs that the top is not the bottom (no in-place computation).
    in_place: bool = True


SPECS: dict[str, LayerSpec] = {}


def register(type_name: str, *, family: str, param_field: str | None = None,
             bottoms: tuple[int, Optional[int]] = (1, 1), in_place: bool = True):
    """Class decorator: register a spec class with static parse/infer/... methods."""

    def deco(cls):
        if type_name in SPECS:
            raise ValueError(f"layer type {type_name!r} registered twice")
        SPECS[type_name] = LayerSpec(
            type=type_name,
            family=family,
            param_field=param_field,
            parse=getattr(cls, "parse", lambda p, ctx: None),
            infer=cls.infer,
            param_shapes=getattr(cls, "param_shapes", lambda params, shapes: []),
            blob_ranks=getattr(cls, "blob_ranks", lambda params, n: [None] * n),
            bottoms=bottoms,
            in_place=in_place,
        )
        return cls

    return deco


def canonical_axis(axis: int, ndim: int, ctx: LayerContext, field: str = "axis") -> int:
    """Caffe's CanonicalAxisIndex: negative axes count from the end."""
    if not -ndim <= axis < ndim:
        raise CaffeError(f"axis {axis} is out of range for a {ndim}-D blob",
                         layer=ctx.name, field=field)
    return axis + ndim if axis < 0 else axis


def count(shape) -> int:
    """Product of dims (Python ints: no overflow)."""
    n = 1
    for d in shape:
        n *= int(d)
    return n


def require_4d(shape: Shape, ctx: LayerContext, what: str = "bottom") -> None:
    if len(shape) != 4:
        raise CaffeError(f"{what} must be 4-D (N, C, H, W) but has shape {tuple(shape)}",
                         layer=ctx.name, field="bottom")
