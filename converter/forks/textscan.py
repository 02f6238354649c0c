"""Explain a prototxt that a schema cannot parse: every unknown field, by layer.

protobuf's text parser stops at the first unknown name ("2078:3 : Message type
"caffe.LayerParameter" has no field named "permute_param""). This walks the text with
the schema's descriptors instead, collecting every field the schema lacks with the
layer (name and type) it sits in, and every layer type caffe2ss does not convert, so
one error can list them all and name the fork they come from (:mod:`.foreign`).
"""
from __future__ import annotations

import re

from ..layers import SPECS
from . import registry  # read at call time: its discovery imports this module
from .foreign import FIELD_NAMES, LAYER_TYPES

_TOKEN = re.compile(r"\s+|#[^\n]*|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|"
                    r"[A-Za-z_][\w.]*|[-+]?(?:\d|\.\d)[\w.+-]*|[{}<>\[\]:,;]|.")
_CLOSE = {"{": "}", "<": ">"}
#: Deeper nesting is not walked (no Caffe message nests past ~6; 100k-deep fuzz text
#: would exhaust Python's recursion): the text is reported as not prototxt syntax.
MAX_NESTING = 100


class _Walk:
    def __init__(self, text: str):
        self.toks, line = [], 1
        for m in _TOKEN.finditer(text):
            t = m.group()
            if not (t.isspace() or t.startswith("#")):
                self.toks.append((t, line))
            line += t.count("\n")
        self.i = 0
        self.layers: list[dict] = []
        self.unknown: list[tuple] = []   # (line, field name, layer index or None)

    def peek(self) -> str:
        return self.toks[self.i][0] if self.i < len(self.toks) else ""

    def message(self, desc, layer, close, top=False, depth=0) -> None:
        while self.i < len(self.toks) and self.peek() != close:
            name, line = self.toks[self.i]
            if not re.match(r"[A-Za-z_]", name):
                raise ValueError(line)
            self.i += 1
            if self.peek() == ":":
                self.i += 1
            field = desc.fields_by_name.get(name) if desc is not None else None
            if desc is not None and field is None:
                self.unknown.append((line, name, layer))
            here = layer
            if top and name in ("layer", "layers"):
                self.layers.append({"name": "", "type": "", "line": line})
                here = len(self.layers) - 1
            if self.peek() in _CLOSE:
                end = _CLOSE[self.peek()]
                if depth >= MAX_NESTING:
                    raise ValueError(line)
                self.i += 1
                self.message(field.message_type if field is not None else None, here, end,
                             depth=depth + 1)
                self.i += 1
            elif self.peek() == "[":
                while self.i < len(self.toks) and self.peek() != "]":
                    self.i += 1
                self.i += 1
            else:
                value = self.peek().strip("\"'")
                self.i += 1
                if layer is not None and desc is not None and not top and \
                        name in ("name", "type") and desc.name.endswith("LayerParameter") \
                        and desc.name != "V0LayerParameter":
                    self.layers[layer][name] = value
            if self.peek() in (",", ";"):
                self.i += 1


def scan_text(text: str, net_descriptor):
    """``(layers, unknown)``: ``[{"name", "type", "line"}]`` and ``[(line, field, layer
    index or None)]`` for every field name the schema lacks. Raises ValueError on text
    that is not prototxt syntax."""
    w = _Walk(text)
    w.message(net_descriptor, None, "", top=True)
    return w.layers, w.unknown


def explain(text: str, module, fork: str) -> str | None:
    """One message listing the unknown fields by layer, their fork, and every layer type
    caffe2ss does not convert; None when the failure is not about unknown fields."""
    try:
        layers, unknown = scan_text(text, module.NetParameter.DESCRIPTOR)
    except (ValueError, IndexError):
        return None
    if not unknown:
        return None
    for l in layers:
        l["type"] = registry.V1_TYPES.get(l["type"], l["type"])
    label = (lambda i: f"'{layers[i]['name']}' ({layers[i]['type'] or '?'})"
             if i is not None else "the net header")
    by_layer: dict = {}
    forks: list[str] = []
    for _, name, i in unknown:
        by_layer.setdefault(label(i), []).append(name)
        fork_of = FIELD_NAMES.get(name) or (LAYER_TYPES.get(layers[i]["type"])
                                            if i is not None else None)
        if fork_of and fork_of not in forks:
            forks.append(fork_of)
    listed = "; ".join(f"{k}: {', '.join(dict.fromkeys(v))}" for k, v in by_layer.items())
    out = (f"line {unknown[0][0]}: fields the {fork} schema does not have, in "
           f"{len(by_layer)} layer(s): {listed}")
    if forks:
        out += f". They belong to {' and '.join(forks)}, which caffe2ss does not read"
    known = registry.DATA_TYPES | registry.DROP_TYPES | registry.POSTPROCESS_TYPES
    bad = [label(i) for i, l in enumerate(layers) if l["type"] not in SPECS
           and l["type"] not in known]
    if bad:
        out += f". Unsupported layer types: {', '.join(dict.fromkeys(bad))}"
    return out
