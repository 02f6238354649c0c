"""The `inspect` report of a net: format, fork, inputs, layers and shapes (JSON or text)."""
from __future__ import annotations

import dataclasses
import enum

from ..errors import CaffeError, printable
from ..ir import Net

#: Parameters shown in inspect's text table (``--json`` has every parameter).
KEY_PARAMS = ("num_output", "kernel", "stride", "pad", "dilation", "group", "pool",
              "operation", "axis", "offset")


def layer_attrs(params) -> dict:
    """Every parsed parameter of a layer (Caffe's defaults filled in), JSON-ready."""
    if params is None or not dataclasses.is_dataclass(params):
        return {}
    return {f.name: _jsonable(getattr(params, f.name)) for f in dataclasses.fields(params)}


def _jsonable(v):
    if isinstance(v, enum.Enum):
        return v.name
    if isinstance(v, (tuple, list)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if dataclasses.is_dataclass(v):
        return layer_attrs(v)
    if isinstance(v, (int, float, str, bool)) or v is None:
        return v
    return str(v)


def _key(attrs: dict) -> str:
    out = []
    for k in KEY_PARAMS:
        if k in attrs and attrs[k] is not None:
            v = attrs[k]
            out.append(f"{k}={'x'.join(map(str, v)) if isinstance(v, list) else v}")
    return " ".join(out) or "-"


def describe(net: Net, input_shapes=None) -> dict:
    """The inspect JSON contract.

    ``{"format", "fork", "layer_format", "inputs": {name: shape|null}, "layers": [{"name",
    "type", "bottoms", "tops", "params": [[dims]...], "attrs": {param: value},
    "top_shapes": [[dims]...]|null}],
    "outputs", "preprocessing", "notes", "warnings", "shape_error"}``. ``params`` are the
    weight shapes as Caffe holds them; ``top_shapes`` are Caffe's NCHW shapes (null when
    no input shape is known).
    """
    per_layer, shape_error = None, None
    try:
        per_layer = net.top_shapes(input_shapes)
        inputs = net.resolve_input_shapes(input_shapes)
    except CaffeError as e:
        if "has no declared shape" not in e.message:
            raise
        shape_error = e.message
        inputs = dict(net.inputs)
    return {
        "format": net.format,
        "fork": net.fork,
        "layer_format": net.layer_format,
        "name": net.name,
        "inputs": {k: list(v) if v else None for k, v in inputs.items()},
        "outputs": net.outputs(),
        "layers": [{
            "name": l.name, "type": l.type, "bottoms": list(l.bottoms), "tops": list(l.tops),
            "params": [list(b.shape) for b in l.blobs],
            "attrs": layer_attrs(l.params),
            "top_shapes": [list(s) for s in per_layer[l.name]] if per_layer else None,
        } for l in net.layers if not l.synthetic],
        "preprocessing": net.preprocessing.as_dict(),
        "notes": list(net.notes),
        "warnings": list(net.warnings),
        "shape_error": shape_error,
    }


def _fmt(shapes) -> str:
    return " ".join("x".join(str(d) for d in s) or "scalar" for s in shapes) if shapes else "-"


def render(desc: dict) -> str:
    """Human-readable text for :func:`describe`'s output."""
    out = [f"net:     {desc['name'] or '(unnamed)'}",
           f"format:  {desc['format']} ({desc['layer_format']} layers)",
           f"fork:    {desc['fork']}",
           "inputs:  " + ", ".join(f"{k} {_fmt([v]) if v else '(shape unknown)'}"
                                   for k, v in desc["inputs"].items()),
           "outputs: " + ", ".join(desc["outputs"]), ""]
    rows = [("layer", "type", "bottoms -> tops", "params", "top shapes", "key parameters")]
    for l in desc["layers"]:  # names from the file: control characters escaped
        rows.append(tuple(map(printable, (
            l["name"], l["type"], f"{','.join(l['bottoms'])} -> {','.join(l['tops'])}",
            _fmt(l["params"]), _fmt(l["top_shapes"]), _key(l.get("attrs") or {})))))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    for r in rows:
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    pre = desc["preprocessing"]
    out.append("")
    out.append(f"preprocessing: {pre['channel_order']}, {pre['value_range']}, mean "
               f"{pre['mean'] if pre['mean'] else 'unknown'} ({pre['source']})")
    if desc["shape_error"]:
        out.append(f"shapes: {desc['shape_error']}")
    for n in desc["notes"]:
        out.append(f"note: {n}")
    for w in desc["warnings"]:
        out.append(f"warning: {w}")
    return "\n".join(map(printable, out))
