"""The `inspect` report of a net: format, fork, inputs, layers and shapes (JSON or text)."""
from __future__ import annotations

from ..errors import CaffeError, printable
from ..ir import Net
from ..layers import SPECS
from ..reader.storage import render as render_storage
from .layerattrs import key_params, layer_attrs


def describe(net: Net, input_shapes=None) -> dict:
    """The inspect JSON contract.

    ``{"format", "fork", "fork_reason", "layer_format", "inputs": {name: shape|null}, "layers": [{"name",
    "type", "bottoms", "tops", "params": [[dims]...], "attrs": {param: value}, "top_shapes": [[dims]...]|null}],
    "outputs", "preprocessing", "storage", "notes", "warnings", "shape_error"}``;
    ``storage`` (null without a caffemodel) is :func:`..reader.storage.summarize`'s. ``params`` are the
    weight shapes as Caffe holds them; ``top_shapes`` are Caffe's NCHW shapes (null when
    no input shape is known; a dim set by the data, DetectionOutput's rows, is null).
    """
    per_layer, shape_error = None, None
    try:
        per_layer = net.top_shapes(input_shapes, require_weights=net.format != "prototxt")
        inputs = net.resolve_input_shapes(input_shapes)
    except CaffeError as e:
        if "has no declared shape" not in e.message:
            raise
        shape_error = e.message
        inputs = dict(net.inputs)
    return {
        "format": net.format,
        "fork": net.fork,
        "fork_reason": net.fork_reason or None,
        "layer_format": net.layer_format,
        "name": net.name,
        "inputs": {k: list(v) if v else None for k, v in inputs.items()},
        "outputs": net.outputs(),
        "layers": [{
            "name": l.name, "type": l.type, "bottoms": list(l.bottoms), "tops": list(l.tops),
            "params": [list(b.shape) for b in l.blobs],
            "attrs": layer_attrs(l.params),
            "top_shapes": [_dims(s, l.type) for s in per_layer[l.name]] if per_layer else None,
        } for l in net.layers if not l.synthetic],
        "preprocessing": net.preprocessing.as_dict(),
        "storage": net.storage or None,
        "notes": list(net.notes),
        "warnings": list(net.warnings),
        "shape_error": shape_error,
    }


def _dims(shape, type_name) -> list:
    """A top shape as JSON: the data-dependent axis (if the type has one) as None."""
    axis = SPECS[type_name].data_dependent_axis
    return [None if i == axis else d for i, d in enumerate(shape)]


def _fmt(shapes) -> str:
    return " ".join("x".join("?" if d is None else str(d) for d in s) or "scalar"
                    for s in shapes) if shapes else "-"


def render(desc: dict) -> str:
    """Human-readable text for :func:`describe`'s output."""
    out = [f"net:     {desc['name'] or '(unnamed)'}",
           f"format:  {desc['format']} ({desc['layer_format']} layers)",
           f"fork:    {desc['fork']}",
           *([f"         ({desc['fork_reason']})"] if desc.get("fork_reason") else []),
           "inputs:  " + ", ".join(f"{k} {_fmt([v]) if v else '(shape unknown)'}"
                                   for k, v in desc["inputs"].items()),
           "outputs: " + ", ".join(desc["outputs"]), ""]
    rows = [("layer", "type", "bottoms -> tops", "params", "top shapes", "key parameters")]
    for l in desc["layers"]:  # names from the file: control characters escaped
        rows.append(tuple(map(printable, (
            l["name"], l["type"], f"{','.join(l['bottoms'])} -> {','.join(l['tops'])}",
            _fmt(l["params"]), _fmt(l["top_shapes"]), key_params(l.get("attrs") or {})))))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    for r in rows:
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    pre = desc["preprocessing"]
    out.append("")
    out.append(f"preprocessing: {pre['channel_order']}, {pre['value_range']}, mean "
               f"{pre['mean'] if pre['mean'] else 'unknown'} ({pre['source']})")
    out.extend(render_storage(desc.get("storage")))
    if desc["shape_error"]:
        out.append(f"shapes: {desc['shape_error']}")
    for n in desc["notes"]:
        out.append(f"note: {n}")
    for w in desc["warnings"]:
        out.append(f"warning: {w}")
    return "\n".join(map(printable, out))
