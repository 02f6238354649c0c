"""Read Caffe files with protobuf alone: ``load(model, prototxt=None, fork=None)``.

* ``model`` is a binary ``.caffemodel`` or a text ``.prototxt`` (sniffed, not guessed
  from the extension). With a caffemodel alone the net definition embedded in it is
  used (the training net, usually: its data layers become inputs, losses are dropped).
* ``prototxt`` (optional, text) overrides the embedded definition; weights are then
  matched to its layers by name, as Caffe does.
* ``fork`` forces the schema (one of :data:`FORKS`: ``"bvlc"``, ``"ssd"``, ...); by
  default it is detected from the bytes (see :mod:`..forks`; the meaning of pooling
  field 13 is decided by :mod:`..forks.pool13`).
"""
from __future__ import annotations

import re

from ..errors import CaffeError
from ..gcpause import gc_paused
from ..forks import (FORKS, check_schema_fits, detect_binary_fork, detect_text_fork,
                     parse_binary, parse_text, parse_text_fields, schema)
from ..forks.foreign import binary_note
from ..forks.pool13 import choose_pool13, pool13_layers
from ..ir import Net
from .netbuild import build_net
from .scan import scan_caffemodel
from .storage import summarize
from .sniff import is_prototxt, map_file, read_text, refuse_containers

__all__ = ["FORKS", "detect_text_fork", "load", "load_definition"]

#: first line of a definition whose inputs were named with ``--input`` (a comment)
_INPUTS_LINE = "# caffe2ss --input "

@gc_paused()
def load(model=None, prototxt=None, fork: str | None = None, inputs=None) -> Net:
    """Load a Caffe net (definition + weights) into the IR. See the module docstring.

    ``inputs``: data-layer tops to use as the net's inputs (``--input``); by default
    they are chosen by use.
    """
    if fork is not None and fork not in FORKS:
        raise CaffeError(f"unknown fork '{fork}'; choose one of {', '.join(FORKS)}",
                         field="fork")
    if model is None and prototxt is None:
        raise CaffeError("give a .caffemodel, a .prototxt, or both")
    weights = text = None
    definition = None          # (message, fork, file, fields the text parser read)
    fmt = None
    sources = {}
    warnings: list[str] = []
    reason = foreign = ""
    if model is not None:
        buf = map_file(model)
        sources["model"] = str(model)
        if is_prototxt(buf):
            if prototxt is not None:
                raise CaffeError("MODEL is a text prototxt, not a binary .caffemodel; pass "
                                 "the .caffemodel as MODEL and the prototxt with --prototxt",
                                 file=model, offset=0, field="model")
            text = bytes(buf)
            definition = parse_text_fields(model, text, fork)
            fmt = "prototxt"
        else:
            refuse_containers(buf, model)
            scanned = scan_caffemodel(buf, file=model)
            weights = scanned.layers
            if prototxt is None:
                f = fork or detect_binary_fork(scanned)
                if f in ("bvlc", "ceil_mode") and pool13_layers(scanned):
                    f, reason = (f, f"pooling field 13 read as the {f} schema says: "
                                 "--fork given") if fork else \
                        choose_pool13(scanned, lambda g: _trial(model, scanned, g, inputs))
                elif f == "ssd" and pool13_layers(scanned) and not fork:
                    f, reason = "inisis", ("pooling field 13, which the SSD fork lacks: read "
                                           "with the inisis schema (SSD's layers, 13 as "
                                           "ceil_mode); --fork overrides this")
                elif f == "inisis" and pool13_layers(scanned):
                    reason = ("pooling field 13 read as ceil_mode (0: round down, 1: round "
                              "up): the inisis schema declares it so, like --fork ceil_mode")
                module = schema(f)
                check_schema_fits(scanned, f, module, model, warnings, forced=fork)
                foreign = binary_note(scanned, module, f)
                definition = (parse_binary(model, scanned, module, f), f, model, None)
                fmt = "caffemodel"
    if prototxt is not None:
        sources["prototxt"] = str(prototxt)
        text = read_text(prototxt)
        definition = parse_text_fields(prototxt, text, fork)
        fmt = "prototxt+caffemodel" if weights is not None else "prototxt"
    msg, net_fork, def_file, fields = definition
    try:
        net = build_net(msg, net_fork, weights, inputs, fields)
    except CaffeError as e:
        if foreign:
            e.message = f"{e.message}. Note: {foreign}"
        raise e.with_context(file=def_file) from None
    net.warnings[:0] = warnings + ([foreign] if foreign else [])
    net.fork_reason = reason
    net.storage = summarize(weights) if weights is not None else {}
    net.format = fmt
    net.source = sources
    if fields is not None:  # msg lacks its layers (parse_text_fields): read them again
        def full():
            return parse_text(def_file, text, net_fork)[0]
    else:
        def full():
            return msg
    if inputs:  # the user's choice travels with the definition (sidecars rebuild from it)
        line = f"{_INPUTS_LINE}{','.join(net.inputs)}\n"
        net.definition = lambda: line + _definition_text(full())  # rendered on first read
    else:
        net.definition = lambda: _definition_text(full())
    return net


def _trial(model, scanned, fork: str, inputs) -> Net:
    """The net as ``fork``'s schema reads the caffemodel (for :func:`choose_pool13`)."""
    module = schema(fork)
    return build_net(parse_binary(model, scanned, module, fork), fork, scanned.layers, inputs)


def load_definition(text: str, fork: str) -> Net:
    """Build a weightless :class:`Net` from prototxt text (e.g. a sidecar's definition)."""
    msg, f, _, fields = parse_text_fields("<definition>", text.encode("utf-8"), fork)
    chosen = re.match(re.escape(_INPUTS_LINE) + r"(\S+)", text)
    net = build_net(msg, f, None, chosen.group(1).split(",") if chosen else None, fields)
    net.format = "prototxt"
    net.definition = text
    return net


def _definition_text(msg) -> str:
    from google.protobuf import text_format

    return text_format.MessageToString(msg)
