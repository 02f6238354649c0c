"""Helpers for the training tests: a small VOC root, running ``caffe2ss train``, reading
what a run wrote."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers.oracle import DATA, TRAINED

EXAMPLES = TRAINED.parent
#: Caffe's own val mIoU of the trained FCN-8s (case.json), the bar fine-tuning must clear.
CAFFE_MIOU = json.loads((TRAINED / "case.json").read_text())["miou"]
FCN_INIT = ["--init", str(TRAINED / "weights.caffemodel"),
            "--prototxt", str(TRAINED / "deploy.prototxt")]
FCN_NONE = ["--init", "none", "--prototxt", str(TRAINED / "deploy.prototxt")]
DEEPLAB = DATA / "oracle" / "deeplab_v2_largefov_interp_thin" / "weights.caffemodel"


def make_voc_root(dest: Path) -> Path:
    """A VOC root with the shipped train subset (48 images) and the val split (60)."""
    for src in (DATA / "shapes-voc-train", EXAMPLES / "shapes-voc"):
        shutil.copytree(src, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.md"))
    return dest


def train(*argv) -> int:
    """``caffe2ss train ...`` in this process; the exit status."""
    from caffe2ss.converter.cli import main

    return main(["train", *map(str, argv)])


def metrics(run_dir) -> list[dict]:
    from caffe2ss.converter.train.runlog import read_metrics

    return read_metrics(Path(run_dir) / "metrics.jsonl")


def losses(run_dir) -> list[float]:
    return [r["loss"] for r in metrics(run_dir) if "loss" in r]


def last_miou(run_dir) -> float:
    return [r["val_miou"] for r in metrics(run_dir) if "val_miou" in r][-1]
