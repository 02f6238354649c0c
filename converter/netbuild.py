"""Upgrade a parsed NetParameter (any fork, V0/V1/V2) into the IR :class:`Net`."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .blobs import normalise_rank
from .errors import CaffeError
from .ir import Layer, Net, Preprocessing
from .layers import SPECS, LayerContext, Msg
from .upgrade import (DATA_TYPES, DROP_TYPES, POSTPROCESS_TYPES, V0_TYPES, V1_TYPES,
                      WEIGHTED_TYPES, layer_included)

VOC_MEAN_BGR = (104.00699, 116.66877, 122.67892)


@dataclass
class RawLayer:
    """One source layer after type upgrade, before filtering."""

    name: str
    type: str
    bottoms: list
    tops: list
    msg: object                     # the layer message holding the *_param fields
    include: list = field(default_factory=list)
    exclude: list = field(default_factory=list)
    strict_dim: bool = True


def build_net(msg, fork: str, weights=None) -> Net:
    """Build the TEST-phase inference :class:`Net` from a NetParameter message."""
    v2 = list(getattr(msg, "layer", []))
    v1 = list(msg.layers)
    if v2 and v1:
        raise CaffeError("the net has both `layer` and legacy `layers`; use one",
                         field="layers")
    layer_format = "V2"
    if v1:
        layer_format = "V0" if any(l.HasField("layer") for l in v1) else "V1"
    raws = [_from_v2(l) for l in v2] or _from_v1(v1, fork)
    net = Net(name=msg.name, inputs={}, layers=[], fork=fork, layer_format=layer_format)
    _header_inputs(msg, net)
    dead: set[str] = set()
    unsupported = []
    for raw in raws:
        if not layer_included(raw.include, raw.exclude):
            net.notes.append(f"dropped '{raw.name}' ({raw.type}): excluded from the TEST phase")
            continue
        if raw.type in DATA_TYPES and not (raw.type == "Python" and raw.bottoms):
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
    _check_wiring(net)
    _attach_weights(net, weights)
    _preprocessing_fallback(net)
    return net


# ---------------------------------------------------------------- upgrades
def _from_v2(l) -> RawLayer:
    return RawLayer(l.name, l.type, list(l.bottom), list(l.top), l,
                    list(l.include), list(l.exclude))


def _from_v1(layers, fork: str) -> list[RawLayer]:
    out = []
    pads: dict[str, tuple[str, int]] = {}      # V0 padding-layer top -> (bottom, pad)
    for l in layers:
        if l.HasField("layer"):
            raw = _from_v0(l, pads)
            if raw is not None:
                out.append(raw)
            continue
        if l.HasField("type"):
            enum = l.DESCRIPTOR.fields_by_name["type"].enum_type
            name = enum.values_by_number[l.type].name
            type_ = V1_TYPES.get(name, name)
        else:
            type_ = ""  # a value unknown to this fork's enum (wrong --fork?)
        strict = l.strict_dim if "strict_dim" in l.DESCRIPTOR.fields_by_name else True
        out.append(RawLayer(l.name, type_, list(l.bottom), list(l.top), l,
                            list(l.include), list(l.exclude), strict_dim=bool(strict)))
    return out


def _from_v0(l, pads) -> RawLayer | None:
    """Caffe's UpgradeV0Net for one layer: fold padding layers, move flat fields."""
    from ..protos import caffe_pb2

    v0 = l.layer
    if v0.type == "padding":
        if len(l.bottom) != 1 or len(l.top) != 1:
            raise CaffeError("a V0 padding layer needs one bottom and one top",
                             layer=v0.name, field="bottom")
        pads[l.top[0]] = (l.bottom[0], v0.pad)
        return None
    type_ = V0_TYPES.get(v0.type)
    if type_ is None:
        raise CaffeError(f"unknown V0 layer type '{v0.type}'", layer=v0.name, field="type")
    bottoms = [pads[b][0] if b in pads else b for b in l.bottom]
    lp = caffe_pb2.LayerParameter(name=v0.name or l.name, type=type_)
    pad = pads[l.bottom[0]][1] if l.bottom and l.bottom[0] in pads else None
    if type_ == "Convolution":
        cp = lp.convolution_param
        cp.num_output = v0.num_output
        if v0.HasField("biasterm"):
            cp.bias_term = v0.biasterm
        cp.kernel_size.append(v0.kernelsize)
        cp.stride.append(v0.stride)
        cp.group = v0.group
        cp.pad.append(pad if pad is not None else v0.pad)
    elif type_ == "Pooling":
        pp = lp.pooling_param
        pp.pool = v0.pool
        pp.kernel_size = v0.kernelsize
        pp.stride = v0.stride
        pp.pad = pad if pad is not None else v0.pad
    elif type_ == "InnerProduct":
        lp.inner_product_param.num_output = v0.num_output
        if v0.HasField("biasterm"):
            lp.inner_product_param.bias_term = v0.biasterm
    elif type_ == "Dropout":
        lp.dropout_param.dropout_ratio = v0.dropout_ratio
    elif type_ == "LRN":
        lp.lrn_param.local_size = v0.local_size
        lp.lrn_param.alpha = v0.alpha
        lp.lrn_param.beta = v0.beta
        lp.lrn_param.k = v0.k
    elif type_ == "Concat":
        lp.concat_param.axis = v0.concat_dim
    elif type_ in ("Data", "ImageData"):
        tp = lp.transform_param
        if v0.HasField("scale"):
            tp.scale = v0.scale
        if v0.HasField("cropsize"):
            tp.crop_size = v0.cropsize
    return RawLayer(lp.name, type_, bottoms, list(l.top), lp, list(l.include),
                    list(l.exclude))


def _header_inputs(msg, net: Net) -> None:
    """Legacy ``input``/``input_dim``/``input_shape`` headers -> graph inputs."""
    names = list(msg.input)
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
            net.inputs[name] = tuple(int(d) for d in dims[4 * i:4 * i + 4])
        elif shapes:
            net.inputs[name] = tuple(int(d) for d in shapes[i].dim)
        else:
            net.inputs[name] = None


# ------------------------------------------------------------ data layers
def _data_layer(raw: RawLayer, net: Net, dead: set) -> None:
    m = raw.msg
    if raw.type == "Input":
        shapes = [tuple(int(d) for d in s.dim) for s in m.input_param.shape] \
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
        s = m.sub("python_param").get("param_str", "")
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
    for layer in net.layers:
        if layer.type in WEIGHTED_TYPES and not layer.blobs and \
                not (layer.type in ("Scale", "Bias") and len(layer.bottoms) == 2
                     and not getattr(layer.params, "bias_term", False)):
            net.warnings.append(f"'{layer.name}' ({layer.type}) has no weights in the "
                                "caffemodel (Caffe would use random filler values)")


def missing_weights(net: Net) -> list[str]:
    """Names of layers that need weights the file does not provide."""
    return [w.split("'")[1] for w in net.warnings if "has no weights" in w]
