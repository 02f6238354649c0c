"""ONNX backend (needs the `onnx` extra): export with the onnx helper API, run in
onnxruntime (CPU).

    >>> from caffe2ss.converter import load
    >>> from caffe2ss.converter.backends import get_backend
    >>> onnx_backend = get_backend("onnx")
    >>> onnx_backend.convert(load("fcn8s.caffemodel", "deploy.prototxt"), "fcn8s.onnx",
    ...                      input_shape=(1, 3, 500, 500), dynamic_hw=True)
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import onnx

from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.fileio import atomic_path, write_json_atomic
from caffe2ss.converter.provenance import provenance, sidecar_path
from caffe2ss.converter.generation import fingerprint
from caffe2ss.converter.hashing import hash_soon
from caffe2ss.converter.pages import trimmed
from caffe2ss.converter.memplan import check_memory
from caffe2ss.converter.outpaths import check_outputs
from caffe2ss.converter.sidecar_schema import parse_json, validate_sidecar

from . import stream
from .export import DEFAULT_OPSET, build_model, metadata_props
from .postprocess import apply as _postprocess, describe, postprocess_layers
from .registry import CONVERTERS, POSTPROCESS
from .untrusted import EXTERNAL_KEY, external_file, load_untrusted
from caffe2ss.converter import load_definition

#: Caffe layer types with a registered ONNX converter, or run after the graph in numpy
#: (:data:`POSTPROCESS_TYPES`, see :mod:`.postprocess`).
SUPPORTED_TYPES = frozenset(CONVERTERS) | frozenset(POSTPROCESS)
POSTPROCESS_TYPES = frozenset(POSTPROCESS)


#: Session config of the optimised session. Spinning worker threads take the cores
#: from the thread that has work whenever other processes share the machine: without
#: spinning, FCN-8s 500x500 ran in 0.92x and DeepLab-LargeFOV 321x321 in 0.91x the
#: time (2 cores, load average 4-5; tools/bench_forward.py nets, paired medians).
OPTIMIZED_CONFIG = {"session.intra_op.allow_spinning": "0"}


def _session(model_bytes: bytes, optimize: bool = False):
    """An onnxruntime CPU session. ``optimize`` (converted files loaded to run): every
    graph optimisation (conv+activation fusion, layout) and one intra-op thread per
    core that sleeps instead of spinning between ops (:data:`OPTIMIZED_CONFIG`);
    otherwise the ops run as written (fusions reorder float32 arithmetic)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize
                                   else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    if optimize:
        so.intra_op_num_threads = os.cpu_count() or 1
        for key, value in OPTIMIZED_CONFIG.items():
            so.add_session_config_entry(key, value)
        so.log_severity_level = 3
        try:
            return ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
        except Exception:  # noqa: BLE001 - a fusion ORT cannot run (pad >= kernel): as written
            return _session(model_bytes, optimize=False)
    so.log_severity_level = 3
    return ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])


def _feeds(names, inputs: dict) -> dict:
    """Inputs by graph input name (a single unnamed input maps to the only one)."""
    inputs = dict(inputs)
    if len(inputs) == 1 and len(names) == 1 and names[0] not in inputs:
        inputs = {names[0]: next(iter(inputs.values()))}
    missing = [n for n in names if n not in inputs]
    if missing:
        raise CaffeError(f"no array given for input(s) {', '.join(missing)}", field="inputs")
    return {n: np.ascontiguousarray(inputs[n], dtype=np.float32) for n in names}


def run(net, inputs: dict, *, blobs: bool = False) -> dict:
    """Run ``net`` in onnxruntime on NCHW float32 ``inputs`` (any spatial size).

    Builds the model for these input shapes; with ``blobs`` every Caffe blob is a graph
    output (in-place blobs: their final value) and all are returned by Caffe name.
    """
    feeds = _feeds(list(net.inputs), inputs)
    check_memory(net, {k: v.shape for k, v in feeds.items()}, "onnx")
    model, outputs = build_model(net, {k: v.shape for k, v in feeds.items()},
                                 expose_blobs=blobs, metadata=False)
    sess = _session(model.SerializeToString())
    names = list(outputs)
    result = dict(zip((outputs[n] for n in names), sess.run(names, feeds)))
    for name, arr in feeds.items():
        result.setdefault(name, arr)  # inputs no layer modified
    result = _postprocess(net, result)
    if blobs:
        return result
    outs = set(net.outputs())  # not the post-processing bottoms the graph also returns
    return {k: v for k, v in result.items() if k in outs}


def convert(net, out, *, input_shape=None, dynamic_hw: bool = False,
            opset: int = DEFAULT_OPSET, external_threshold: int = stream.EXTERNAL_THRESHOLD,
            **options) -> list[Path]:
    """Write ``out`` (an ONNX model, checked with ``full_check``) and ``out.json``.

    ``input_shape``: N,C,H,W (default: the declared input shape); ``dynamic_hw``:
    symbolic height and width (fully convolutional nets only); ``opset``: 13 and up.
    The weights are streamed from the caffemodel's memory map (:mod:`.stream`); a model
    of ``external_threshold`` bytes or more (default: just under protobuf's 2 GiB
    limit) keeps them in ``<out>.data`` next to it (ONNX external data), also returned.
    """
    unknown = sorted(k for k, v in options.items() if v not in (None, False))
    if unknown:
        raise CaffeError(f"option(s) {', '.join(unknown)} do not apply to --to onnx",
                         field=unknown[0])
    out = Path(out)
    check_outputs("onnx", out, net.source.values())
    for source in net.source.values():
        hash_soon(source)  # the metadata and the sidecar wait for it, after the weights
    shapes = _input_shapes(net, input_shape)
    raw: dict = {}
    model, outputs = build_model(net, shapes, dynamic_hw=dynamic_hw, opset=opset,
                                 metadata=False, raw=raw)
    onnx.checker.check_model(stream.checkable(model, raw), full_check=True)
    layer_map = {}
    for init in model.graph.initializer:
        layer_map.setdefault(init.name.rsplit("/", 1)[0], []).append(init.name)
    data = out.with_name(stream.data_name(out.name))
    external = {}
    with trimmed(list(raw.values())):
        if stream.size(model, raw) >= external_threshold:
            with atomic_path(data) as tmp, open(tmp, "wb") as f:
                stream.write_external(f, model, raw, data.name)
                f.flush()
                external = {"file": data.name, **fingerprint(tmp)}
            raw = {}

        def finish(m):  # after the weights: the provenance record (the source's hash)
            props = metadata_props(net, net.resolve_input_shapes(shapes), dynamic_hw,
                                   list(outputs.values()))
            if external:
                props[EXTERNAL_KEY] = json.dumps(external, sort_keys=True)
            onnx.helper.set_model_props(m, props)

        try:
            with atomic_path(out) as tmp, open(tmp, "wb") as f:
                stream.write_inline(f, model, raw, finish)
        except BaseException:
            if external:
                data.unlink(missing_ok=True)
            raise
    side = provenance(net, "onnx", {l.name: layer_map.get(l.name, []) for l in net.param_layers()},
                      next(iter(net.resolve_input_shapes(shapes).values()), None))
    side.update(opset=opset, dynamic_hw=bool(dynamic_hw), outputs=list(outputs.values()))
    if describe(net):
        side["postprocess"] = describe(net)  # run after the graph by caffe2ss (numpy)
    written = [out] + ([data] if external else [])
    if external:
        side["external_data"] = data.name
    side["fingerprints"] = {p.name: fingerprint(p) for p in written}  # the sidecar: last
    sidecar = sidecar_path(out)
    write_json_atomic(sidecar, side)
    if not external and data.is_file() and not data.is_symlink():
        data.unlink()  # the weights of an earlier conversion to this name: now inline
    return written + [sidecar]


def _input_shapes(net, input_shape) -> dict:
    if input_shape is None:
        return {}
    if isinstance(input_shape, dict):
        return dict(input_shape)
    return {next(iter(net.inputs)): tuple(int(d) for d in input_shape)}


def load_converted(path):
    """``(net, runner)`` from an exported ``.onnx``: the net is rebuilt (without
    weights) from the definition in its metadata; ``runner(inputs)`` runs the file in
    onnxruntime and returns the outputs by Caffe blob name, with the tops of the
    post-processing layers (DetectionOutput, :mod:`.postprocess`) added."""
    path = Path(path)
    model = load_untrusted(path)
    meta = {p.key: p.value for p in model.metadata_props}
    if "definition" not in meta:
        raise CaffeError("this ONNX file has no caffe2ss metadata (definition); convert "
                         "it with caffe2ss first", file=path)
    validate_sidecar({"framework": "onnx", "fork": meta.get("fork"),
                      "definition": meta["definition"]}, path)
    outputs = parse_json(meta.get("outputs", "null").encode(), path, "the outputs metadata")
    if outputs is not None and not (isinstance(outputs, list)
                                    and all(isinstance(o, str) for o in outputs)):
        raise CaffeError("the ONNX metadata 'outputs' must be a list of blob names; convert "
                         "again with caffe2ss", file=path, field="outputs")
    net = load_definition(meta["definition"], meta["fork"])
    # external data (checked by load_untrusted): onnxruntime reads it next to the path
    sess = _session(str(path) if external_file(model) else model.SerializeToString(),
                    optimize=True)
    declared = {i.name: i.shape for i in sess.get_inputs()}
    out_names = [o.name for o in sess.get_outputs()]
    blobs = outputs or out_names
    post_tops = [t for l in postprocess_layers(net) for t in l.tops]

    def runner(inputs: dict) -> dict:
        feeds = _feeds(list(declared), inputs)
        for name, arr in feeds.items():
            want = declared[name]
            if len(want) != arr.ndim or any(isinstance(w, int) and w != d
                                            for w, d in zip(want, arr.shape)):
                raise CaffeError(
                    f"input '{name}' has shape {arr.shape} but this file was exported for "
                    f"{tuple(want)}; convert again with that --input-shape, or with "
                    "--dynamic-hw for any height and width", file=path)
        result = dict(zip(blobs, sess.run(out_names, feeds)))
        if not post_tops:
            return result
        values = _postprocess(net, {**feeds, **result})  # bottoms may be inputs too
        return {**result, **{t: values[t] for t in post_tops}}

    return net, runner
