"""``caffe2ss infer``: VOC palette masks (and overlays) for images."""
from __future__ import annotations

import sys
from pathlib import Path

from ..outdirs import check_output_dir
from ..seg.infer import infer
from .common import (add_crf_args, add_framework_arg, add_input_arg, add_model_args,
                     progress_allowed)
from .eval import open_for_task
from .preproc import add_preprocessing_args

HELP = "write VOC palette masks for images"
EXAMPLES = """  caffe2ss infer examples/trained_fcn8s_shapes/weights.caffemodel \\
      examples/shapes-voc/JPEGImages -o masks --overlay
  caffe2ss infer fcn8s.pt photo.jpg more_photos/ -o masks --recursive
  caffe2ss infer deeplab --mean 104,117,123 --channel-order bgr photo.jpg -o masks"""


def add_arguments(p) -> None:
    """The ``infer`` options."""
    add_model_args(p, converted=True)
    add_input_arg(p)
    p.add_argument("images", nargs="+", help="image files or directories")
    p.add_argument("-o", "--output", required=True, help="output directory (created; its "
                   "parent must exist)")
    add_framework_arg(p)
    p.add_argument("--overlay", action="store_true", help="also write blended JPEGs")
    p.add_argument("--recursive", action="store_true", help="also read the images in "
                   "sub-folders of a directory (masks keep the relative path)")
    add_crf_args(p, "refine the masks with DeepLab's dense CRF (argmax of Q at image size)")
    add_preprocessing_args(p, "overrides the model's")


def run(args) -> int:
    """Write the masks and print how many files were written."""
    check_output_dir(args.output)  # before any work
    written: list = []
    try:
        infer(open_for_task(args), args.images, Path(args.output), overlay=args.overlay,
              progress=progress_allowed(False), recursive=args.recursive, written=written,
              crf=(args.crf_params or "") if args.crf or args.crf_params else None)
    except KeyboardInterrupt:
        print(f"caffe2ss: interrupted after writing {len(written)} files to "
              f"{args.output}", file=sys.stderr)
        raise
    print(f"wrote {len(written)} files to {args.output}")
    return 0
