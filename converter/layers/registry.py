"""The registry of supported Caffe layer types (framework-free).

Each supported type has one :class:`LayerSpec`, registered with :func:`register` in the
file of its layer family. A spec knows how to

* ``parse``: read the type's parameter message from any fork's schema into a small
  frozen dataclass, spelling out Caffe's default for every field it reads;
* ``infer``: compute the top shapes from the bottom shapes with Caffe's formulas;
* ``param_shapes``: the weight shapes Caffe would allocate (for checking the file);
* ``blob_ranks``: the rank of each weight blob, to resolve legacy 4-D blob dims;
* the per-type facts the rest of the code needs: the number of tops, the exported
  parameter names (so whether it is weighted), whether its tops share the bottom's
  memory, whether it runs at any input size (``size_free``) or batch (``batch_free``),
  and which input dims its weights are tied to (``tied_dims``).

Backends register their own per-type functions (``converter/backends``); a backend
missing a type that is registered here is a bug caught by the tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, NamedTuple, Optional

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


class LayerContext(NamedTuple):
    """What a spec may need besides its parameter message (immutable; a named tuple, as
    one is made per layer and per shape inference: a frozen dataclass cost 1 us each).

    A spec's ``parse`` uses ``name`` only in its errors: the parameters of a layer
    without a parameter message are shared by layers of the same type and counts.
    """

    name: str
    n_bottoms: int
    n_tops: int
    fork: str


#: ``new_context((name, n_bottoms, n_tops, fork))``: a LayerContext without the Python
#: frame of the named tuple's ``__new__`` (for the per-layer loops)
new_context = partial(tuple.__new__, LayerContext)


def _none(params) -> list:
    return []


def _never(*args) -> bool:
    return False


def _always(*args) -> bool:
    return True


def _untied(params, shapes):
    return None


def _no_window(params):
    return None


class Window(NamedTuple):
    """How a top row (column) depends on the bottom's, per axis (H, W): output ``o``
    reads rows ``[o * stride - pad, o * stride - pad + extent)``. ``zeros``: padded rows
    are read as zeros (convolution); else they are skipped (pooling)."""

    extent: tuple[int, int]
    stride: tuple[int, int]
    pad: tuple[int, int]
    zeros: bool


#: the ``window`` fact of element-wise layers: top row i is a function of bottom row i
POINTWISE = "pointwise"


def _as_is(blobs) -> list:
    return list(blobs)


def never(fact: Callable) -> bool:
    """True if a spec's fact is the constant False (per-layer loops skip the call)."""
    return fact is _never


def _const(value) -> Callable:
    return _always if value is True else _never if value is False else value


@dataclass(frozen=True)
class LayerSpec:
    """Everything the converter knows about one Caffe layer type. See module docstring.

    Backends and the reader ask the spec; no per-type table lives elsewhere.
    """

    type: str
    family: str
    param_field: Optional[str]
    parse: Callable[[Msg, LayerContext], Any]
    infer: Callable[[Any, list[Shape], LayerContext], list[Shape]]
    param_shapes: Callable[[Any, list[Shape]], list[Shape]]
    blob_ranks: Callable[[Any, int], list[Optional[int]]]
    #: (min, max) number of bottoms; max None = unbounded.
    bottoms: tuple[int, Optional[int]] = (1, 1)
    #: (min, max) number of tops, as Caffe's ExactNum/MinTopBlobs; max None = unbounded.
    tops: tuple[int, Optional[int]] = (1, 1)
    #: False if Caffe CHECKs that the top is not the bottom (no in-place computation).
    in_place: bool = True
    #: ``param_names(params) -> [str]``: the exported parameter tensors in Caffe's blob
    #: order (state_dict suffixes ``weight``, ``bias``, ``running_mean`` ...); [] for a
    #: weightless layer. Caffe allocates parameter blobs exactly when it is not empty.
    param_names: Callable[[Any], list[str]] = _none
    #: Caffe blobs folded into the exported ones (BatchNorm's scale factor: 1).
    folded_blobs: int = 0
    #: ``export_blobs(caffe_blobs) -> arrays`` named by ``param_names`` (BatchNorm divides
    #: by its scale factor); ``import_blobs`` is the way back.
    export_blobs: Callable[[list], list] = _as_is
    import_blobs: Callable[[list], list] = _as_is
    #: ``shares_memory(n_bottoms, n_tops)``: the tops share the first bottom's data.
    shares_memory: Callable[[int, int], bool] = _never
    #: ``size_free(params)``: variables and computation do not depend on the input's H, W.
    size_free: Callable[[Any], bool] = _never
    #: ``batch_free(params)``: the layer works for any batch size N.
    batch_free: Callable[[Any], bool] = _always
    #: ``tied_dims(params, bottom_shapes)``: the dims its weights fix (InnerProduct: the
    #: flattened ones), or None.
    tied_dims: Callable[[Any, list[Shape]], Optional[tuple]] = _untied
    #: the top's size along this axis depends on the bottoms' values (DetectionOutput's
    #: rows): ``infer`` gives Caffe's Reshape placeholder there; None for every other type
    data_dependent_axis: Optional[int] = None
    #: ``window(params)``: a :class:`Window` (each top row computed from a window of
    #: bottom rows, along H and W, from one 4-D bottom), :data:`POINTWISE`, or None (any
    #: other dependence). Used by constant-border compression (``converter/borders.py``).
    window: Callable[[Any], Any] = _no_window

    def weighted(self, params) -> bool:
        """True if Caffe allocates parameter blobs for a layer with these parameters."""
        names = self.param_names
        return names is not _none and bool(names(params))  # weightless types: no call

    def n_blobs(self, params) -> int:
        """How many Caffe blobs the layer's weights are (exported ones + folded ones)."""
        names = self.param_names(params)
        return len(names) + (self.folded_blobs if names else 0)


SPECS: dict[str, LayerSpec] = {}
#: the types whose spec declares no parameter tensors (never weighted): a set lookup
#: spares hot per-layer loops the call to :meth:`LayerSpec.weighted`
WEIGHTLESS: set[str] = set()

#: The per-type facts a spec class may define as static methods (else the defaults, or
#: the value given to :func:`register`).
_METHODS = ("parse", "param_shapes", "blob_ranks", "param_names", "shares_memory",
            "size_free", "batch_free", "tied_dims", "export_blobs", "import_blobs",
            "window")


def register(type_name: str, *, family: str, param_field: str | None = None,
             bottoms: tuple[int, Optional[int]] = (1, 1),
             tops: tuple[int, Optional[int]] = (1, 1), in_place: bool = True,
             size_free: bool = False, shares_memory: bool = False, folded_blobs: int = 0,
             data_dependent_axis: Optional[int] = None):
    """Class decorator: register a spec class with static parse/infer/... methods.

    Booleans stand for a fact that does not depend on the parameters; a static method
    of the same name on the class takes precedence.
    """

    def deco(cls):
        if type_name in SPECS:
            raise ValueError(f"layer type {type_name!r} registered twice")
        given = {"size_free": _const(size_free), "shares_memory": _const(shares_memory)}
        facts = {m: getattr(cls, m) for m in _METHODS if hasattr(cls, m)}
        SPECS[type_name] = LayerSpec(
            type=type_name, family=family, param_field=param_field,
            parse=facts.pop("parse", lambda p, ctx: None), infer=cls.infer,
            param_shapes=facts.pop("param_shapes", lambda params, shapes: []),
            blob_ranks=facts.pop("blob_ranks", lambda params, n: [None] * n),
            bottoms=bottoms, tops=tops, in_place=in_place, folded_blobs=folded_blobs,
            data_dependent_axis=data_dependent_axis, **{**given, **facts})
        if "param_names" not in facts:
            WEIGHTLESS.add(type_name)
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
