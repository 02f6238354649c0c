"""``caffe2ss inspect``: print the net (format, fork, inputs, layers, shapes)."""
from __future__ import annotations

import json

from ..reader.load import load
from .describe import describe, render
from .common import add_input_arg, add_model_args, input_names, input_shapes

HELP = "print the net: format, fork, inputs, layers, shapes"


def add_arguments(p) -> None:
    """The ``inspect`` options."""
    add_model_args(p)
    add_input_arg(p)
    p.add_argument("--input-shape", help="N,C,H,W (or name=N,C,H,W)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    """Print the report of :func:`.describe.describe` as text or JSON."""
    net = load(args.model, args.prototxt, args.fork, input_names(args))
    desc = describe(net, input_shapes(net, args))
    print(json.dumps(desc, indent=2) if args.json else render(desc))
    return 0
