"""Per-stage CPU time of the fuzz campaign's scale cases (``tools/fuzz_text.scale_case``).

Runs the steps of ``tools/fuzz_worker.run_one`` (load, infer_shapes, missing_weights,
torch run) on each scale case after a warm-up on a small fixture, and prints the CPU
seconds per stage and microseconds per unit (layer, top or field), then the CPU time
of ``run_one`` itself, which is what the campaign's 2 s bound measures (it includes
freeing the net). ``--sizes`` also runs the 100k in-place case at smaller sizes of the
same shape, so linearity shows as a flat us/unit column (ratios within this one run;
absolute figures vary with the machine's load). Each figure is the best of
``--repeat`` runs. ``--profile STAGE`` prints a cProfile of one stage of the first
case instead.

    OMP_NUM_THREADS=1 python tools/bench_scale_cases.py [--cases 0,1,2,3] [--sizes 20000]
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuzz_text import scale_case  # noqa: E402
from fuzz_worker import run_one, seeds  # noqa: E402

STAGES = ("load", "shapes", "missing", "torch")
UNITS = {0: 100_000, 1: 100_000, 2: 6_000, 3: 25_000}


def relu_chain(n: int) -> tuple[str, bytes]:
    """The 100k in-place case with ``n`` layers."""
    head = 'input: "data" input_dim: 1 input_dim: 4 input_dim: 2 input_dim: 2\n'
    body = "".join(f'layer {{ name: "r{i}" type: "ReLU" bottom: "data" top: "data" }}\n'
                   for i in range(n))
    return f"{n} in-place layers", (head + body).encode()


def stages(data: bytes, tmp: Path, profile: str | None = None) -> dict:
    """CPU seconds of each step of run_one on one input (prototxt or caffemodel)."""
    import numpy as np

    from caffe2ss.converter import load
    from caffe2ss.converter.backends import get_backend
    from caffe2ss.converter.reader.weights import missing_weights

    path = tmp / ("m.caffemodel" if data[:1] == b"\x1a" else "m.prototxt")
    path.write_bytes(data)
    out, net, shapes = {}, None, None

    def step(name, fn):
        prof = cProfile.Profile() if profile == name else None
        t = time.process_time()
        if prof:
            prof.enable()
        try:
            return fn()
        finally:
            if prof:
                prof.disable()
                pstats.Stats(prof).sort_stats("tottime").print_stats(25)
            out[name] = time.process_time() - t

    try:
        net = step("load", lambda: load(path))
        shapes = step("shapes", net.infer_shapes)
        if step("missing", lambda: missing_weights(net)):
            return out
        rng = np.random.default_rng(0)
        inputs = {k: rng.standard_normal(shapes[k]).astype(np.float32) for k in net.inputs}
        step("torch", lambda: get_backend("torch").run(net, inputs))
    except Exception as e:  # noqa: BLE001 - a refused case still reports its stages
        out["error"] = f"{type(e).__name__}: {str(e)[:80]}"
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="0,1,2,3")
    ap.add_argument("--sizes", default="", help="extra in-place chain lengths, e.g. 20000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", choices=STAGES)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    fix = seeds()[0]
    with tempfile.TemporaryDirectory() as d:
        run_one(fix[1], fix[2], Path(d))  # warm the imports
    cases = [(scale_case(int(k)), UNITS[int(k)]) for k in args.cases.split(",") if k]
    cases += [(relu_chain(int(n)), int(n)) for n in args.sizes.split(",") if n]
    print(f"{'case':<30}" + "".join(f"{s + ' us/u':>14}" for s in STAGES)
          + f"{'run_one s':>11}{'us/u':>8}")
    for (name, data), units in cases:
        best: dict = {}
        for _ in range(1 if args.profile else args.repeat):
            with tempfile.TemporaryDirectory() as d:
                st = stages(data, Path(d), args.profile)
                if args.profile:
                    return
                model, proto = (data, None) if data[:1] == b"\x1a" else (None, data)
                t = time.process_time()
                try:
                    run_one(model, proto, Path(d))
                except Exception:  # noqa: BLE001 - a refused case is timed too
                    pass
                st["run_one"] = time.process_time() - t
            for k, v in st.items():
                best[k] = v if k == "error" else min(best.get(k, v), v)
        row = f"{name:<30}" + "".join(f"{best[s] / units * 1e6:>14.2f}" if s in best
                                      else f"{'-':>14}" for s in STAGES)
        row += f"{best['run_one']:>11.3f}{best['run_one'] / units * 1e6:>8.2f}"
        print(row + (f"  {best['error']}" if "error" in best else ""), flush=True)


if __name__ == "__main__":
    main()
