"""Caffe's upgrade chain: any fork's V0/V1/V2 layers -> :class:`RawLayer` records.

:func:`raw_layers` turns the ``layer``/``layers`` of a NetParameter into records with V2
type strings and the message holding their parameters (Caffe's UpgradeV0Net and
UpgradeV1Net; the type maps are in :mod:`.upgrade`).
"""
from __future__ import annotations

from google.protobuf.message_factory import GetMessageClass

from ..errors import CaffeError
from ..forks import V1_TYPES
from .upgrade import V0_TYPES, as_str, strs
from ...protos import caffe_pb2


class RawLayer:
    """One source layer after type upgrade, before filtering.

    ``msg`` is the layer message holding the ``*_param`` fields. A layer read by the
    text parser keeps its ``fields`` (the parser's dict) instead, and its message is
    built from them on first use: most layers of a big net never need it.
    """

    __slots__ = ("name", "type", "bottoms", "tops", "include", "exclude", "strict_dim",
                 "fields", "msg_type", "_msg", "_cls")

    def __init__(self, name: str, type: str, bottoms: list, tops: list, msg,
                 include=(), exclude=(), strict_dim: bool = True,
                 fields: dict | None = None, cls=None):
        self.name, self.type, self.bottoms, self.tops = name, type, bottoms, tops
        self.include, self.exclude = include, exclude  # NetStateRule sequences
        self.strict_dim, self.fields, self._msg, self._cls = strict_dim, fields, msg, cls
        self.msg_type = msg.__class__ if msg is not None else cls  # (`type` is a field here)

    @property
    def msg(self):
        """The layer message (built from ``fields`` the first time it is asked for)."""
        if self._msg is None and self._cls is not None:
            self._msg = self._cls(**self.fields)  # checked by the parser: cannot fail
        return self._msg

    def has(self, field: str) -> bool:
        """True if the layer message sets ``field`` (a message field)."""
        return field in self.fields if self.fields is not None else self.msg.HasField(field)


def raw_layers(msg, fork: str, fields=None) -> tuple[list, str]:
    """The net's layers as :class:`RawLayer` records, and the layout: V2, V1 or V0.

    ``fields``: the text parser's dicts of what it read (see
    :func:`.textproto.parse_message`); ``msg`` then lacks its V2 layers, which are read
    from ``fields["layer"]`` (their messages built only when asked for).
    """
    if fields is not None:
        v2 = fields.get("layer", ())
        cls = GetMessageClass(msg.DESCRIPTOR.fields_by_name["layer"].message_type) \
            if v2 else None
    else:
        v2 = list(getattr(msg, "layer", []))
    v1 = list(msg.layers)
    if v2 and v1:
        raise CaffeError("the net has both `layer` and legacy `layers`; use one",
                         field="layers")
    if not v1:
        if fields is not None:
            return [from_fields(d, cls) for d in v2], "V2"
        return [from_v2(l) for l in v2], "V2"
    return from_v1(v1, fork), "V0" if any(l.HasField("layer") for l in v1) else "V1"


def net_state(msg) -> tuple[int, tuple]:
    """Level and stages of the file's NetState (the phase is always TEST here)."""
    if not msg.HasField("state"):
        return 0, ()
    return int(msg.state.level), tuple(strs(msg.state.stage))


def from_v2(l) -> RawLayer:
    include, exclude = l.include, l.exclude
    return RawLayer(as_str(l.name), as_str(l.type), strs(l.bottom), strs(l.top), l,
                    list(include) if include else [], list(exclude) if exclude else [])


def from_fields(d: dict, cls) -> RawLayer:
    """:func:`from_v2` from the parser's dict of a layer (strings already str); its
    message, of class ``cls``, is built on first use."""
    raw = RawLayer(d.get("name", ""), d.get("type", ""), d.get("bottom") or [],
                   d.get("top") or [], None, (), (), True, d, cls)
    if "include" in d or "exclude" in d:
        raw.include, raw.exclude = list(raw.msg.include), list(raw.msg.exclude)
    return raw


def from_v1(layers, fork: str) -> list[RawLayer]:
    out = []
    pads: dict[str, tuple[str, int]] = {}      # V0 padding-layer top -> (bottom, pad)
    for l in layers:
        if l.HasField("layer"):
            raw = from_v0(l, pads)
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
        out.append(RawLayer(as_str(l.name), type_, strs(l.bottom), strs(l.top), l,
                            list(l.include), list(l.exclude), strict_dim=bool(strict)))
    return out


def from_v0(l, pads) -> RawLayer | None:
    """Caffe's UpgradeV0Net for one layer: fold padding layers, move flat fields."""
    v0 = l.layer
    name, v0_type = as_str(v0.name) or as_str(l.name), as_str(v0.type)
    bottoms, tops = strs(l.bottom), strs(l.top)
    if v0_type == "padding":
        if len(bottoms) != 1 or len(tops) != 1:
            raise CaffeError("a V0 padding layer needs one bottom and one top",
                             layer=name, field="bottom")
        pads[tops[0]] = (bottoms[0], v0.pad)
        return None
    type_ = V0_TYPES.get(v0_type)
    if type_ is None:
        raise CaffeError(f"unknown V0 layer type '{v0_type}'", layer=name, field="type")
    padded = [b for b in bottoms if b in pads]
    if padded and (type_ not in ("Convolution", "Pooling") or len(bottoms) != 1):
        raise CaffeError(f"a V0 padding layer feeds a {type_} layer; Caffe only folds "
                         "padding into a one-bottom conv or pool", layer=name, field="bottom")
    pad = pads[bottoms[0]][1] if padded else None
    bottoms = [pads[b][0] if b in pads else b for b in bottoms]
    lp = caffe_pb2.LayerParameter(name=name, type=type_)
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
    return RawLayer(name, type_, bottoms, tops, lp, list(l.include), list(l.exclude))

