"""Fuzz harness: mutate the shipped fixtures, run reader -> shapes -> torch forward.

Each input gets one outcome class:

* ``ok``: read, shapes inferred, forward run (or nothing left to run);
* ``CaffeError``: refused with caffe2ss's one-line error;
* ``crash``: any other exception, or the worker process died;
* ``time``: more than ``--time-limit`` (2 s) of CPU time, or no answer in 10x that;
* ``memory``: peak RSS grew more than ``--mem-bound`` (512 MiB) over the worker's
  baseline (VmHWM is reset before each input through /proc/self/clear_refs).

Inputs are drawn from a seeded generator, so ``--seed S --n N`` is the same set
every run; a line per non-ok/non-CaffeError outcome names the seed index to replay
(``--only I``). Workers are separate processes (``--jobs``), restarted after a crash
or a hang. The memory budget of each run is ``--max-memory`` (256M).

    python tools/fuzz.py --n 1000 --seed 0 [--jobs 1] [--json report.json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the fuzz_* modules next to this file

from fuzz_campaign import CLASSES, campaign  # noqa: E402
from fuzz_worker import make_input, run_one, seeds  # noqa: E402,F401 - the tool's API


def table(rep: dict) -> str:
    rows = [f"{'mutator':<32}" + "".join(f"{c:>11}" for c in CLASSES)]
    for mut, c in rep["by_mutator"].items():
        rows.append(f"{mut:<32}" + "".join(f"{c.get(k, 0):>11}" for k in CLASSES))
    rows.append(f"{'total':<32}" + "".join(f"{rep['counts'][k]:>11}" for k in CLASSES))
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--max-memory", default="256M", help="caffe2ss budget per run")
    ap.add_argument("--time-limit", type=float, default=2.0, help="CPU seconds per input")
    ap.add_argument("--mem-bound", type=float, default=512, help="MiB of peak RSS growth")
    ap.add_argument("--only", help="comma list of input indices to replay")
    ap.add_argument("--json", help="write the report here")
    ap.add_argument("--minutes", type=float,
                    help="stop sending inputs after this long; report those run")
    args = ap.parse_args(argv)
    only = [int(x) for x in args.only.split(",")] if args.only else None
    t0 = time.perf_counter()
    rep = campaign(args.n, args.seed, args.jobs, args.max_memory, args.time_limit,
                   args.mem_bound, only, progress=True,
                   stop_at=time.time() + 60 * args.minutes if args.minutes else None)
    rep["wall_s"] = round(time.perf_counter() - t0, 1)
    print(table(rep))
    print(f"{rep['n']} inputs, seed {rep['seed']}, {rep['wall_s']} s, max CPU per input "
          f"{rep['max_cpu_s']:.2f} s, max peak RSS growth {rep['max_peak_mib']:.0f} MiB")
    for b in rep["bad"]:
        print("  ", *b)
    if args.json:
        Path(args.json).write_text(json.dumps(rep, indent=2))
    return 1 if rep["bad"] else 0


if __name__ == "__main__":
    sys.exit(main())
