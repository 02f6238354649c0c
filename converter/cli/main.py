"""The ``caffe2ss`` command line: inspect, convert, parity, eval, infer, demo, models,
train.

Frameworks are imported only by the subcommand that needs them; a missing one is a
one-line error naming the extra to install. User errors print one line and exit 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from ..budget import limited
from ..errors import CaffeError, printable
from .helpfmt import EXIT_CODES, OUTPUT_POLICY, HelpFormatter, epilog

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
  caffe2ss models --json
  python -m caffe2ss --version

"""


#: The subcommands, in --help order; each module has HELP, add_arguments(p) and run(args).
COMMANDS = ("inspect", "convert", "parity", "eval", "infer", "demo", "models", "train")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with one subparser per module of :data:`COMMANDS`.

    ``only``: build just that command's subparser (what :func:`main` does when the
    command line starts with it), so ``convert`` imports no other command's modules.
    """
    parser = argparse.ArgumentParser(
        prog="caffe2ss", description="Read Caffe models without Caffe; convert them to "
        "PyTorch, TensorFlow and ONNX with Caffe-exact semantics, and prove it.",
        epilog=EPILOG + "\n" + OUTPUT_POLICY + "\n\n" + EXIT_CODES,
        formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"caffe2ss {version()}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        module = _command(name)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP,
                           epilog=epilog(module.EXAMPLES), formatter_class=HelpFormatter)
        module.add_arguments(p)
        p.add_argument("--max-memory", metavar="SIZE",
                       help="memory budget, e.g. 4G (default: a quarter of the physical memory, "
                       "or $CAFFE2SS_MAX_MEMORY); larger inputs and nets are refused")
    return parser


def version() -> str:
    """The installed distribution's version (pyproject's, in a source checkout)."""
    try:
        from importlib.metadata import version as dist_version

        return dist_version("caffe2ss")
    except Exception:  # not installed: read pyproject.toml next to the sources
        text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
        return next(l.split('"')[1] for l in text.splitlines() if l.startswith("version"))


def _command(name: str):
    return importlib.import_module(f"{__package__}.{name}")


def main(argv=None) -> int:
    """Entry point of the ``caffe2ss`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    only = argv[0] if argv and argv[0] in COMMANDS else None  # else: the full parser
    args = build_parser(only).parse_args(argv)
    try:
        with limited(args.max_memory):
            return _command(args.command).run(args)
    except CaffeError as e:
        print(f"caffe2ss: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # a read or write the early checks could not foresee
        where = f" {e.filename}" if e.filename else ""
        print(printable(f"caffe2ss: error:{where}: {e.strerror or e}; check the path and "
                        "its permissions"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("caffe2ss: interrupted", file=sys.stderr)
        return 130
