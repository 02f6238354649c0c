"""Layers that run after the ONNX graph, in numpy, by caffe2ss's runner.

SSD's DetectionOutput (NMS, a data-dependent number of rows, Caffe's exact sort order)
is not written as ONNX nodes: the graph ends at its bottoms, which become graph
outputs, and ``run`` / ``load_converted``'s runner apply the layer to them with the one
numpy transcription every backend uses. The sidecar and the ONNX metadata list these
layers under ``postprocess``.
"""
from __future__ import annotations

from caffe2ss.converter.errors import CaffeError

from .registry import POSTPROCESS


def postprocess_layers(net) -> list:
    """The net's layers that run after the graph, in Caffe's order."""
    return [l for l in net.layers if l.type in POSTPROCESS]


def graph_outputs(net, wanted: list) -> list:
    """``wanted`` blobs minus the post-processed tops, plus the post-processing bottoms;
    a graph layer that reads a post-processed top is refused."""
    post = postprocess_layers(net)
    tops = {t for l in post for t in l.tops}
    for layer in net.layers:
        if layer.type not in POSTPROCESS and tops & set(layer.bottoms):
            raise CaffeError(f"reads the top of a {post[0].type} layer, which caffe2ss "
                             "runs after the ONNX graph (post-processing); it cannot be "
                             "exported to ONNX", layer=layer.name, field="bottom")
    out = [b for b in wanted if b not in tops]
    for l in post:
        out += [b for b in l.bottoms if b not in out and b not in tops]
    return out


def describe(net) -> list:
    """The sidecar's ``postprocess`` record: one entry per layer."""
    return [{"layer": l.name, "type": l.type, "bottoms": list(l.bottoms),
             "tops": list(l.tops)} for l in postprocess_layers(net)]


def apply(net, values: dict) -> dict:
    """Add the tops of the post-processing layers to ``values`` (blob -> numpy)."""
    for layer in postprocess_layers(net):
        missing = [b for b in layer.bottoms if b not in values]
        if missing:
            raise CaffeError(f"the ONNX outputs lack {', '.join(missing)}, which "
                             f"{layer.type} needs; convert the model again",
                             layer=layer.name, field="bottom")
        tops = POSTPROCESS[layer.type](layer, [values[b] for b in layer.bottoms])
        values.update(zip(layer.tops, tops))
    return values
