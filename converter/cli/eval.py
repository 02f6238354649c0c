"""``caffe2ss eval``: VOC mIoU of a caffemodel or a converted output."""
from __future__ import annotations

from ..fileio import write_json_atomic
from ..seg.evaluate import evaluate, format_report
from ..seg.predict import open_model
from .common import (add_crf_args, add_framework_arg, add_input_arg, add_model_args,
                     input_names, progress_allowed)

HELP = "evaluate VOC mIoU"


def add_arguments(p) -> None:
    """The ``eval`` options."""
    add_model_args(p)
    add_input_arg(p)
    p.add_argument("--voc-root", required=True)
    p.add_argument("--split", default="val")
    add_framework_arg(p)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--json", dest="json_path", help="write the JSON report here")
    add_crf_args(p, "also score DeepLab's dense CRF on the same logits (side by side)")


def run(args) -> int:
    """Evaluate, print the report, optionally write it as JSON."""
    quiet = bool(args.json_path)
    report = evaluate(_model(args), args.voc_root, split=args.split, framework=args.framework,
                      prototxt=args.prototxt, batch_size=args.batch_size,
                      progress=progress_allowed(quiet), fork=args.fork,
                      crf=(args.crf_params or "") if args.crf or args.crf_params else None)
    print(format_report(report))
    if args.json_path:
        write_json_atomic(args.json_path, report)
    return 0


def _model(args):
    """MODEL, opened here when ``--input`` names the Caffe net's input."""
    names = input_names(args)
    if not names:
        return args.model
    return open_model(args.model, args.framework, args.prototxt, args.fork, inputs=names)
