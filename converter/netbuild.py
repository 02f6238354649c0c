"""Upgrade a parsed NetParameter (any fork, V0/V1/V2) into the IR :class:`Net`."""
from __future__ import annotations

import re

from .blobs import normalise_rank
from .errors import CaffeError
from .ir import MAX_BLOB_ELEMENTS, Layer, Net
from .layers import SPECS, LayerContext, Msg
from .upgrade import (DATA_TYPES, DROP_TYPES, POSTPROCESS_TYPES, WEIGHTED_TYPES, RawLayer,
                      as_str, layer_included, net_state, raw_layers, strs)

VOC_MEAN_BGR = (104.00699, 116.66877, 122.67892)


def build_net(msg, fork: str, weights=None) -> Net:
    """Build the TEST-phase inference :class:`Net` from a NetParameter message."""
    raws, layer_format = raw_layers(msg, fork)
    net = Net(name=as_str(msg.name), inputs={}, layers=[], fork=fork,
              layer_format=layer_format)
    _header_inputs(msg, net)
    level, stages = net_state(msg)
    dead: set[str] = set()
    unsupported = []
    included = []
    for raw in raws:
        if raw.include and raw.exclude:
            raise CaffeError("a layer may have include or exclude rules, not both",
                             layer=raw.name, field="include")
        included.append(layer_included(raw.include, raw.exclude, level, stages))
    made = {t for raw, inc in zip(raws, included) if inc for t in raw.tops}
    for raw, inc in zip(raws, included):
        is_data = raw.type in DATA_TYPES and not (raw.type == "Python" and raw.bottoms)
        if not inc and is_data and raw.tops and raw.tops[0] not in made | set(net.inputs):
            # A TRAIN-only data layer (DeepLab train nets, the net saved in their
            # caffemodels) still says what the net's input is: keep it as the input.
            net.notes.append(f"'{raw.name}' ({raw.type}) is excluded from the TEST phase "
                             f"but nothing else provides '{raw.tops[0]}'; using it as input")
        elif not inc:
            net.notes.append(f"dropped '{raw.name}' ({raw.type}): excluded from the TEST phase")
            continue
        if is_data:
            if raw.bottoms:  # Caffe: data layers take no bottoms
                raise CaffeError(f"data layer type {raw.type} takes no bottoms, got "
                                 f"{raw.bottoms} (a misread V1 type? check --fork)",
                                 layer=raw.name, field="bottom")
            _data_layer(raw, net, dead)
            continue
        if raw.type in DROP_TYPES:
            net.notes.append(f"dropped '{raw.name}' ({raw.type}): training/evaluation only")
            dead.update(raw.tops)
            continue
        if raw.type in POSTPROCESS_TYPES:
            net.warnings.append(f"'{raw.name}' ({raw.type}) is post-processing that is not "
                                f"converted; the net ends before it "
                                f"(use '{raw.bottoms[0] if raw.bottoms else '?'}')")
            dead.update(raw.tops)
            continue
        if any(b in dead for b in raw.bottoms):
            net.notes.append(f"dropped '{raw.name}' ({raw.type}): it consumes "
                             f"{[b for b in raw.bottoms if b in dead]} (labels or dropped "
                             "layers)")
            dead.update(raw.tops)
            continue
        if raw.type not in SPECS:
            unsupported.append(raw)
            continue
        net.layers.append(_make_layer(raw, fork))
    if unsupported:
        listed = ", ".join(f"'{r.name}' ({r.type or 'unknown V1 enum value'})"
                           for r in unsupported)
        raise CaffeError(f"unsupported layer types: {listed}. Supported: "
                         f"{', '.join(sorted(SPECS))} (plus data, loss and accuracy layers, "
                         "which are dropped)", layer=unsupported[0].name, field="type")
    if not net.layers and not net.inputs:
        raise CaffeError("the net defines no layers and no inputs: an empty or wrong file",
                         field="layer")
    _check_wiring(net)
    _attach_weights(net, weights)
    _preprocessing_fallback(net)
    return net


# ---------------------------------------------------------------- upgrades

def _header_inputs(msg, net: Net) -> None:
    """Legacy ``input``/``input_dim``/``input_shape`` headers -> graph inputs."""
    names = strs(msg.input)
    dims = list(msg.input_dim)
    shapes = list(getattr(msg, "input_shape", []))
    if dims and len(dims) != 4 * len(names):
        raise CaffeError(f"{len(dims)} input_dim values for {len(names)} inputs; give 4 "
                         "per input (N, C, H, W)", field="input_dim")
    if shapes and len(shapes) != len(names):
        raise CaffeError(f"{len(shapes)} input_shape entries for {len(names)} inputs",
                         field="input_shape")
    for i, name in enumerate(names):
        if dims:
            net.inputs[name] = _declared(dims[4 * i:4 * i + 4], name, None, "input_dim")
        elif shapes:
            net.inputs[name] = _declared(shapes[i].dim, name, None, "input_shape")
        else:
            net.inputs[name] = None


def _declared(dims, blob: str, layer, field: str) -> tuple:
    """A declared input shape, refused before anything is allocated if it is absurd."""
    shape = tuple(int(d) for d in dims)
    count = 1
    for d in shape:
        count *= max(d, 0)
    if count > MAX_BLOB_ELEMENTS:
        raise CaffeError(f"input '{blob}' is declared with shape {shape} = {count} elements, "
                         f"over the limit of {MAX_BLOB_ELEMENTS}; fix the shape in the file",
                         layer=layer, field=field)
    return shape


# ------------------------------------------------------------ data layers
def _data_layer(raw: RawLayer, net: Net, dead: set) -> None:
    m = raw.msg
    if raw.type == "Input":
        shapes = [_declared(s.dim, raw.tops[0] if raw.tops else "?", raw.name,
                            "input_param.shape") for s in m.input_param.shape] \
            if "input_param" in m.DESCRIPTOR.fields_by_name else []
        if shapes and len(shapes) not in (1, len(raw.tops)):
            raise CaffeError(f"{len(shapes)} shapes for {len(raw.tops)} tops; give one "
                             "shape, or one per top", layer=raw.name, field="input_param.shape")
        for i, top in enumerate(raw.tops):
            net.inputs[top] = (shapes[i] if len(shapes) > 1 else shapes[0]) if shapes else None
        return
    if not raw.tops:
        return
    net.inputs[raw.tops[0]] = _declared_data_shape(raw)
    dead.update(raw.tops[1:])
    net.notes.append(f"data layer '{raw.name}' ({raw.type}) -> input '{raw.tops[0]}'"
                     + (f"; its other tops {raw.tops[1:]} (labels) are dropped"
                        if raw.tops[1:] else ""))
    _preprocessing_from(raw, net)


def _declared_data_shape(raw: RawLayer):
    m = Msg(raw.msg)
    if raw.type == "MemoryData":
        p = m.sub("memory_data_param")
        dims = [p.get(k, 0) for k in ("batch_size", "channels", "height", "width")]
        return tuple(int(d) for d in dims) if all(dims) else None
    t = m.sub("transform_param")
    crop = int(t.get("crop_size", 0))
    h = int(t.get("crop_height", crop))
    w = int(t.get("crop_width", crop))
    if h <= 0 or w <= 0:
        return None
    color = m.sub("image_data_param").get("is_color", True)
    return (1, 3 if color else 1, h, w)


def _preprocessing_from(raw: RawLayer, net: Net) -> None:
    m = Msg(raw.msg)
    t = m.sub("transform_param")
    pre = net.preprocessing
    if t.rep("mean_value"):
        pre.mean = tuple(float(v) for v in t.rep("mean_value"))
        pre.source = f"transform_param of '{raw.name}'"
    if t.has("scale"):
        pre.scale = float(t.get("scale", 1.0))
    crop = int(t.get("crop_size", 0))
    if crop:
        pre.crop_size = crop
    if raw.type == "Python":
        s = as_str(m.sub("python_param").get("param_str", ""))
        hit = re.search(r"['\"]mean['\"]\s*:\s*[\(\[]([^\)\]]*)[\)\]]", s)
        if hit:
            pre.mean = tuple(float(v) for v in hit.group(1).split(",") if v.strip())
            pre.source = f"python_param.param_str of '{raw.name}'"


def _preprocessing_fallback(net: Net) -> None:
    if net.preprocessing.mean is not None:
        return
    names = {l.name for l in net.layers}
    if names & {"score_fr", "fc8_voc12", "fc8_interp", "score", "upscore"} or \
            re.search(r"fcn|deeplab|voc", net.name, re.I):
        net.preprocessing.mean = VOC_MEAN_BGR
        net.preprocessing.source = "known model family (FCN/DeepLab VOC mean, BGR)"


# ------------------------------------------------------------ layers
def _make_layer(raw: RawLayer, fork: str) -> Layer:
    spec = SPECS[raw.type]
    lo, hi = spec.bottoms
    n = len(raw.bottoms)
    if n < lo or (hi is not None and n > hi):
        want = f"{lo}" if lo == hi else f"{lo}..{hi if hi is not None else 'n'}"
        raise CaffeError(f"{raw.type} takes {want} bottoms, got {n}", layer=raw.name,
                         field="bottom")
    if not raw.tops:
        raise CaffeError(f"{raw.type} needs a top", layer=raw.name, field="top")
    ctx = LayerContext(raw.name, n, len(raw.tops), fork)
    if spec.param_field and spec.param_field not in raw.msg.DESCRIPTOR.fields_by_name \
            and raw.type == "Interp":
        # BVLC has no Interp: DLv2's interp_param (143) reads as BVLC's input_param
        raise CaffeError(f"the {fork} schema has no interp_param, so this Interp layer "
                         "would lose its sizes; use --fork deeplab_v2 (or deeplab_v1)",
                         layer=raw.name, field="interp_param")
    pmsg = None
    if spec.param_field and spec.param_field in raw.msg.DESCRIPTOR.fields_by_name \
            and raw.msg.HasField(spec.param_field):
        pmsg = getattr(raw.msg, spec.param_field)
    try:
        params = spec.parse(Msg(pmsg, raw.name), ctx)
    except CaffeError as e:
        raise e.with_context(layer=raw.name,
                             field=spec.param_field and f"{spec.param_field}.{e.field}") \
            from None
    return Layer(raw.name, raw.type, list(raw.bottoms), list(raw.tops), params,
                 strict_dim=raw.strict_dim)


def _check_wiring(net: Net) -> None:
    produced_later: dict[str, str] = {}
    for layer in net.layers:
        for t in layer.tops:
            produced_later.setdefault(t, layer.name)
    available = set(net.inputs)
    for layer in net.layers:
        for b in layer.bottoms:
            if b in available:
                continue
            if b in produced_later and produced_later[b] != layer.name:
                raise CaffeError(f"bottom '{b}' is produced only later, by layer "
                                 f"'{produced_later[b]}': the graph has a cycle or is out of "
                                 "order", layer=layer.name, field="bottom")
            raise CaffeError(f"bottom '{b}' is not produced by any layer or input; check the "
                             "spelling or add an input", layer=layer.name, field="bottom")
        available.update(layer.tops)


def _attach_weights(net: Net, weights) -> None:
    if weights is None:
        return
    by_name: dict[str, Layer] = {}
    for layer in net.layers:
        by_name.setdefault(layer.name, layer)
    for src in weights:
        if not src.blobs:
            continue
        target = by_name.get(src.name)
        if target is None:
            net.warnings.append(f"weights for '{src.name}' have no layer of that name in the "
                                "net; ignored")
            continue
        spec = SPECS[target.type]
        ranks = spec.blob_ranks(target.params, len(src.blobs))
        target.blobs = [normalise_rank(arr, r) if legacy else arr
                        for (arr, legacy), r in zip(src.blobs, ranks + [None] * len(src.blobs))]
    for name in missing_weights(net):
        layer = net.layer(name)
        net.warnings.append(f"'{layer.name}' ({layer.type}) has no weights in the "
                            "caffemodel (Caffe would use random filler values)")


def _needs_weights(layer: Layer) -> bool:
    """True if Caffe would allocate parameter blobs for this layer."""
    if layer.type not in WEIGHTED_TYPES:
        return False
    # Scale/Bias with two bottoms take the factor from bottom[1]: blobs only for a bias
    if layer.type in ("Scale", "Bias") and len(layer.bottoms) == 2:
        return layer.type == "Scale" and bool(getattr(layer.params, "bias_term", False))
    return True


def missing_weights(net: Net) -> list[str]:
    """Names of layers that need weights the file does not provide."""
    return [l.name for l in net.layers if _needs_weights(l) and not l.blobs]


def check_weights(net: Net) -> None:
    """Raise one :class:`CaffeError` naming every layer without its weights."""
    missing = missing_weights(net)
    if missing:
        raise CaffeError(f"no weights for {', '.join(repr(m) for m in missing)}: give the "
                         ".caffemodel these layers were trained in (weights are matched by "
                         "layer name)", layer=missing[0], field="blobs")
