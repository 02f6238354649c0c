"""inisis/caffe (PyPI brocolli-caffe 9.0.2, the reference build behind shared/oracle):
BVLC plus SSD's Normalize/Permute (202, 206) and 500-507: nearest Upsample, HardSigmoid,
ReLU6, Pad, BilinearInterpolate, MaxUnPool, PixelShuffle; 1111 ``bn_param``."""
import re

from .fork import Fork

#: Layer types of the build that BVLC lacks.
TYPES = ("ReLU6", "HardSwish", "HardSigmoid", "Pad", "PixelShuffle", "MaxUnPool",
         "BilinearInterpolate", "Upsample", "Normalize", "Permute")
_PARAMS = ("relu6", "hardsigmoid", "pad", "pixelshuffle", "max_unpool", "bilinear_interpolate",
           "upsample", "permute", "norm")
#: a type string, or one of its ``*_param {`` blocks as a word (each pattern starts with a
#: literal, the word before ``_param`` checked behind it: see ceil_mode.py)
_TEXT = (re.compile(r'type\s*:\s*"(%s)"' % "|".join(TYPES)),
         re.compile(r"_param(?:%s)\s*\{" % "|".join(rf"(?<=\b{p}_param)" for p in _PARAMS)))
#: LayerParameter fields of the build unknown to BVLC.
FIELDS = frozenset({202, 206, *range(500, 508), 1111})


def detect_text(body: str) -> bool:
    """One of the build's layer types or parameter blocks."""
    return any(rx.search(body) for rx in _TEXT)


def detect_layer(l) -> bool:
    """A layer carrying one of the build's LayerParameter fields."""
    return bool(l.fields & FIELDS)


FORK = Fork(name="inisis", schema="inisis_pb2", order=4, detect_text=detect_text,
            detect_layer=detect_layer)
