"""One IR :class:`~caffe2ss.converter.ir.Layer` from a raw layer: Caffe's bottom and top
counts, then its parameters parsed by the type's spec."""
from __future__ import annotations

from ..errors import CaffeError
from ..ir import Layer
from ..layers import SPECS, Msg, new_context
from .rawlayers import RawLayer

#: the parameter message of a layer that sets none (every field reads as Caffe's default)
_ABSENT = Msg(None)
#: (type, bottoms, tops, fork) -> the parameters of a layer without a parameter message
#: (every field Caffe's default): parsed once, shared, as they are immutable
_DEFAULTS: dict = {}
_UNPARSED = object()


def _remember_defaults(key, params) -> None:
    try:
        hash(params)  # frozen, with immutable fields: safe to share between layers
    except TypeError:
        return
    _DEFAULTS[key] = params


#: message class -> the names of its fields (a fork's LayerParameter, V0's upgraded one)
_FIELD_NAMES: dict = {}


def _field_names(cls) -> frozenset:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(cls.DESCRIPTOR.fields_by_name)
    return names


def make_layer(raw: RawLayer, fork: str, spec=None) -> Layer:
    """The IR layer of ``raw`` (``spec``: its type's, if already looked up)."""
    spec = spec or SPECS[raw.type]
    lo, hi = spec.bottoms
    n = len(raw.bottoms)
    if n < lo or (hi is not None and n > hi):
        want = f"{lo}" if lo == hi else f"{lo}..{hi if hi is not None else 'n'}"
        raise CaffeError(f"{raw.type} takes {want} bottoms, got {n}", layer=raw.name,
                         field="bottom")
    lo, hi = spec.tops
    n_tops = len(raw.tops)
    if not raw.tops:
        raise CaffeError(f"{raw.type} needs a top", layer=raw.name, field="top")
    if n_tops < lo or (hi is not None and n_tops > hi):
        want = f"{lo}" if lo == hi else f"{lo}..{hi if hi is not None else 'n'}"
        raise CaffeError(f"{raw.type} gives {want} tops, got {n_tops}; remove the extra "
                         "tops", layer=raw.name, field="top")
    pmsg, field = None, spec.param_field
    if field and field not in _field_names(raw.msg_type):
        if raw.type == "Interp":
            # BVLC has no Interp: DLv2's interp_param (143) reads as BVLC's input_param
            raise CaffeError(f"the {fork} schema has no interp_param, so this Interp layer "
                             "would lose its sizes; use --fork deeplab_v2 (or deeplab_v1)",
                             layer=raw.name, field="interp_param")
    elif field and (field in raw.fields if raw.fields is not None else raw.has(field)):
        pmsg = getattr(raw.msg, field)
    key = (raw.type, n, n_tops, fork)
    params = _DEFAULTS.get(key, _UNPARSED) if pmsg is None else _UNPARSED
    try:
        if params is _UNPARSED:
            # an absent message reads as defaults; its errors get the layer from
            # with_context
            params = spec.parse(Msg(pmsg, raw.name) if pmsg is not None else _ABSENT,
                                new_context((raw.name, n, n_tops, fork)))
            if pmsg is None:
                _remember_defaults(key, params)
    except CaffeError as e:
        raise e.with_context(layer=raw.name,
                             field=spec.param_field and f"{spec.param_field}.{e.field}") \
            from None
    # the raw layer's lists are its own (made by the upgrade), and it is dropped after
    return Layer(raw.name, raw.type, raw.bottoms, raw.tops, params, strict_dim=raw.strict_dim)
