"""``caffe2ss convert``: write the weights (and graph) for one framework."""
from __future__ import annotations

import sys
from pathlib import Path

from ..backends import ONNX_DEFAULT_OPSET, get_backend
from ..reader.load import load
from ..reader.weights import check_weights
from .common import (add_input_arg, add_model_args, framework_list, input_names,
                     input_shapes)

HELP = "convert weights (and graph) to a framework"


def add_arguments(p) -> None:
    """The ``convert`` options; the ONNX opset default is the backend registry's."""
    add_model_args(p)
    add_input_arg(p)
    p.add_argument("--to", required=True, choices=framework_list())
    p.add_argument("-o", "--output", required=True, help="output path (file or prefix)")
    p.add_argument("--input-shape", help="N,C,H,W used for export (default: declared)")
    p.add_argument("--format", choices=["pt", "safetensors"], default="pt",
                   help="torch: state_dict file format (default pt)")
    p.add_argument("--saved-model", action="store_true", help="tf: also write a SavedModel")
    p.add_argument("--dynamic-hw", action="store_true",
                   help="onnx: symbolic height/width (fully convolutional nets)")
    p.add_argument("--opset", type=int, default=ONNX_DEFAULT_OPSET,
                   help=f"onnx opset (default {ONNX_DEFAULT_OPSET})")


def run(args) -> int:
    """Convert and print the written paths."""
    backend = get_backend(args.to)
    net = load(args.model, args.prototxt, args.fork, input_names(args))
    print(f"read {args.model}: fork {net.fork}, {len(net.layers)} layers, "
          f"inputs {dict(net.inputs)}", file=sys.stderr)
    if net.fork_reason:
        print(f"note: {net.fork_reason}", file=sys.stderr)
    shapes = input_shapes(net, args)
    check_weights(net, shapes)  # the same first disagreement as `inspect` reports
    options = {"torch": {"format": args.format}, "tf": {"saved_model": args.saved_model},
               "onnx": {"dynamic_hw": args.dynamic_hw, "opset": args.opset}}[args.to]
    input_shape = next(iter(shapes.values())) if shapes else None
    paths = backend.convert(net, Path(args.output), input_shape=input_shape, **options)
    for p in paths:
        print(f"wrote {p}")
    return 0
