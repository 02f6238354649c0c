"""``caffe2ss eval``: VOC mIoU of a caffemodel or a converted output."""
from __future__ import annotations

import sys

from ..fileio import write_json_atomic
from ..outdirs import check_output_file
from ..seg.evaluate import evaluate, format_report, read_class_names
from ..seg.predict import open_model
from .common import (add_crf_args, add_framework_arg, add_input_arg, add_model_args,
                     input_names, progress_allowed)
from .preproc import add_preprocessing_args, describe_preprocessing, merged
from .recognize import converted_model

HELP = "evaluate VOC mIoU"
EXAMPLES = """  caffe2ss eval examples/trained_fcn8s_shapes/weights.caffemodel \\
      --voc-root examples/shapes-voc --json miou.json
  caffe2ss eval fcn8s.caffemodel --prototxt deploy.prototxt --voc-root VOCdevkit/VOC2012 --framework tf
  caffe2ss eval fcn8s.onnx --voc-root VOCdevkit/VOC2012 --class-names classes.txt"""


def add_arguments(p) -> None:
    """The ``eval`` options."""
    add_model_args(p, converted=True)
    add_input_arg(p)
    p.add_argument("--voc-root", required=True, help="data set in VOC layout "
                   "(JPEGImages/, SegmentationClass/, ImageSets/Segmentation/)")
    p.add_argument("--split", default="val", help="split file under ImageSets/Segmentation")
    add_framework_arg(p)
    p.add_argument("--batch-size", type=int, default=1, help="images per forward pass")
    p.add_argument("--json", dest="json_path", help="write the JSON report (with the "
                   "confusion matrix) here (default: none)")
    p.add_argument("--class-names", help="text file, one class name per line (default: "
                   "<voc-root>/class_names.txt, else the VOC names for 21 classes)")
    add_crf_args(p, "also score DeepLab's dense CRF on the same logits (side by side)")
    add_preprocessing_args(p, "overrides the model's")


def run(args) -> int:
    """Evaluate, print the report, optionally write it as JSON."""
    check_output_file(args.json_path)  # before any work
    names = read_class_names(args.class_names) if args.class_names else None
    quiet = bool(args.json_path)
    report = evaluate(open_for_task(args), args.voc_root, split=args.split,
                      batch_size=args.batch_size, progress=progress_allowed(quiet),
                      class_names=names,
                      crf=(args.crf_params or "") if args.crf or args.crf_params else None)
    print(format_report(report))
    if args.json_path:
        write_json_atomic(args.json_path, report)
    return 0


def open_for_task(args):
    """MODEL opened (a sidecar or TF file stands for its output), preprocessing
    overridden from the command line and printed with its source."""
    path = (converted_model(args.model) if args.prototxt is None else None) or args.model
    names = input_names(args)
    extra = {"inputs": names} if names else {}
    model = open_model(path, args.framework, args.prototxt, args.fork, **extra)
    model.preprocessing = merged(model.preprocessing, args)
    print(describe_preprocessing(model.preprocessing), file=sys.stderr)
    return model
