"""Forward time per engine on full-size nets with the same random weights and input.

Engines: real Caffe (when ``CAFFE_PYTHON`` points at a pycaffe build's ``python``
folder; its interpreter is ``CAFFE_PYTHON_EXE``, default the ``venv/bin/python`` of the
build, run in a subprocess), OpenCV dnn (when ``opencv-python-headless<5`` imports: the
``bench`` extra), and caffe2ss in torch, onnxruntime (the converted ``.onnx``: the
default static export, at the input's size) and TF (the Keras rebuild, built once).
Weights: ``tools/bench_nets.py`` (wire encoder).
Warm-up excluded; engines interleaved round by round; median of ``--repeat``; ratios
against OpenCV; max |diff| of each output against Caffe's (else OpenCV's),
relative: max|diff| / max(1, max|ref|).

    CAFFE_PYTHON=/work/caffe-oracle/src/python python tools/bench_forward.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_nets import BENCH_NETS, write_weights  # noqa: E402
from bench_engines import ENGINES  # noqa: E402


class CaffeEngine:
    """pycaffe in its own interpreter (tools/bench_caffe_worker.py), net loaded once."""

    def __init__(self, deploy, model, x, work):
        py = os.environ["CAFFE_PYTHON"]
        exe = os.environ.get("CAFFE_PYTHON_EXE") or str(Path(py).parents[1] / "venv/bin/python")
        if not Path(exe).exists():
            raise RuntimeError(f"no interpreter {exe}; set CAFFE_PYTHON_EXE")
        import numpy as np

        self.xpath = str(Path(work) / "input.npy")
        np.save(self.xpath, x)
        env = dict(os.environ, PYTHONPATH=py, GLOG_minloglevel="2")
        self.p = subprocess.Popen([exe, str(Path(__file__).parent / "bench_caffe_worker.py"),
                                   str(deploy), str(model), self.xpath], env=env,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.p.stdout.readline().strip() != "ready":
            raise RuntimeError("pycaffe worker failed to start")

    def __call__(self, keep=False):
        self.p.stdin.write("out\n" if keep else "run\n")
        self.p.stdin.flush()
        dt = float(self.p.stdout.readline())
        if keep:
            import numpy as np
            return dt, np.load(self.xpath + ".caffe.npy")
        return dt

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def _engines(deploy, model, x, work, only):
    out = {}
    if os.environ.get("CAFFE_PYTHON") and "caffe" in only:
        try:
            out["real Caffe"] = CaffeEngine(deploy, model, x, work)
        except Exception as e:  # noqa: BLE001 - report and go on
            print(f"real Caffe skipped: {e}")
    for name, make in ENGINES.items():
        key = name.lower().replace("caffe2ss ", "")  # "caffe" selects real Caffe only
        if not any(key.startswith(o) for o in only):
            continue
        try:
            out[name] = make(deploy, model, x, work)
        except ImportError as e:
            print(f"{name} skipped: {e}")
    return out


def bench(net_name, repeat, only, work):
    """{engine: (median seconds, max |diff| vs the reference)} for one net."""
    import numpy as np

    deploy, shape = BENCH_NETS[net_name]
    model = Path(work) / f"{net_name}.caffemodel"
    write_weights(deploy, model)
    x = np.random.default_rng(1).uniform(-100, 100, shape).astype(np.float32)
    engines = _engines(deploy, model, x, work, only)
    outs, times = {}, {k: [] for k in engines}
    for name, run in engines.items():  # warm-up, and the output for the diff column
        outs[name] = run(keep=True)[1]
    for _ in range(repeat):
        for name, run in engines.items():
            times[name].append(run(keep=False) if name == "real Caffe" else run())
    ref = outs.get("real Caffe", outs.get("OpenCV dnn"))
    for e in engines.values():
        getattr(e, "close", lambda: None)()
    return {k: (statistics.median(v),
                float(np.abs(outs[k] - ref).max() / max(1.0, np.abs(ref).max()))
             if ref is not None else float("nan"))
            for k, v in times.items()}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--nets", default=",".join(BENCH_NETS))
    ap.add_argument("--engines", default="caffe,opencv,torch,onnxruntime,tf")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    only = set(args.engines.split(","))
    with tempfile.TemporaryDirectory(prefix="caffe2ss-fwd-") as work:
        for net_name in args.nets.split(","):
            res = bench(net_name, args.repeat, only, work)
            load = os.getloadavg()
            cv = res.get("OpenCV dnn", (None,))[0]
            print(f"\n{net_name} {BENCH_NETS[net_name][1]}: median of {args.repeat}, "
                  f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, "
                  f"{os.cpu_count()} CPUs")
            print(f"{'engine':<31} {'time (s)':>9} {'vs OpenCV':>10} {'rel diff':>10}")
            for k, (t, d) in res.items():
                ratio = f"{t / cv:.2f}x" if cv else "-"
                print(f"{k:<31} {t:>9.3f} {ratio:>10} {d:>10.2e}", flush=True)


if __name__ == "__main__":
    main()
