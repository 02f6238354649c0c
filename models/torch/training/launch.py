"""``--nproc N``: N local ranks through torch's elastic launcher (``torch.distributed.run``,
what ``torchrun --standalone`` runs); each rank re-runs the same ``caffe2ss train``."""
from __future__ import annotations

import sys


def launch(nproc: int, argv: list) -> int:
    """Run ``python -m caffe2ss.converter.cli <argv>`` as ``nproc`` ranks; exit status of
    the job (the first failing rank's, 0 when all succeed)."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import get_args_parser, run

    args = get_args_parser().parse_args(
        ["--standalone", "--nnodes", "1", "--nproc-per-node", str(nproc),
         "--max-restarts", "0", "--module", "caffe2ss.converter.cli", *argv])
    try:
        run(args)
    except ChildFailedError as e:
        codes = [f.exitcode for f in e.failures.values()]
        print(f"caffe2ss: a training process failed (exit {codes})", file=sys.stderr)
        return next((c for c in codes if c and c > 0), 1)
    return 0
