"""Read Caffe files with protobuf alone: ``load(model, prototxt=None, fork=None)``.

* ``model`` is a binary ``.caffemodel`` or a text ``.prototxt`` (sniffed, not guessed
  from the extension). With a caffemodel alone the net definition embedded in it is
  used (the training net, usually: its data layers become inputs, losses are dropped).
* ``prototxt`` (optional, text) overrides the embedded definition; weights are then
  matched to its layers by name, as Caffe does.
* ``fork`` forces the schema: ``"bvlc"``, ``"deeplab_v1"`` or ``"deeplab_v2"``;
  by default it is detected from the bytes (see :mod:`.forks`).
"""
from __future__ import annotations

from ..errors import CaffeError
from ..gcpause import gc_paused
from ..forks import (FORKS, check_schema_fits, detect_binary_fork, detect_text_fork,
                     parse_binary, parse_text, schema)
from ..ir import Net
from .netbuild import build_net
from .scan import scan_caffemodel
from .sniff import is_prototxt, map_file, read_text, refuse_containers

__all__ = ["FORKS", "detect_text_fork", "load", "load_definition"]

@gc_paused()
def load(model=None, prototxt=None, fork: str | None = None) -> Net:
    """Load a Caffe net (definition + weights) into the IR. See the module docstring."""
    if fork is not None and fork not in FORKS:
        raise CaffeError(f"unknown fork '{fork}'; choose one of {', '.join(FORKS)}",
                         field="fork")
    if model is None and prototxt is None:
        raise CaffeError("give a .caffemodel, a .prototxt, or both")
    weights = None
    definition = None          # (message, fork, file)
    fmt = None
    sources = {}
    warnings: list[str] = []
    if model is not None:
        buf = map_file(model)
        sources["model"] = str(model)
        if is_prototxt(buf):
            if prototxt is not None:
                raise CaffeError("MODEL is a text prototxt, not a binary .caffemodel; pass "
                                 "the .caffemodel as MODEL and the prototxt with --prototxt",
                                 file=model, offset=0, field="model")
            definition = parse_text(model, bytes(buf), fork)
            fmt = "prototxt"
        else:
            refuse_containers(buf, model)
            scanned = scan_caffemodel(buf, file=model)
            weights = scanned.layers
            if prototxt is None:
                f = fork or detect_binary_fork(scanned)
                module = schema(f)
                check_schema_fits(scanned, f, module, model, warnings, forced=fork)
                definition = (parse_binary(model, scanned, module, f), f, model)
                fmt = "caffemodel"
    if prototxt is not None:
        sources["prototxt"] = str(prototxt)
        data = read_text(prototxt)
        definition = parse_text(prototxt, data, fork)
        fmt = "prototxt+caffemodel" if weights is not None else "prototxt"
    msg, net_fork, def_file = definition
    try:
        net = build_net(msg, net_fork, weights)
    except CaffeError as e:
        raise e.with_context(file=def_file) from None
    net.warnings[:0] = warnings
    net.format = fmt
    net.source = sources
    net.definition = lambda: _definition_text(msg)  # rendered on first read
    return net


def load_definition(text: str, fork: str) -> Net:
    """Build a weightless :class:`Net` from prototxt text (e.g. a sidecar's definition)."""
    msg, f, _ = parse_text("<definition>", text.encode("utf-8"), fork)
    net = build_net(msg, f, None)
    net.format = "prototxt"
    net.definition = text
    return net


def _definition_text(msg) -> str:
    from google.protobuf import text_format

    return text_format.MessageToString(msg)
