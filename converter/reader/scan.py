"""Split a binary caffemodel into its (small) net definition and its weight blobs.

The definition bytes (every field except the blobs) are handed to protobuf; the blobs
are read in place from the memory map (:mod:`.blobs`). The scan also collects the
fork hints that tell BVLC, DeepLab v1 and DeepLab v2 files apart, and where each
top-level field came from, so that a protobuf parse failure can be located
(:func:`locate_parse_error`).
"""
from __future__ import annotations

from array import array
from bisect import bisect_right
from dataclasses import dataclass, field

from .blobs import read_blob
from ..errors import CaffeError
from .wire import LEN, VARINT, encode_len_field, iter_fields, read_varint

V2_LAYER, V1_LAYERS = 100, 2
_NET_FIELDS = {1: "name", 2: "layers", 3: "input", 4: "input_dim", 5: "force_backward",
               6: "state", 7: "debug_info", 8: "input_shape", 100: "layer"}


@dataclass
class ScannedLayer:
    """Weights of one layer of the file, and the raw facts the fork detector needs."""

    name: str
    blobs: list = field(default_factory=list)       # (array, legacy) pairs
    v1_type: int | None = None
    v2_type: str | None = None
    fields: set = field(default_factory=set)
    conv_fields: dict = field(default_factory=dict)
    offset: int = 0                                 # byte offset of the layer in the file
    #: how each blob is stored: "data", "double_data", "raw_data:FLOAT16", ...
    storage: list = field(default_factory=list)
    #: PoolingParameter field 13 (BVLC round_mode / the forks' ceil_mode), if set
    pool13: int | None = None


@dataclass
class ScannedModel:
    definition: bytes
    layers: list[ScannedLayer]
    layer_field: int | None
    #: flat (start in ``definition``, offset in the file) pairs, one where the distance
    #: between the two changes (after a layer whose blobs were cut out): 16 bytes per
    #: layer, nothing per other field, so many tiny fields cost no extra memory
    origins: array = field(default_factory=lambda: array("q"))

    def file_offset(self, dstart: int) -> int:
        """The file offset of the top-level field at ``dstart`` in ``definition``."""
        starts = self.origins[0::2]
        i = bisect_right(starts, dstart) - 1
        return dstart if i < 0 else dstart - starts[i] + self.origins[2 * i + 1]


def _text(buf, rng) -> str:
    return bytes(buf[rng[0]:rng[1]]).decode("utf-8", "replace")


def _field_bytes(buf, fstart, wtype, value, end, file) -> bytes:
    """The raw bytes of one field starting at ``fstart``."""
    if wtype == LEN:
        return bytes(buf[fstart:value[1]])
    pos = fstart  # scalar: re-read the key and the value to find the field's end
    _, pos = read_varint(buf, pos, end, file)
    if wtype == VARINT:
        _, pos = read_varint(buf, pos, end, file)
    else:
        pos += 4 if wtype == 5 else 8
    return bytes(buf[fstart:pos])


def scan_caffemodel(buf, file=None) -> ScannedModel:
    """Scan a binary NetParameter; return definition bytes, weights and fork hints."""
    out = bytearray()
    layers: list[ScannedLayer] = []
    origins = array("q")
    delta = 0  # file offset minus definition offset, while fields are copied verbatim
    layer_field = None
    end = len(buf)
    for n, w, v, fstart in iter_fields(buf, 0, end, file, None, _NET_FIELDS):
        if fstart - len(out) != delta:
            delta = fstart - len(out)
            origins.extend((len(out), fstart))
        if n in (V2_LAYER, V1_LAYERS):
            where = f"{_NET_FIELDS[n]}[{len(layers)}]"
            if w != LEN:
                raise CaffeError(f"field {n} (layer) has the wrong wire type: not a "
                                 "caffemodel", file=file, offset=fstart, field=where)
            layer_field = layer_field or n
            payload, sl = _scan_layer(buf, v[0], v[1], n, file, where)
            sl.offset = fstart
            out += encode_len_field(n, payload)
            layers.append(sl)
        else:
            out += _field_bytes(buf, fstart, w, v, end, file)
    return ScannedModel(definition=bytes(out), layers=layers, layer_field=layer_field,
                        origins=origins)


def _scan_v0(buf, start, end, file, where):
    kept = bytearray()
    sl = ScannedLayer(name="")
    for n, w, v, fstart in iter_fields(buf, start, end, file, where, {1: "name", 50: "blobs"}):
        if n == 50 and w == LEN:
            sl.blobs.append(v)
            continue
        if n == 1 and w == LEN:
            sl.name = _text(buf, v)
        kept += _field_bytes(buf, fstart, w, v, end, file)
    return bytes(kept), sl


def _scan_layer(buf, start, end, number, file, where):
    blob_field, name_field = (7, 1) if number == V2_LAYER else (6, 4)
    names = {blob_field: "blobs", name_field: "name", 2 if number == V2_LAYER else 5: "type"}
    kept = bytearray()
    sl = ScannedLayer(name="")
    blob_ranges = []
    v0_name = ""
    try:
        for n, w, v, fstart in iter_fields(buf, start, end, file, where, names):
            sl.fields.add(n)
            if n == blob_field and w == LEN:
                blob_ranges.append(v)
                continue
            if number == V1_LAYERS and n == 1 and w == LEN:
                inner, v0 = _scan_v0(buf, v[0], v[1], file, f"{where}.layer")
                kept += encode_len_field(1, inner)  # V0 layer: its blobs are field 50
                v0_name = v0.name
                blob_ranges.extend(v0.blobs)
                continue
            kept += _field_bytes(buf, fstart, w, v, end, file)
            if n == name_field and w == LEN:
                sl.name = _text(buf, v)
            elif number == V2_LAYER and n == 2 and w == LEN:
                sl.v2_type = _text(buf, v)
            elif number == V1_LAYERS and n == 5 and w == VARINT:
                sl.v1_type = v
            elif number == V2_LAYER and n == 121 and w == LEN:  # pooling_param
                for n2, w2, v2, _ in iter_fields(buf, v[0], v[1], file,
                                                 f"{where}.pooling_param"):
                    if n2 == 13 and w2 == VARINT:
                        sl.pool13 = v2
            elif number == V1_LAYERS and n == 10 and w == LEN:
                for n2, w2, v2, _ in iter_fields(buf, v[0], v[1], file,
                                                 f"{where}.convolution_param"):
                    if w2 == VARINT:
                        sl.conv_fields[n2] = v2
        sl.name = v0_name or sl.name  # Caffe's V0 upgrade names the layer after V0's name
        for i, (bs, be) in enumerate(blob_ranges):
            sl.blobs.append(read_blob(buf, bs, be, file=file, layer=sl.name or None,
                                      index=i, storage=sl.storage))
    except CaffeError as e:
        err = e.with_context(layer=sl.name or None)
        if e.field and not e.field.startswith(where):
            err.field = f"{where}.{e.field}"
        raise err from None
    return bytes(kept), sl
