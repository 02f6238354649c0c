"""Graph inputs from every form Caffe knows, and the preprocessing the net expects.

Legacy ``input``/``input_dim``/``input_shape`` headers, ``Input`` layers, and data
layers (Data, ImageData, ImageSegData, Python, MemoryData, ...): the first top of a data
layer becomes an input, its other tops (labels) are marked dead.
"""
from __future__ import annotations

import re

from ..errors import CaffeError
from ..ir import Net
from ..shapes import MAX_BLOB_ELEMENTS
from ..layers import Msg
from .rawlayers import RawLayer
from .upgrade import as_str, strs

VOC_MEAN_BGR = (104.00699, 116.66877, 122.67892)


def header_inputs(msg, net: Net) -> None:
    """Legacy ``input``/``input_dim``/``input_shape`` headers -> graph inputs."""
    names = strs(msg.input)
    dims = list(msg.input_dim)
    shapes = list(getattr(msg, "input_shape", []))
    if dims and len(dims) != 4 * len(names):
        raise CaffeError(f"{len(dims)} input_dim values for {len(names)} inputs; give 4 "
                         "per input (N, C, H, W)", field="input_dim")
    if shapes and len(shapes) != len(names):
        raise CaffeError(f"{len(shapes)} input_shape entries for {len(names)} inputs",
                         field="input_shape")
    for i, name in enumerate(names):
        if dims:
            net.inputs[name] = _declared(dims[4 * i:4 * i + 4], name, None, "input_dim")
        elif shapes:
            net.inputs[name] = _declared(shapes[i].dim, name, None, "input_shape")
        else:
            net.inputs[name] = None


def _declared(dims, blob: str, layer, field: str) -> tuple:
    """A declared input shape, refused before anything is allocated if it is absurd."""
    shape = tuple(int(d) for d in dims)
    count = 1
    for d in shape:
        count *= max(d, 0)
    if count > MAX_BLOB_ELEMENTS:
        raise CaffeError(f"input '{blob}' is declared with shape {shape} = {count} elements, "
                         f"over the limit of {MAX_BLOB_ELEMENTS}; fix the shape in the file",
                         layer=layer, field=field)
    return shape


# ------------------------------------------------------------ data layers
def data_layer(raw: RawLayer, net: Net, dead: set, chosen=None) -> None:
    """Make a data layer's chosen tops inputs (default: its first); the others are dead."""
    m = raw.msg
    if raw.type == "Input":
        shapes = [_declared(s.dim, raw.tops[0] if raw.tops else "?", raw.name,
                            "input_param.shape") for s in m.input_param.shape] \
            if "input_param" in m.DESCRIPTOR.fields_by_name else []
        if shapes and len(shapes) not in (1, len(raw.tops)):
            raise CaffeError(f"{len(shapes)} shapes for {len(raw.tops)} tops; give one "
                             "shape, or one per top", layer=raw.name, field="input_param.shape")
        for i, top in enumerate(raw.tops):
            net.inputs[top] = (shapes[i] if len(shapes) > 1 else shapes[0]) if shapes else None
        return
    if not raw.tops:
        return
    use = [t for t in raw.tops if t in chosen] if chosen is not None else raw.tops[:1]
    for t in use:
        net.inputs[t] = _declared_data_shape(raw)
    others = [t for t in raw.tops if t not in use]
    dead.update(others)
    net.notes.append(f"data layer '{raw.name}' ({raw.type}) -> "
                     + (f"input {', '.join(repr(t) for t in use)}" if use else "no input")
                     + (f"; its other tops {others} (labels) are dropped" if others else ""))
    if use:
        _preprocessing_from(raw, net)


def _declared_data_shape(raw: RawLayer):
    m = Msg(raw.msg)
    if raw.type == "MemoryData":
        p = m.sub("memory_data_param")
        dims = [p.get(k, 0) for k in ("batch_size", "channels", "height", "width")]
        return tuple(int(d) for d in dims) if all(dims) else None
    t = m.sub("transform_param")
    crop = int(t.get("crop_size", 0))
    h = int(t.get("crop_height", crop))
    w = int(t.get("crop_width", crop))
    if h <= 0 or w <= 0:
        return None
    color = m.sub("image_data_param").get("is_color", True)
    return (1, 3 if color else 1, h, w)


def _preprocessing_from(raw: RawLayer, net: Net) -> None:
    m = Msg(raw.msg)
    t = m.sub("transform_param")
    pre = net.preprocessing
    if t.rep("mean_value"):
        pre.mean = tuple(float(v) for v in t.rep("mean_value"))
        pre.source = f"transform_param of '{raw.name}'"
    if t.has("scale"):
        pre.scale = float(t.get("scale", 1.0))
    crop = int(t.get("crop_size", 0))
    if crop:
        pre.crop_size = crop
    if raw.type == "Python":
        s = as_str(m.sub("python_param").get("param_str", ""))
        hit = re.search(r"['\"]mean['\"]\s*:\s*[\(\[]([^\)\]]*)[\)\]]", s)
        if hit:
            pre.mean = tuple(float(v) for v in hit.group(1).split(",") if v.strip())
            pre.source = f"python_param.param_str of '{raw.name}'"


#: layer names of the FCN/DeepLab VOC nets
_FAMILY_LAYERS = frozenset({"score_fr", "fc8_voc12", "fc8_interp", "score", "upscore"})


def preprocessing_fallback(net: Net) -> None:
    if net.preprocessing.mean is not None:
        return
    if re.search(r"fcn|deeplab|voc", net.name, re.I) or not _FAMILY_LAYERS.isdisjoint(
            l.name for l in net.layers):
        net.preprocessing.mean = VOC_MEAN_BGR
        net.preprocessing.source = "known model family (FCN/DeepLab VOC mean, BGR)"

