"""Build an ONNX model from the IR: graph, inputs/outputs named after Caffe blobs,
provenance in ``metadata_props``."""
from __future__ import annotations

import dataclasses
import json

import onnx
from onnx import helper

from caffe2ss.converter import borders
from caffe2ss.converter.backends import ONNX_DEFAULT_OPSET
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.layers import import_families
from caffe2ss.converter.fileio import _version
from caffe2ss.converter.provenance import as_metadata, provenance
from caffe2ss.converter.reader.weights import check_weights

from . import compress
from .dynamic import probe_shapes, symbolic_shape
from .graph import Graph, top_names, value_info
from .postprocess import describe, graph_outputs
from .registry import CONVERTERS, POSTPROCESS

import_families(__package__)  # one module per layer family registers its converters

DEFAULT_OPSET = ONNX_DEFAULT_OPSET
#: per-axis Softmax, Unsqueeze/Squeeze with an axes input, optional Resize roi/scales
MIN_OPSET = 13


def check_opset(opset) -> int:
    """The opset as an int, refused outside what this exporter and onnx support."""
    top = onnx.defs.onnx_opset_version()
    if not isinstance(opset, int) or not MIN_OPSET <= opset <= top:
        raise CaffeError(f"opset {opset!r} is not supported; choose {MIN_OPSET}..{top} "
                         f"(default {DEFAULT_OPSET})", field="opset")
    return opset


def build_model(net, input_shapes: dict, *, dynamic_hw: bool = False,
                opset: int = DEFAULT_OPSET, expose_blobs: bool = False, metadata: bool = True,
                raw: dict | None = None):
    """Return ``(model, outputs)``: the ONNX model and {graph output name: Caffe blob}.

    ``input_shapes`` fixes the export size (with ``dynamic_hw`` H and W are symbolic
    and the size is only used to check the net). ``expose_blobs`` makes every Caffe
    blob (its final value) a graph output, for layer-by-layer parity. ``raw`` (a dict):
    the large initializers are left without data and their arrays put there (see
    :class:`.graph.Graph`); :mod:`.stream` writes such a model, of any size.
    """
    opset = check_opset(opset)
    shapes = net.resolve_input_shapes(input_shapes)
    top_shapes = net.top_shapes(shapes)  # Caffe's shapes; also checks every weight blob
    blob_shape = _check_layers(net, shapes, top_shapes)
    probe = probe_shapes(net, shapes) if dynamic_hw else None
    g = Graph(opset, dynamic=dynamic_hw, raw=raw)
    g.reserve(net.blob_names())
    values = {}
    inputs = []
    for i, (name, s) in enumerate(shapes.items()):
        values[name] = name
        g.shapes[name] = s
        inputs.append(value_info(name, symbolic_shape(name, s, i == 0) if dynamic_hw else s))
    # checked first: no graph layer may read what post-processing computes
    wanted = graph_outputs(net, net.blob_names() if expose_blobs else net.outputs())
    # runs of identical rows made by wide zero padding are computed once (borders.py)
    plan = None if dynamic_hw else borders.plan(net, shapes, top_shapes)
    plan = plan or borders.Plan({}, {}, {})  # no row skipped: every blob in full
    gathers, finals = borders.schedule(net, plan)
    gathered, full_name = {}, {}
    for i, (layer, ys) in enumerate(zip(net.layers, top_names(net, g))):
        if layer.type in POSTPROCESS:
            continue  # run on the graph's outputs (postprocess.py)
        g.scope = layer.name
        xs = [values[b] if how is None else compress.read(g, values[b], *how, gathered)
              for b, how in zip(layer.bottoms, gathers[i])]
        if i in plan.params:  # a convolution with its wide zero pad cut
            layer = dataclasses.replace(layer, params=plan.params[i])
        if borders.compressed(plan.tops.get(i)):  # the blob's name: its full value
            kept = [g.fresh(f"{y}@kept") for y in ys]
            full_name.update(zip(kept, ys))
            ys = kept
        CONVERTERS[layer.type](g, layer, xs, ys)
        for t, y, s in zip(layer.tops, ys, top_shapes[layer.name]):
            values[t], g.shapes[y] = y, plan.shape(i, s)
    g.scope = ""
    for b in wanted:
        if b in finals:  # a graph output: the full blob under the blob's name
            full = compress.read(g, values[b], finals[b], None, gathered)
            values[b] = g.node("Identity", [full], [full_name[values[b]]])[0]
    outputs = {values[b]: b for b in wanted if values[b] not in shapes}
    out_info = [value_info(v, _declared(blob_shape[b], probe and probe[b]))
                for v, b in outputs.items()]
    graph = helper.make_graph(g.nodes, _graph_name(net), inputs, out_info, g.inits)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="caffe2ss",
        producer_version=_version(),
        ir_version=helper.find_min_ir_version_for([helper.make_opsetid("", opset)]))
    if metadata:
        meta = metadata_props(net, shapes, dynamic_hw, list(outputs.values()))
        helper.set_model_props(model, meta)
    if raw is None and model.ByteSize() >= 2**31:
        raise CaffeError("the ONNX model would exceed protobuf's 2 GiB limit; this "
                         "exporter writes single-file models only", field="out")
    return model, outputs


def _check_layers(net, shapes, top_shapes) -> dict:
    """Refuse, all at once, layers without a converter or without their weights;
    return every blob's final shape."""
    unsupported = sorted({f"{l.name} ({l.type})" for l in net.layers
                          if l.type not in CONVERTERS and l.type not in POSTPROCESS})
    if unsupported:
        raise CaffeError(f"no ONNX converter for layers {', '.join(unsupported)}; supported "
                         f"types: {', '.join(sorted({*CONVERTERS, *POSTPROCESS}))}")
    check_weights(net)
    blob_shape = dict(shapes)
    for layer in net.layers:
        blob_shape.update(zip(layer.tops, top_shapes[layer.name]))
    return blob_shape


def _declared(shape, probe):
    """Static dims as ints; in a dynamic export, H/W-dependent dims are left open."""
    if probe is None:
        return list(shape)
    return [a if a == b else None for a, b in zip(shape, probe)]


def _graph_name(net) -> str:
    return net.name or "caffe2ss"


def metadata_props(net, shapes, dynamic_hw, outputs) -> dict:
    """``metadata_props``: the provenance record (:mod:`caffe2ss.converter.provenance`)
    under its key, and its fields one by one (strings; others as JSON), plus the main
    file's ``sha256`` and the export's ``input_shapes`` -- what ``load_converted`` reads
    to rebuild the net."""
    record = provenance(net, "onnx", {}, next(iter(shapes.values()), None))
    record.update(dynamic_hw=bool(dynamic_hw), outputs=outputs)
    if describe(net):
        record["postprocess"] = describe(net)
    props = {k: v if isinstance(v, str) else json.dumps(v, sort_keys=True)
             for k, v in record.items()}
    main = record["source"].get("model") or record["source"].get("prototxt") or {}
    props.update(sha256=main.get("sha256", ""),
                 input_shapes=json.dumps({k: list(v) for k, v in shapes.items()}),
                 **as_metadata(record))
    return props
