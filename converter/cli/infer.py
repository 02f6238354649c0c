"""``caffe2ss infer``: VOC palette masks (and overlays) for images."""
from __future__ import annotations

from pathlib import Path

from ..seg.infer import infer
from ..seg.predict import open_model
from .common import (add_crf_args, add_framework_arg, add_input_arg, add_model_args,
                     input_names, progress_allowed)

HELP = "write VOC palette masks for images"


def add_arguments(p) -> None:
    """The ``infer`` options."""
    add_model_args(p)
    add_input_arg(p)
    p.add_argument("images", nargs="+", help="image files or directories")
    p.add_argument("-o", "--output", required=True, help="output directory")
    add_framework_arg(p)
    p.add_argument("--overlay", action="store_true", help="also write blended JPEGs")
    add_crf_args(p, "refine the masks with DeepLab's dense CRF (argmax of Q at image size)")


def run(args) -> int:
    """Write the masks and print how many files were written."""
    paths = infer(_model(args), args.images, Path(args.output), framework=args.framework,
                  prototxt=args.prototxt, overlay=args.overlay, fork=args.fork,
                  progress=progress_allowed(False),
                  crf=(args.crf_params or "") if args.crf or args.crf_params else None)
    print(f"wrote {len(paths)} files to {args.output}")
    return 0


def _model(args):
    """MODEL, opened here when ``--input`` names the Caffe net's input."""
    names = input_names(args)
    if not names:
        return args.model
    return open_model(args.model, args.framework, args.prototxt, args.fork, inputs=names)
