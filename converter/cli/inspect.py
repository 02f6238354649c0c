"""``caffe2ss inspect``: print the net (format, fork, inputs, layers, shapes)."""
from __future__ import annotations

import json

from ..errors import CaffeError
from ..reader.load import load
from .common import add_input_arg, add_model_args, input_names, input_shapes
from .describe import describe, render
from .inspect_converted import converted_report, render_converted, render_unsupported
from .recognize import converted_kind, converted_model

HELP = "print the net: format, fork, inputs, layers (kernel, stride, pad, ...), shapes"
EXAMPLES = """  caffe2ss inspect examples/trained_fcn8s_shapes/weights.caffemodel
  caffe2ss inspect fcn8s.caffemodel --prototxt deploy.prototxt --input-shape 1,3,500,500 --json
  caffe2ss inspect fcn8s.pt            # a converted output: provenance and parameter map"""


def add_arguments(p) -> None:
    """The ``inspect`` options."""
    add_model_args(p, converted=True)
    add_input_arg(p)
    p.add_argument("--input-shape", help="N,C,H,W (or name=N,C,H,W) for the shape column "
                   "(default: the declared shape)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    """Print the report of :func:`.describe.describe` as text or JSON."""
    converted = converted_model(args.model) if args.prototxt is None else None
    if converted is not None:
        meta = converted_report(converted, converted_kind(args.model))
        print(json.dumps(meta, indent=2) if args.json else render_converted(meta))
        return 0
    try:
        net = load(args.model, args.prototxt, args.fork, input_names(args))
    except CaffeError as e:
        if not getattr(e, "layers", None):
            raise
        if args.json:  # the net, marked; the exit status says it cannot be converted
            print(json.dumps({"layers": e.layers, "unsupported": [
                l["name"] for l in e.layers if not l["supported"]], "error": e.message},
                indent=2))
        else:
            print(render_unsupported(args.model, e.layers, e.message))
        return 2
    desc = describe(net, input_shapes(net, args))
    print(json.dumps(desc, indent=2) if args.json else render(desc))
    return 0
