"""The ``caffe2ss`` command line: inspect, convert, parity, eval, infer, demo, train.

Frameworks are imported only by the subcommand that needs them; a missing one is a
one-line error naming the extra to install. User errors print one line and exit 2.
"""
from __future__ import annotations

import argparse
import sys

from .errors import CaffeError

EPILOG = """examples:
  caffe2ss inspect deeplab.caffemodel
  caffe2ss inspect fcn8s.caffemodel --prototxt deploy.prototxt --input-shape 1,3,500,500 --json
  caffe2ss convert deeplab.caffemodel --to tf -o deeplab
  caffe2ss convert fcn8s.caffemodel --prototxt deploy.prototxt --to torch -o fcn8s.pt
  caffe2ss convert fcn8s.caffemodel --prototxt deploy.prototxt --to onnx -o fcn8s.onnx --dynamic-hw
  caffe2ss parity fcn8s.caffemodel --prototxt deploy.prototxt --input x.npy \\
      --reference blobs.npz --frameworks torch,tf,onnx --json report.json
  caffe2ss eval fcn8s.caffemodel --prototxt deploy.prototxt --voc-root VOC2012 --framework torch
  caffe2ss infer fcn8s.pt image.jpg photos/ -o masks --overlay
  caffe2ss demo

exit status: 0 success, 1 parity mismatch, 2 bad input or usage"""


def parse_shape(text: str) -> dict:
    """``N,C,H,W`` or ``name=N,C,H,W`` (repeatable via ';') -> {name or '': shape}."""
    out = {}
    for part in text.split(";"):
        name, _, dims = part.rpartition("=")
        try:
            shape = tuple(int(d) for d in dims.replace("x", ",").split(","))
        except ValueError:
            raise CaffeError(f"bad --input-shape '{text}': use N,C,H,W, e.g. 1,3,500,500",
                             field="input-shape") from None
        if not shape or any(d <= 0 for d in shape):
            raise CaffeError(f"bad --input-shape '{text}': dims must be positive",
                             field="input-shape")
        out[name.strip()] = shape
    return out


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help=".caffemodel (binary) or .prototxt (text)")
    p.add_argument("--prototxt", help="net definition (text); default: the one embedded "
                   "in the caffemodel")
    p.add_argument("--fork", choices=["bvlc", "deeplab_v1", "deeplab_v2"],
                   help="force the Caffe fork's schema (default: detected from the file)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caffe2ss", description="Read Caffe models without Caffe; convert them to "
        "PyTorch, TensorFlow and ONNX with Caffe-exact semantics, and prove it.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("inspect", help="print the net: format, fork, inputs, layers, shapes")
    _model_args(p)
    p.add_argument("--input-shape", help="N,C,H,W (or name=N,C,H,W)")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("convert", help="convert weights (and graph) to a framework")
    _model_args(p)
    p.add_argument("--to", required=True, choices=["torch", "tf", "onnx"])
    p.add_argument("-o", "--output", required=True, help="output path (file or prefix)")
    p.add_argument("--input-shape", help="N,C,H,W used for export (default: declared)")
    p.add_argument("--format", choices=["pt", "safetensors"], default="pt",
                   help="torch: state_dict file format (default pt)")
    p.add_argument("--saved-model", action="store_true", help="tf: also write a SavedModel")
    p.add_argument("--dynamic-hw", action="store_true",
                   help="onnx: symbolic height/width (fully convolutional nets)")
    p.add_argument("--opset", type=int, default=17, help="onnx opset (default 17)")

    p = sub.add_parser("parity", help="compare the rebuilt net with Caffe's blobs (CI gate)")
    _model_args(p)
    p.add_argument("--input", help="NCHW float32 .npy fed to the net's input")
    p.add_argument("--reference", help=".npz of Caffe blobs keyed by blob name")
    p.add_argument("--frameworks", default="torch", help="comma list of torch,tf,onnx")
    p.add_argument("--json", dest="json_path", help="write the JSON report here")
    p.add_argument("--atol", type=float, default=None, help="absolute tolerance (default 0)")
    p.add_argument("--rtol", type=float, default=None,
                   help="relative tolerance on max(1, max|ref|) (default 1e-4)")
    p.add_argument("--voc-root", help="also gate mIoU on a VOC-layout data set")
    p.add_argument("--split", default="val")
    p.add_argument("--caffe-predictions", help=".npz of Caffe's argmax maps per image id")

    p = sub.add_parser("eval", help="evaluate VOC mIoU")
    _model_args(p)
    p.add_argument("--voc-root", required=True)
    p.add_argument("--split", default="val")
    p.add_argument("--framework", choices=["torch", "tf", "onnx"],
                   help="framework to run a .caffemodel in (default torch; a converted "
                   "output runs in its own framework)")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--json", dest="json_path", help="write the JSON report here")

    p = sub.add_parser("infer", help="write VOC palette masks for images")
    _model_args(p)
    p.add_argument("images", nargs="+", help="image files or directories")
    p.add_argument("-o", "--output", required=True, help="output directory")
    p.add_argument("--framework", choices=["torch", "tf", "onnx"],
                   help="framework to run a .caffemodel in (default torch; a converted "
                   "output runs in its own framework)")
    p.add_argument("--overlay", action="store_true", help="also write blended JPEGs")

    p = sub.add_parser("demo", help="the whole job on the embedded example model")
    p.add_argument("--out", default="caffe2ss-demo", help="output directory")
    p.add_argument("--frameworks", default="torch,tf,onnx")

    from .train.cliargs import add_train_parser

    add_train_parser(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``caffe2ss`` console script."""
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # train --nproc re-runs it
    from . import commands

    try:
        return getattr(commands, f"cmd_{args.command}")(args)
    except CaffeError as e:
        print(f"caffe2ss: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("caffe2ss: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
