"""``caffe2ss convert``: write the weights (and graph) for one framework."""
from __future__ import annotations

import sys
from pathlib import Path

from ..backends import ONNX_DEFAULT_OPSET, get_backend
from ..errors import CaffeError, printable
from ..hashing import hash_soon
from ..outpaths import check_outputs
from ..reader.load import load
from ..reader.weights import check_weights
from .common import (add_input_arg, add_model_args, framework_list, input_names,
                     input_shapes)
from .preproc import add_preprocessing_args, apply_overrides, describe_preprocessing
from .progress import Steps
from .recognize import refuse_converted

HELP = "convert weights (and graph) to a framework"
EXAMPLES = """  caffe2ss convert deeplab.caffemodel --to tf -o deeplab
  caffe2ss convert fcn8s.caffemodel --prototxt deploy.prototxt --to torch -o fcn8s.pt
  caffe2ss convert fcn8s.caffemodel --prototxt deploy.prototxt --to torch \\
      --format safetensors -o fcn8s.safetensors
  caffe2ss convert fcn8s.caffemodel --prototxt deploy.prototxt --to onnx -o fcn8s.onnx --dynamic-hw"""

#: Output suffixes that belong to one target only.
_SUFFIX_OWNER = {".onnx": "onnx", ".pt": "torch", ".pth": "torch", ".safetensors": "torch",
                 ".h5": "tf", ".index": "tf"}


def add_arguments(p) -> None:
    """The ``convert`` options; the ONNX opset default is the backend registry's."""
    add_model_args(p)
    add_input_arg(p)
    p.add_argument("--to", required=True, choices=framework_list(), help="target framework")
    p.add_argument("-o", "--output", required=True, help="output path (torch/onnx: a file, "
                   "tf: a prefix); its folder must exist")
    p.add_argument("--input-shape", help="N,C,H,W (or name=N,C,H,W) used for export "
                   "(default: the declared shape)")
    p.add_argument("--format", choices=["pt", "safetensors"], default=None,
                   help="torch only: state_dict file format (default: pt)")
    p.add_argument("--saved-model", action="store_true", help="tf only: also write a SavedModel")
    p.add_argument("--dynamic-hw", action="store_true",
                   help="onnx only: symbolic height/width (fully convolutional nets)")
    p.add_argument("--opset", type=int, default=None,
                   help=f"onnx only: opset (default: {ONNX_DEFAULT_OPSET})")
    add_preprocessing_args(p, "recorded in the sidecar")


def check_options(args) -> None:
    """Refuse options that do not apply to ``--to`` and an -o that names another format."""
    owner = {"format": "torch", "saved_model": "tf", "dynamic_hw": "onnx", "opset": "onnx"}
    for opt, fw in owner.items():
        if getattr(args, opt) not in (None, False) and args.to != fw:
            flag = "--" + opt.replace("_", "-")
            raise CaffeError(f"{flag} applies to --to {fw} only, not --to {args.to}; "
                             f"drop {flag}", field=opt)
    out = Path(args.output)
    if args.output.endswith(("/", "\\")) or out.is_dir():
        raise CaffeError("the output is an existing folder; give a file name (tf: a "
                         f"prefix) inside it, e.g. -o {out / 'model'}", file=out)
    suffix = out.suffix.lower()
    owner_fw = _SUFFIX_OWNER.get(suffix)
    if owner_fw and owner_fw != args.to:
        raise CaffeError(f"-o ends in {suffix}, a {owner_fw} file, but --to is {args.to}; "
                         f"rename the output or use --to {owner_fw}", file=out)
    fmt = args.format or "pt"
    if args.to == "torch" and suffix in (".pt", ".pth", ".safetensors") and \
            (suffix == ".safetensors") != (fmt == "safetensors"):
        raise CaffeError(f"-o ends in {suffix} but the format is {fmt}; use --format "
                         f"{'safetensors' if suffix == '.safetensors' else 'pt'}", file=out)


def run(args) -> int:
    """Convert and print the written paths, the notes and the effective input shape."""
    check_options(args)
    refuse_converted(args.model, "convert")
    for source in (args.model, args.prototxt):  # sha256 for the sidecar, on another core
        if source is not None:                  # while the framework is imported
            hash_soon(source)
    # only what writing needs: torch for a .pt (a .safetensors is written with numpy),
    # onnx but not onnxruntime, TF for TF
    backend = get_backend(args.to, framework={"torch": args.format != "safetensors",
                                              "tf": True, "onnx": False}[args.to])
    check_outputs(args.to, Path(args.output), [args.model, args.prototxt])
    steps = Steps(json_mode=False)
    steps.start(f"read {args.model}", args.model)
    net = load(args.model, args.prototxt, args.fork, input_names(args))
    steps.done()
    print(printable(f"read {args.model}: fork {net.fork}, {len(net.layers)} layers, "
                    f"inputs {dict(net.inputs)}"), file=sys.stderr)
    if net.fork_reason:
        print(printable(f"note: {net.fork_reason}"), file=sys.stderr)
    for note in net.notes:
        print(printable(f"note: {note}"), file=sys.stderr)
    for warning in net.warnings:
        print(printable(f"warning: {warning}"), file=sys.stderr)
    shapes = input_shapes(net, args)
    check_weights(net, shapes)  # the same first disagreement as `inspect` reports
    apply_overrides(net, args)
    print(describe_preprocessing(net.preprocessing.as_dict()), file=sys.stderr)
    input_shape = next(iter(shapes.values())) if shapes else None
    name = next(iter(net.inputs), None)
    effective = input_shape or (net.inputs.get(name) if name else None)
    if name is not None:
        how = "from --input-shape" if input_shape else "declared"
        dyn = " (height and width symbolic)" if args.dynamic_hw else ""
        print(printable(f"input '{name}': {'x'.join(map(str, effective or ())) or 'unknown'}"
                        f" ({how}){dyn}"), file=sys.stderr)
    options = {"torch": {"format": args.format or "pt"},
               "tf": {"saved_model": args.saved_model},
               "onnx": {"dynamic_hw": args.dynamic_hw,
                        "opset": args.opset or ONNX_DEFAULT_OPSET}}[args.to]
    steps.start(f"build and write {args.to}")
    paths = backend.convert(net, Path(args.output), input_shape=input_shape, **options)
    steps.done(paths)
    for p in paths:
        print(f"wrote {p}")
    return 0
