"""Upgrade a parsed NetParameter (any fork, V0/V1/V2) into the IR :class:`Net`."""
from __future__ import annotations

from .aliasing import share_memory_writes
from .crf_layer import crf_from_layer
from ..errors import CaffeError
from .inputs import data_layer, header_inputs, preprocessing_fallback
from ..ir import Net
from ..layers import SPECS
from .makelayer import make_layer
from .rawlayers import RawLayer, net_state, raw_layers
from .choose_input import check_wanted, choose_inputs, is_data, may_have_weights
from ..forks import DATA_TYPES, DROP_TYPES, POSTPROCESS_TYPES
from .refused import reason
from .upgrade import as_str, layer_included
from .weights import attach_weights
from .wiring import check_wiring


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
        layers.append(make_layer(raw, fork, spec))
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
    check_wiring(net)
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
