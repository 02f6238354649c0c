"""``caffe2ss demo``: the whole job on the embedded example model."""
from __future__ import annotations

from pathlib import Path

from ..outdirs import check_output_dir
from ..seg.demo import run_demo
from .common import framework_list, frameworks_arg, progress_allowed

HELP = "the whole job on the embedded example model"
EXAMPLES = """  caffe2ss demo
  caffe2ss demo --frameworks torch --out /tmp/demo"""


def add_arguments(p) -> None:
    """The ``demo`` options."""
    p.add_argument("--out", default="caffe2ss-demo", help="output directory (created; its "
                   "parent must exist)")
    p.add_argument("--frameworks", default=",".join(framework_list()),
                   help="comma list of frameworks to convert to and check")


def run(args) -> int:
    """Run the demo; 1 when its parity or mIoU check fails, 2 on bad options."""
    frameworks = frameworks_arg(args.frameworks)
    check_output_dir(args.out)  # before any work
    result = run_demo(Path(args.out), frameworks, progress=progress_allowed(False))
    return 0 if result.get("pass", True) else 1
