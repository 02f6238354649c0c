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
import multiprocessing as mp
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ORACLE = REPO / "parity_tests" / "data" / "oracle"
CLASSES = ("ok", "CaffeError", "crash", "time", "memory")


def seeds() -> list[tuple[str, bytes, bytes | None]]:
    """(case, caffemodel bytes, prototxt bytes or None) of the small shipped fixtures."""
    out = []
    for d in sorted(ORACLE.iterdir()):
        w = d / "weights.caffemodel"
        if w.is_file() and w.stat().st_size < 400_000:
            p = d / "deploy.prototxt"
            out.append((d.name, w.read_bytes(), p.read_bytes() if p.is_file() else None))
    return out


def make_input(i: int, seed: int, fixtures):
    """The i-th input of the campaign: (label, caffemodel bytes|None, prototxt|None)."""
    import numpy as np

    import fuzz_mutate as m

    rng = np.random.default_rng([seed, i])
    if i % 500 == 499:  # scale cases, in rotation
        name, data = m.scale_case((i // 500) % 4)
        return (f"scale:{name}", data, None) if data[:1] == b"\x1a" else \
            (f"scale:{name}", None, data)
    case, model, proto = fixtures[int(rng.integers(0, len(fixtures)))]
    if proto is not None and rng.random() < 0.35:
        fn = m.TEXT[int(rng.integers(0, len(m.TEXT)))]
        return f"{case}:{fn.__name__}", model, fn(proto, rng)
    fn = m.BINARY[int(rng.integers(0, len(m.BINARY)))]
    return f"{case}:{fn.__name__}", fn(model, rng), proto


def _hwm_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _reset_hwm() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def run_one(model, proto, tmp: Path) -> str:
    """Reader, shape inference and a torch forward; returns 'ok' or raises."""
    import numpy as np

    from caffe2ss.converter import load
    from caffe2ss.converter.backends import get_backend
    from caffe2ss.converter.reader.weights import missing_weights

    paths = []
    for data, name in ((model, "m.caffemodel"), (proto, "m.prototxt")):
        if data is not None:
            (tmp / name).write_bytes(data)
            paths.append(tmp / name)
    net = load(paths[0], paths[1] if len(paths) > 1 else None)
    if any(s is None for s in net.inputs.values()):
        return "ok"
    shapes = net.infer_shapes()
    if missing_weights(net):  # a prototxt alone: reader and shapes were exercised
        return "ok"
    rng = np.random.default_rng(0)
    inputs = {k: rng.standard_normal(shapes[k]).astype(np.float32) for k in net.inputs}
    get_backend("torch").run(net, inputs)
    return "ok"


def worker(conn, seed: int, budget: str, time_limit: float) -> None:
    """Receive input indices, answer (index, class, detail, cpu s, wall s, peak MiB)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.path.insert(0, str(Path(__file__).parent))
    import torch

    torch.set_num_threads(1)
    from caffe2ss.converter.budget import set_max_memory
    from caffe2ss.converter.errors import CaffeError

    set_max_memory(budget)
    fixtures = seeds()
    with tempfile.TemporaryDirectory() as d:  # warm the imports on an unmutated fixture
        run_one(fixtures[0][1], fixtures[0][2], Path(d))
    base = _hwm_kb()
    conn.send("ready")  # the time limit starts only now (imports can be slow under load)
    while True:
        i = conn.recv()
        if i is None:
            return
        try:
            label, model, proto = make_input(i, seed, fixtures)
        except Exception as e:  # noqa: BLE001 - a harness bug shows up as a crash
            conn.send((i, "harness", "crash", f"mutator: {type(e).__name__}: {e}", 0, 0, 0))
            continue
        _reset_hwm()
        base = min(base, _hwm_kb())
        c0, w0 = time.process_time(), time.perf_counter()
        detail = ""
        with tempfile.TemporaryDirectory() as d:
            try:
                cls = run_one(model, proto, Path(d))
            except CaffeError as e:
                cls, detail = "CaffeError", str(e)[:160]
            except MemoryError as e:
                cls, detail = "memory", f"MemoryError {e}"[:160]
            except BaseException as e:  # noqa: BLE001 - every other outcome is a crash
                cls, detail = "crash", f"{type(e).__name__}: {e}"[:300]
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        peak = max(0, _hwm_kb() - base) / 1024
        if cls in ("ok", "CaffeError") and cpu > time_limit:
            cls, detail = "time", f"{cpu:.2f} s CPU ({label})"
        conn.send((i, label, cls, detail, cpu, wall, peak))


def campaign(n: int, seed: int, jobs: int, budget: str, time_limit: float,
             mem_bound: float, only=None, progress=False) -> dict:
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
    args = ap.parse_args(argv)
    only = [int(x) for x in args.only.split(",")] if args.only else None
    t0 = time.perf_counter()
    rep = campaign(args.n, args.seed, args.jobs, args.max_memory, args.time_limit,
                   args.mem_bound, only, progress=True)
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
