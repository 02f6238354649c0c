"""Every parsed parameter of a layer for ``inspect`` (``--json``: all; text: the key ones)."""
from __future__ import annotations

import dataclasses
import enum

#: Parameters shown in inspect's text table (``--json`` has every parameter).
KEY_PARAMS = ("num_output", "kernel", "stride", "pad", "dilation", "group", "pool",
              "operation", "axis", "offset", "min_sizes", "num_classes", "keep_top_k")


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


def key_params(attrs: dict) -> str:
    """``kernel=3x3 stride=1x1 pad=100x100 ...``, or ``-``."""
    out = []
    for k in KEY_PARAMS:
        if k in attrs and attrs[k] is not None:
            v = attrs[k]
            out.append(f"{k}={'x'.join(map(str, v)) if isinstance(v, list) else v}")
    return " ".join(out) or "-"
