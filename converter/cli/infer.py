"""``caffe2ss infer``: VOC palette masks (and overlays) for images."""
from __future__ import annotations

from pathlib import Path

from ..seg.infer import infer
from .common import add_framework_arg, add_model_args, progress_allowed

HELP = "write VOC palette masks for images"


def add_arguments(p) -> None:
    """The ``infer`` options."""
    add_model_args(p)
    p.add_argument("images", nargs="+", help="image files or directories")
    p.add_argument("-o", "--output", required=True, help="output directory")
    add_framework_arg(p)
    p.add_argument("--overlay", action="store_true", help="also write blended JPEGs")


def run(args) -> int:
    """Write the masks and print how many files were written."""
    paths = infer(args.model, args.images, Path(args.output), framework=args.framework,
                  prototxt=args.prototxt, overlay=args.overlay, fork=args.fork,
                  progress=progress_allowed(False))
    print(f"wrote {len(paths)} files to {args.output}")
    return 0
