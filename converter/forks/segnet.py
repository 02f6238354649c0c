"""SegNet (alexgkendall/caffe-segnet): BVLC V2 ``layer`` with ``upsample_param`` at
LayerParameter 137 (BVLC's ``embed_param``): ``Upsample`` unpools by a Pooling mask."""
import re

from .fork import Fork

#: SegNet's upsample_param fields (the inisis build's has scale and dims_num only), or an
#: Upsample layer with two bottoms (data, pooling mask).
#: (Each pattern starts with a literal, the word boundary checked behind it: see ceil_mode.py.)
_TEXT = (re.compile(r"upsample_param(?<=\bupsample_param)\s*\{[^}]*\b(upsample_h|upsample_w|"
                    r"pad_out_h|pad_out_w|scale_h|scale_w)\s*:"),
         re.compile(r"type\s*:\s*\"Upsample\"[^}]*?bottom\s*:[^}]*?bottom\s*:"))


def detect_text(body: str) -> bool:
    """SegNet's upsample_param fields, or a two-bottom Upsample."""
    return bool(_TEXT[0].search(body)) or ('"Upsample"' in body and bool(_TEXT[1].search(body)))


def detect_layer(l) -> bool:
    """An Upsample layer carrying field 137 (SegNet's upsample_param)."""
    return l.v2_type == "Upsample" and 137 in l.fields


FORK = Fork(name="segnet", schema="segnet_pb2", order=3, detect_text=detect_text,
            detect_layer=detect_layer,
            data_types=frozenset({"DenseImageData"}))
