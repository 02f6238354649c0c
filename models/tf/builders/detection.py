"""DetectionOutput -> TF: the numpy transcription run by ``tf.numpy_function``
(``ops_ssd.detection_output``); a SavedModel cannot carry it."""
from __future__ import annotations

from .. import ops_ssd
from .registry import op, register


@register("DetectionOutput")
def detection_output(layer, shapes):
    """SSD DetectionOutput; the top's row count depends on the data."""
    p, name = layer.params, layer.name
    return op(layer, lambda xs, training: ops_ssd.detection_output(xs[0], xs[1], xs[2], p,
                                                                   name))
