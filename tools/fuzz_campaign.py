"""The campaign loop of tools/fuzz.py: feed input indices to worker processes.

Workers (:func:`fuzz_worker.worker`) are spawned, restarted after a crash or a hang
(no answer in 10x the time limit + 30 s), and their answers are collected into a
report: counts per outcome class, per mutator, and the non-ok inputs to replay.
"""
from __future__ import annotations

import multiprocessing as mp
import sys
import time
from collections import Counter

from fuzz_worker import worker

CLASSES = ("ok", "CaffeError", "crash", "time", "memory")


def campaign(n: int, seed: int, jobs: int, budget: str, time_limit: float,
             mem_bound: float, only=None, progress=False, stop_at=None) -> dict:
    """Run inputs ``range(n)`` (or ``only``) of ``seed``; return the report dict.

    ``stop_at`` (a ``time.time()``): send no new input after it; the report then covers
    the inputs run so far (``n`` says how many), in index order from 0.
    """
    ctx = mp.get_context("spawn")
    todo = list(only) if only is not None else list(range(n))
    results, workers = [], []

    def start():
        a, b = ctx.Pipe()
        p = ctx.Process(target=worker, args=(b, seed, budget, time_limit), daemon=True)
        p.start()
        if not (a.poll(600) and a.recv() == "ready"):
            raise RuntimeError("a fuzz worker did not start within 600 s")
        return [p, a, None, 0.0]

    workers = [start() for _ in range(max(1, jobs))]
    pending = list(reversed(todo))
    while pending or any(w[2] is not None for w in workers):
        if stop_at is not None and time.time() > stop_at and pending:
            pending.clear()  # out of time: finish what is in flight, report
        for k, w in enumerate(workers):
            p, conn, cur, since = w
            if cur is None and pending:
                w[2], w[3] = pending.pop(), time.perf_counter()
                conn.send(w[2])
                continue
            if cur is None:
                continue
            if conn.poll(0.01):
                try:
                    i, label, cls, detail, cpu, wall, peak = conn.recv()
                except (EOFError, OSError):
                    i, label, cls, detail, cpu, wall, peak = cur, "?", "crash", \
                        f"worker died (exit {p.exitcode})", 0, 0, 0
                    p.join()
                    workers[k] = start()
                if cls in ("ok", "CaffeError") and peak > mem_bound:
                    cls, detail = "memory", f"peak +{peak:.0f} MiB"
                results.append((i, label, cls, detail, cpu, wall, peak))
                if workers[k] is w:
                    w[2] = None
                if progress and len(results) % 100 == 0:
                    print(f"  {len(results)}/{len(todo)}", file=sys.stderr, flush=True)
            elif not p.is_alive() or time.perf_counter() - since > 10 * time_limit + 30:
                label = "?"
                p.kill()
                p.join()
                cls = "crash" if p.exitcode not in (None, -9) else "time"
                results.append((cur, label, cls, f"no answer (exit {p.exitcode})", 0,
                                time.perf_counter() - since, 0))
                workers[k] = start()
    for p, conn, _, _ in workers:
        conn.send(None)
        p.join(5)
    counts = Counter(r[2] for r in results)
    by_mutator: dict = {}
    for r in results:
        mut = r[1].split(":", 1)[-1]
        by_mutator.setdefault(mut, Counter())[r[2]] += 1
    return {"n": len(results), "seed": seed, "counts": {c: counts.get(c, 0) for c in CLASSES},
            "by_mutator": {k: dict(v) for k, v in sorted(by_mutator.items())},
            "max_cpu_s": max((r[4] for r in results), default=0),
            "max_peak_mib": max((r[6] for r in results), default=0),
            "bad": [r[:4] for r in sorted(results) if r[2] not in ("ok", "CaffeError")]}
