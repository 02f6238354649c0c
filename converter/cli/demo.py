"""``caffe2ss demo``: the whole job on the embedded example model."""
from __future__ import annotations

from pathlib import Path

from ..seg.demo import run_demo
from .common import framework_list, progress_allowed

HELP = "the whole job on the embedded example model"


def add_arguments(p) -> None:
    """The ``demo`` options."""
    p.add_argument("--out", default="caffe2ss-demo", help="output directory")
    p.add_argument("--frameworks", default=",".join(framework_list()))


def run(args) -> int:
    """Run the demo; 1 when its parity or mIoU check fails."""
    frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    result = run_demo(Path(args.out), frameworks, progress=progress_allowed(False))
    return 0 if result.get("pass", True) else 1
