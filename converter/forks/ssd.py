"""The SSD fork (weiliu89/caffe, branch ``ssd``): BVLC plus LayerParameter 202
``permute_param``, 203 ``prior_box_param``, 204 ``detection_output_param`` and 206
``norm_param`` (``Permute``, ``PriorBox``, ``DetectionOutput``, ``Normalize``); its
training and evaluation layers (200, 201, 205, 207) are data or dropped layers.

The inisis build (shared/oracle) carries the same fields with two other defaults
(PriorBox ``clip``, DetectionOutput without ``nms_param``): a file that also has one of
its own layers, or pooling's ``ceil_mode``, is read as inisis (:mod:`.inisis`)."""
from .fork import Fork, any_match, text_patterns

TYPES = ("Normalize", "Permute", "PriorBox", "DetectionOutput")
#: LayerParameter fields of the fork that BVLC lacks: 202-204 and 206 are declared in
#: protos/ssd.proto; 200, 201, 205, 207 (training data, loss, evaluation) are not
FIELDS = frozenset(range(200, 208))
#: the same, named, for prototxts
TEXT = text_patterns(TYPES, ("permute", "prior_box", "detection_output", "norm"))


def detect_text(body: str) -> bool:
    """One of the fork's layer types or parameter blocks."""
    return any_match(TEXT, body)


def detect_layer(l) -> bool:
    """A layer carrying one of the fork's LayerParameter fields."""
    return bool(l.fields & FIELDS)


FORK = Fork(name="ssd", schema="ssd_pb2", order=7, detect_text=detect_text,
            detect_layer=detect_layer)
