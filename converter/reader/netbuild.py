"""Upgrade a parsed NetParameter (any fork, V0/V1/V2) into the IR :class:`Net`."""
from __future__ import annotations

from .aliasing import share_memory_writes
from .crf_layer import crf_from_layer
from ..errors import CaffeError
from .inputs import data_layer, header_inputs, preprocessing_fallback
from ..ir import Layer, Net
from ..layers import SPECS, Msg, new_context
from .rawlayers import RawLayer, net_state, raw_layers
from .choose_input import check_wanted, choose_inputs, is_data, may_have_weights
from ..forks import DATA_TYPES, DROP_TYPES, POSTPROCESS_TYPES
from .refused import reason
from .upgrade import as_str, layer_included
from .weights import attach_weights

def build_net(msg, fork: str, weights=None, inputs=None, fields=None) -> Net:
    """Build the TEST-phase inference :class:`Net` from a NetParameter message.

    ``inputs``: names given with ``--input`` (data-layer tops to use as inputs);
    by default the inputs are chosen by use (:mod:`.choose_input`). ``fields``: what the
    text parser read into ``msg`` (:func:`..reader.textproto.parse_message`), if known.
    """
    raws, layer_format = raw_layers(msg, fork, fields)
    net = Net(name=as_str(msg.name), inputs={}, layers=[], fork=fork,
              layer_format=layer_format)
    header_inputs(msg, net)
    level, stages = net_state(msg)
    dead: set[str] = set()
    unsupported = []
    included = []
    data = []  # (data layer, included)
    for raw in raws:
        if raw.include or raw.exclude:
            if raw.include and raw.exclude:
                raise CaffeError("a layer may have include or exclude rules, not both",
                                 layer=raw.name, field="include")
            inc = layer_included(raw.include, raw.exclude, level, stages)
        else:
            inc = True  # no rules: in every phase
        included.append(inc)
        if raw.type in DATA_TYPES and is_data(raw):
            data.append((raw, inc))
    # A TRAIN-only data layer (DeepLab train nets, the net saved in their caffemodels)
    # still says what the net's input is when nothing else provides its top.
    kept_data, made = [], None
    for raw, inc in data:
        if not inc:
            if made is None:  # the tops of the included layers, and the header inputs
                made = {t for r, i in zip(raws, included) if i for t in r.tops}
                made.update(net.inputs)
            if not raw.tops or raw.tops[0] in made:
                continue
        kept_data.append(raw)
    feeding = [r for r in kept_data if r.type != "Input"]
    check_wanted(inputs, net.inputs, kept_data)
    weighted_src = {w.name for w in weights or () if w.blobs}
    chosen, why = choose_inputs(
        feeding, [r for r, inc in zip(raws, included) if inc] if feeding else [],
        inputs, weighted_src)
    kept_ids = {id(r) for r in kept_data}
    layers = net.layers
    for raw, inc in zip(raws, included):
        if inc:
            pass
        elif id(raw) in kept_ids:
            net.notes.append(f"'{raw.name}' ({raw.type}) is excluded from the TEST phase "
                             f"but nothing else provides '{raw.tops[0]}'; using it as input")
        else:
            net.notes.append(f"dropped '{raw.name}' ({raw.type}): excluded from the TEST phase")
            continue
        if raw.type in DATA_TYPES and is_data(raw):
            if raw.bottoms:  # Caffe: data layers take no bottoms
                raise CaffeError(f"data layer type {raw.type} takes no bottoms, got "
                                 f"{raw.bottoms} (a misread V1 type? check --fork)",
                                 layer=raw.name, field="bottom")
            data_layer(raw, net, dead, chosen)
            continue
        if raw.type in DROP_TYPES:
            net.notes.append(f"dropped '{raw.name}' ({raw.type}): training/evaluation only")
            dead.update(raw.tops)
            continue
        if raw.type in POSTPROCESS_TYPES:
            net.warnings.append(f"'{raw.name}' ({raw.type}) is post-processing that is not "
                                f"converted; the net ends before it "
                                f"(use '{raw.bottoms[0] if raw.bottoms else '?'}')"
                                + _postprocess(raw, net))
            dead.update(raw.tops)
            continue
        if dead and any(b in dead for b in raw.bottoms):
            if may_have_weights(raw, weighted_src):
                net.dropped_weighted.append(raw.name)
            net.notes.append(f"dropped '{raw.name}' ({raw.type}): it consumes "
                             f"{[b for b in raw.bottoms if b in dead]} (labels or dropped "
                             "layers)")
            dead.update(raw.tops)
            continue
        spec = SPECS.get(raw.type)
        if spec is None or spec.family == "internal":
            unsupported.append(raw)
            continue
        layers.append(_make_layer(raw, fork, spec))
    if unsupported:
        listed = ", ".join(f"'{r.name}' ({_why(r.type)})" for r in unsupported)
        err = CaffeError(f"unsupported layer types: {listed}. Supported: "
                         f"{', '.join(caffe_types())} (plus data, loss and accuracy layers, "
                         "which are dropped)", layer=unsupported[0].name, field="type")
        bad = {id(r) for r in unsupported}  # inspect lists the whole net, marked
        err.layers = [{"name": r.name, "type": r.type or "unknown V1 enum value",
                       "bottoms": list(r.bottoms), "tops": list(r.tops),
                       "supported": id(r) not in bad}
                      for r, inc in zip(raws, included) if inc]
        raise err
    if not net.layers and not net.inputs:
        raise CaffeError("the net defines no layers and no inputs: an empty or wrong file",
                         field="layer")
    net.notes.extend(why)
    net.source_weighted = [w.name for w in weights or () if w.blobs]
    _check_wiring(net)
    share_memory_writes(net)
    attach_weights(net, weights)
    preprocessing_fallback(net)
    return net


def _postprocess(raw: RawLayer, net: Net) -> str:
    """Keep a DenseCRF's parameters as ``net.crf`` (the defaults of ``--crf``)."""
    if raw.type != "DenseCRF":
        return ""
    params, warnings = crf_from_layer(raw)
    net.warnings.extend(warnings)
    if params is None or net.crf is not None:
        return ""
    net.crf = params
    return f"; its parameters ({params.text()}) are the defaults of --crf"


def _why(type_name: str) -> str:
    """``Type`` or ``Type: reason`` for the unsupported-layers message."""
    if not type_name:
        return "unknown V1 enum value"
    why = reason(type_name)
    return f"{type_name}: {why}" if why else type_name


def caffe_types() -> list[str]:
    """The Caffe layer types we convert (the registry minus caffe2ss's own IR types)."""
    return sorted(t for t, spec in SPECS.items() if spec.family != "internal")


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


def _make_layer(raw: RawLayer, fork: str, spec=None) -> Layer:
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


def _unproduced(net: Net, layer: Layer, b: str) -> CaffeError:
    """The error for a bottom that no earlier layer or input produces."""
    for later in net.layers:
        if b in later.tops:  # the first layer producing it
            if later.name != layer.name:
                return CaffeError(f"bottom '{b}' is produced only later, by layer "
                                  f"'{later.name}': the graph has a cycle or is out of "
                                  "order", layer=layer.name, field="bottom")
            break
    return CaffeError(f"bottom '{b}' is not produced by any layer or input; check the "
                      "spelling or add an input", layer=layer.name, field="bottom")


def _check_wiring(net: Net) -> None:
    available = set(net.inputs)
    readers: dict[str, int] = {}  # bottoms reading the current version of each blob
    not_in_place = {t for t, spec in SPECS.items() if not spec.in_place}
    for layer in net.layers:
        bottoms = layer.bottoms
        for b in bottoms:
            readers[b] = readers.get(b, 0) + 1
            if b not in available:
                raise _unproduced(net, layer, b)
        for i, t in enumerate(layer.tops):
            # Caffe (Net::AppendTop): a top may reuse an existing name only in place,
            # i.e. when it is the bottom at the same index.
            if i < len(bottoms) and bottoms[i] == t:  # in place
                if layer.type in not_in_place:
                    raise CaffeError(f"{layer.type} cannot compute in place (Caffe CHECKs "
                                     "top != bottom); give the top a new name",
                                     layer=layer.name, field="top")
                if readers[t] > 1:
                    # Caffe's InsertSplits gives each reader of a blob read twice its own
                    # Split copy: this bottom is renamed, so the top is a second producer.
                    raise CaffeError(f"in-place top '{t}' is also read by another layer; "
                                     "Caffe rejects this ('produced by multiple sources'): "
                                     "give the layer a new top name", layer=layer.name,
                                     field="top")
            elif t in available:
                raise CaffeError(f"top '{t}' is produced by multiple sources (Caffe allows "
                                 "reusing a name only in place, top i == bottom i); rename "
                                 "it", layer=layer.name, field="top")
            available.add(t)
            readers[t] = 0  # its new version has no reader yet


