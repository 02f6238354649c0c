"""Training throughput (images/s) of ``caffe2ss train`` on CPU, torch and TF, 1 and 2
processes (torch: ``--nproc 2``, DDP over gloo; TF: MirroredStrategy over 2 logical CPU
devices), for FCN-8s and DeepLab-LargeFOV at 321x321 crops.

The default models are the thin nets the project ships (FCN-8s with every width / 8,
``examples/trained_fcn8s_shapes``; DeepLab-LargeFOV v2 with widths / 16, the oracle's
``deeplab_v2_largefov_interp_thin``): full-size VGG16 nets at 321x321 take tens of
seconds a step on a 2-core machine. Pass ``--fcn``/``--deeplab`` caffemodels for others.
Images/s is the run's own figure (global images per second of wall time between log
lines), averaged over the steps after the first (warm-up) step. Each run is a fresh
process (import and start-up excluded from the figure).

    python tools/bench_train.py                # all: 2 models x 2 frameworks x 1,2 procs
    python tools/bench_train.py --frameworks torch --procs 1 --steps 8
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FCN = ROOT / "examples/trained_fcn8s_shapes"
DEEPLAB = ROOT / "parity_tests/data/oracle/deeplab_v2_largefov_interp_thin/weights.caffemodel"


def run(model, init, prototxt, framework, procs, args, voc, out) -> float:
    cmd = [sys.executable, "-m", "caffe2ss.converter.cli", "train", model, "--voc-root",
           str(voc), "--init", str(init), "--framework", framework, "--steps",
           str(args.steps), "--batch-size", str(args.batch_size), "--crop", "321,321",
           "--scale-range", "1,1", "--val-split", "none", "--log-every", "1",
           "--workers", str(args.workers), "-o", str(out)]
    if prototxt:
        cmd += ["--prototxt", str(prototxt)]
    env = dict(os.environ, CI="1", TF_CPP_MIN_LOG_LEVEL="2")
    if framework == "torch" and procs > 1:
        cmd += ["--nproc", str(procs)]
    if framework == "tf":
        env["CAFFE2SS_TF_CPU_DEVICES"] = str(procs)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    rates = [json.loads(l)["images_per_s"] for l in (out / "metrics.jsonl").read_text()
             .splitlines() if "images_per_s" in l][1:]
    return sum(rates) / len(rates)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frameworks", default="torch,tf")
    p.add_argument("--procs", default="1,2")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=2, help="global batch (default 2)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--voc-root", default=ROOT / "parity_tests/data/shapes-voc-train")
    p.add_argument("--fcn", default=FCN / "weights.caffemodel")
    p.add_argument("--fcn-prototxt", default=FCN / "deploy.prototxt")
    p.add_argument("--deeplab", default=DEEPLAB)
    args = p.parse_args(argv)
    models = [("fcn8s", args.fcn, args.fcn_prototxt), ("deeplab_largefov", args.deeplab, None)]
    print(f"CPU cores: {os.cpu_count()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}"
          f", batch {args.batch_size}, crop 321x321, {args.steps} steps")
    print(f"{'model':<18}{'framework':<10}{'procs':>6}{'images/s':>10}{'vs 1 proc':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, init, proto in models:
            for fw in args.frameworks.split(","):
                base = None
                for n in (int(x) for x in args.procs.split(",")):
                    r = run(name, init, proto, fw, n, args, args.voc_root,
                            Path(tmp) / f"{name}-{fw}-{n}")
                    base = base or r
                    print(f"{name:<18}{fw:<10}{n:>6}{r:>10.2f}{r / base:>9.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
