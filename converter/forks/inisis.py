"""inisis/caffe (PyPI brocolli-caffe 9.0.2, the reference build behind shared/oracle):
BVLC plus SSD's layers (202-206, :mod:`.ssd`) and 500-507: nearest Upsample,
HardSigmoid, ReLU6, Pad, BilinearInterpolate, MaxUnPool, PixelShuffle; 1111 ``bn_param``;
pooling's field 13 is ``ceil_mode``."""

from . import ssd
from .ceil_mode import detect_text as _ceil_mode
from .fork import Fork, any_match, text_patterns

#: Layer types of the build that BVLC and SSD lack.
TYPES = ("ReLU6", "HardSwish", "HardSigmoid", "Pad", "PixelShuffle", "MaxUnPool",
         "BilinearInterpolate", "Upsample")
_TEXT = text_patterns(TYPES, ("relu6", "hardsigmoid", "pad", "pixelshuffle", "max_unpool",
                             "bilinear_interpolate", "upsample"))
#: LayerParameter fields of the build unknown to BVLC and SSD.
FIELDS = frozenset({*range(500, 508), 1111})


def detect_text(body: str) -> bool:
    """One of the build's own layer types or parameter blocks, or SSD's layers with
    pooling's ``ceil_mode`` (which the SSD fork lacks)."""
    return any_match(_TEXT, body) or (ssd.detect_text(body) and _ceil_mode(body))


#: types only this build registers (a ReLU6 with default parameters writes no field)
_BINARY_TYPES = frozenset({"ReLU6", "HardSwish", "HardSigmoid", "PixelShuffle", "MaxUnPool",
                           "BilinearInterpolate"})


def detect_layer(l) -> bool:
    """A layer carrying one of the build's own LayerParameter fields or types."""
    return bool(l.fields & FIELDS) or l.v2_type in _BINARY_TYPES


#: a file of the SSD fork's fields that also has one of the build's own is the build's
FORK = Fork(name="inisis", schema="inisis_pb2", order=4, detect_text=detect_text,
            detect_layer=detect_layer, includes=frozenset({"ssd"}))
