"""PSPNet (hszhao/PSPNet): DeepLab v2's schema plus the yjxiong-style ``BN`` layer
(``bn_param`` at LayerParameter 152: slope, bias, moving mean, moving variance)."""
import re

from .deeplab_v2 import FORK as DLV2
from .fork import Fork


def detect_text(body: str) -> bool:
    """A ``BN`` layer (a PSPNet net also has Interp: DLv2's detection leaves BN to us)."""
    return '"BN"' in body and bool(re.search(r'type\s*:\s*"BN"', body))  # `in`: C speed


def detect_layer(l) -> bool:
    """A BN layer carrying field 152."""
    return l.v2_type == "BN" and 152 in l.fields


FORK = Fork(name="pspnet", schema="pspnet_pb2", order=5, detect_text=detect_text,
            detect_layer=detect_layer, data_types=DLV2.data_types,
            drop_types=DLV2.drop_types, postprocess_types=DLV2.postprocess_types)
