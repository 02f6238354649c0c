"""Scaling: time and peak memory of convert and forward as the model and input grow.

Model size: FCN-8s (voc-fcn8s deploy, random weights from ``tools/bench_nets.py``) with
every width (64..512, 4096) divided by 8, 4, 2, 1; convert to torch (``caffe2ss
convert``, its own process) and a torch forward at 500x500 (its own process, warm-up
excluded). Input size: forward of the ``--input-thin`` model at 250², 500², 1000².
Peak RSS is each child's own (VmHWM; the models are written by children too, so that
this process stays small); "extra" subtracts an import-only child's (its peak RSS, and
for convert time its wall time: interpreter start and imports). Prints the fitted
log-log exponents (time ~ size^k) with PASS/FAIL against :data:`LINEAR_MAX`: at most
linear (fixed costs such as imports and FCN's 100-pixel pad make the small sizes
relatively slow, so exponents below 1 are expected; above it, a cost grows faster
than the model or the input).

    python tools/bench_scaling.py [--thins 8,4,2,1] [--sizes 250,500,1000] [--input-thin 4]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_nets import BENCH_NETS  # noqa: E402
from bench_parse import _run, _vm_hwm  # noqa: E402

DEPLOY = BENCH_NETS["FCN-8s"][0]
#: an exponent at most this is "~linear" (1, plus room for the noise of a loaded machine)
LINEAR_MAX = 1.2


def thin_deploy(thin: int, out: Path) -> Path:
    """The FCN-8s deploy with every num_output but the 21 classes divided by ``thin``."""
    text = re.sub(r"num_output: (\d+)",
                  lambda m: f"num_output: {int(m[1]) if m[1] == '21' else int(m[1]) // thin}",
                  DEPLOY.read_text())
    out.write_text(text)
    return out


def child(mode, deploy, model, size) -> None:
    import time

    if mode == "write":  # here, not in the parent: its peak RSS would carry into children
        from bench_nets import write_weights

        print(json.dumps({"t": 0, "rss": 0, "params": write_weights(deploy, model)}))
        return
    if mode == "convert":  # the CLI as a user runs it (imports included in the wall time)
        from caffe2ss.converter.cli.main import main

        t0 = time.perf_counter()
        main(["convert", model, "--prototxt", deploy, "-o", size, "--to", "torch"])
        print(json.dumps({"t": time.perf_counter() - t0, "rss": _vm_hwm()}))
        return
    import numpy as np
    import torch

    t0 = time.perf_counter()
    if mode == "import":
        t0 = time.perf_counter()
    elif mode == "forward":
        from caffe2ss.converter import load
        from caffe2ss.models.torch.generic import CaffeNet

        m = CaffeNet(load(model, deploy), channels_last=True).eval()
        x = torch.from_numpy(np.zeros((1, 3, int(size), int(size)), np.float32))
        with torch.inference_mode():
            m({"data": x})  # warm-up
            t0 = time.perf_counter()
            m({"data": x})
    print(json.dumps({"t": time.perf_counter() - t0, "rss": _vm_hwm()}))


def _verdicts(what: str, fits: dict) -> None:
    """Print each fitted exponent with PASS/FAIL against LINEAR_MAX."""
    print(f"exponents vs {what} (PASS: <= {LINEAR_MAX}, ~linear or better):")
    for name, k in fits.items():
        verdict = "n/a (one size)" if k != k else "PASS" if k <= LINEAR_MAX else "FAIL"
        print(f"  {name:<22} {k:>5.2f}  {verdict}")


def _child(*args):
    """(wall seconds, the child's own timing, its exact peak RSS, its JSON)."""
    wall, _, out = _run([sys.executable, __file__, "--child", *map(str, args)])
    r = json.loads(out.strip().splitlines()[-1])
    return wall, r["t"], r["rss"], r


def _fit(xs, ys) -> float:
    if len(set(xs)) < 2:
        return float("nan")  # one size: no exponent
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-9)) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--thins", default="8,4,2,1")
    ap.add_argument("--sizes", default="250,500,1000")
    ap.add_argument("--input-thin", type=int, default=4)
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(*args.child)
    with tempfile.TemporaryDirectory(prefix="caffe2ss-scale-") as work:
        w = Path(work)
        base_s, _, base, _ = _child("import", "-", "-", 0)
        print(f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}; "
              f"import-only child {base_s:.2f} s, peak RSS {base / 1e6:.0f} MB")
        print(f"{'model':<6} {'params M':>9} {'file MB':>8} {'convert s':>10} "
              f"{'conv extra s':>13} {'conv extra MB':>14} {'fwd500 s':>9} {'fwd extra MB':>13}")
        rows = []
        for thin in [int(t) for t in args.thins.split(",")]:
            deploy = thin_deploy(thin, w / f"fcn8s_{thin}.prototxt")
            model = w / f"fcn8s_{thin}.caffemodel"
            n = _child("write", deploy, model, 0)[3]["params"]
            conv, _, crss, _ = _child("convert", deploy, model, w / f"fcn8s_{thin}.pt")
            _, fwd, frss, _ = _child("forward", deploy, model, 500)
            rows.append((n, model.stat().st_size, conv, crss - base, fwd, frss - base,
                         conv - base_s))
            print(f"/{thin:<5} {n / 1e6:>9.1f} {rows[-1][1] / 1e6:>8.0f} {conv:>10.2f} "
                  f"{conv - base_s:>13.2f} {(crss - base) / 1e6:>14.0f} {fwd:>9.2f} "
                  f"{(frss - base) / 1e6:>13.0f}", flush=True)
            (w / f"fcn8s_{thin}.pt").unlink(missing_ok=True)
            if thin != args.input_thin:
                model.unlink()
        ps = [r[0] for r in rows]
        _verdicts("parameters", {
            "convert time": _fit(ps, [r[2] for r in rows]),
            # (noise can make a small model's extra time negative: floored at 0.05 s)
            "convert extra time": _fit(ps, [max(r[6], 0.05) for r in rows]),
            "convert extra RSS": _fit(ps, [r[3] for r in rows]),
            "forward time": _fit(ps, [r[4] for r in rows]),
            "forward extra RSS": _fit(ps, [r[5] for r in rows])})
        deploy, model = w / f"fcn8s_{args.input_thin}.prototxt", w / f"fcn8s_{args.input_thin}.caffemodel"
        if not model.exists():
            _child("write", thin_deploy(args.input_thin, deploy), model, 0)
        print(f"\ninput size (FCN-8s /{args.input_thin}) {'forward s':>10} {'fwd extra MB':>13}")
        res = []
        for s in [int(v) for v in args.sizes.split(",")]:
            _, fwd, frss, _ = _child("forward", deploy, model, s)
            res.append((s * s, fwd, frss - base))
            print(f"{s}x{s:<27} {fwd:>10.2f} {(frss - base) / 1e6:>13.0f}", flush=True)
        px = [r[0] for r in res]
        _verdicts("pixels", {"forward time": _fit(px, [r[1] for r in res]),
                             "forward extra RSS": _fit(px, [r[2] for r in res])})


if __name__ == "__main__":
    main()
