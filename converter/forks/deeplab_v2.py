"""DeepLab v2 (deeplab-public-ver2): BVLC V2 ``layer`` plus Interp, DenseCRF and its
segmentation data/accuracy layers (``interp_param`` is field 143, BVLC's input_param)."""
import re

from .fork import Fork, any_match, text_patterns

#: DeepLab v2 type strings (its registered layer types that BVLC lacks).
TYPES = frozenset({"Interp", "DenseCRF", "ImageSegData", "MatRead", "MatWrite",
                   "SegAccuracy", "BiasChannel", "AdaptiveBiasChannel", "UniqueLabel",
                   "DomainTransform", "DomainTransformForwardOnly", "SpatialProduct"})

_TEXT = text_patterns(sorted(TYPES), ("interp",))
_BN = re.compile(r'type\s*:\s*"BN"')


def detect_text(body: str) -> bool:
    """A DeepLab v2 type string, or an ``interp_param`` block."""
    if '"BN"' in body and _BN.search(body):  # PSPNet: DLv2's schema plus BN (pspnet.py)
        return False
    return any_match(_TEXT, body)


def detect_layer(l) -> bool:
    """A V2 layer of a type only DeepLab v2 registers."""
    return l.v2_type in TYPES


FORK = Fork(
    name="deeplab_v2", schema="deeplab_v2_pb2", order=2, detect_text=detect_text,
    detect_layer=detect_layer,
    data_types=frozenset({"ImageSegData"}), drop_types=frozenset({"SegAccuracy", "MatWrite"}),
    postprocess_types=frozenset({"DenseCRF"}),
)
