"""DetectionOutput: the numpy transcription (``converter.layers.detection``) on the
bottoms' values; the top's row count depends on them."""
from __future__ import annotations

from .. import ops_ssd
from .registry import Fn, register


@register("DetectionOutput")
def detection_output(layer):
    p, name = layer.params, layer.name
    return Fn(lambda loc, conf, prior, *_: ops_ssd.detection_output(loc, conf, prior, p, name),
              "DetectionOutput")
