"""SSD's DetectionOutput for ONNX: post-processing in numpy on the graph's outputs
(:mod:`.postprocess`), with the transcription every backend uses."""
from __future__ import annotations

from ...layers.detection import detection_output as _detection_output
from .registry import register_postprocess


@register_postprocess("DetectionOutput")
def detection_output(layer, xs):
    return [_detection_output(layer.params, *xs[:3], layer=layer.name)]
