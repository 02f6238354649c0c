"""Benchmark: converting a full-size FCN-8s to each framework, against each library's
floor (a benchmark, not a test).

Writes the ~538 MB FCN-8s-shaped caffemodel of ``tools/bench_parse.py`` (real voc-fcn8s
weight shapes, random values) into ``--out`` (default: a temporary directory, deleted
afterwards unless ``--keep``; never inside the repository), pairs it with the published
voc-fcn8s deploy.prototxt, and runs, each in its own subprocess (wall time with
interpreter start-up and imports; the child's peak RSS from ``os.wait4``):

* ``caffe2ss convert`` once per target;
* that target's **floor**: a process that imports the same library, reads the file's
  bytes and writes them with that library, nothing else:

  - torch: ``torch.save({"w": torch.frombuffer(buf, dtype=torch.uint8)}, out)``;
  - safetensors: ``safetensors.numpy.save_file({"w": np.frombuffer(buf, np.uint8)}, out)``;
  - tf: a ``tf.train.Checkpoint`` of one uint8 variable and an ``h5py`` dataset of the
    same bytes (``convert --to tf`` writes both files; ``tf+savedmodel`` has no floor
    of its own and is shown against this one);
  - onnx: ``onnx.save`` of a model whose only content is one raw uint8 initializer.

Runs are interleaved (floor, convert, floor, ...) ``--repeat`` times and the medians
printed side by side: ``time/floor`` (wall) and ``RSS/file`` per target, with the load
average, and the goals of issue 10 (torch: both <= 1.2; the others: both <= 1.5).
``cpu/floor`` (user + system seconds of the children) is shown too: on a loaded machine
it varies less than wall time.

    python tools/bench_convert.py [--out DIR] [--keep] [--repeat 3]
        [--targets torch,safetensors,tf,tf+savedmodel,onnx]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_parse import REPO  # noqa: E402  (no numpy here: keeps this process small)

DEPLOY = REPO / "parity_tests" / "data" / "nets" / "fcn.berkeleyvision.org__voc-fcn8s__deploy.prototxt"
TARGETS = {  # name -> (convert arguments, output name, floor)
    "torch": (["--to", "torch"], "fcn8s.pt", "torch"),
    "safetensors": (["--to", "torch", "--format", "safetensors"], "fcn8s.safetensors",
                    "safetensors"),
    "tf": (["--to", "tf"], "fcn8s_tf", "tf"),
    "tf+savedmodel": (["--to", "tf", "--saved-model"], "fcn8s_tf_sm", "tf"),
    "onnx": (["--to", "onnx", "--dynamic-hw"], "fcn8s.onnx", "onnx"),
}
#: issue 10's goals: (time / floor, peak RSS / file) at most
GOALS = {"torch": (1.2, 1.2), "safetensors": (1.5, 1.5), "tf": (1.5, 1.5), "onnx": (1.5, 1.5)}


def floor(kind: str, model: str, out: str) -> None:
    """Runs in the floor's child: import the library, read the bytes, write them."""
    buf = bytearray(os.path.getsize(model))
    if kind == "torch":
        import torch

        with open(model, "rb") as f:
            f.readinto(buf)
        torch.save({"w": torch.frombuffer(buf, dtype=torch.uint8)}, out)
    elif kind == "safetensors":
        import numpy as np
        from safetensors.numpy import save_file

        with open(model, "rb") as f:
            f.readinto(buf)
        save_file({"w": np.frombuffer(buf, np.uint8)}, out)
    elif kind == "tf":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import h5py
        import numpy as np
        import tensorflow as tf

        with open(model, "rb") as f:
            f.readinto(buf)
        arr = np.frombuffer(buf, np.uint8)
        tf.train.Checkpoint(w=tf.Variable(arr)).write(out)
        with h5py.File(out + ".weights.h5", "w") as h:
            h.create_dataset("w", data=arr)
    elif kind == "onnx":
        import onnx
        from onnx import TensorProto, helper

        with open(model, "rb") as f:
            f.readinto(buf)
        t = TensorProto(name="w", data_type=TensorProto.UINT8, dims=[len(buf)],
                        raw_data=bytes(buf))
        graph = helper.make_graph([], "floor", [], [helper.make_tensor_value_info(
            "w", TensorProto.UINT8, [len(buf)])], [t])
        onnx.save(helper.make_model(graph), out)
    else:
        raise SystemExit(f"unknown floor {kind}")


def _run(cmd: list) -> tuple[float, int, float]:
    """Run a child; return (wall seconds, its peak RSS in bytes, its CPU seconds).

    RSS and CPU from the child's ``os.wait4`` rusage (Linux starts ``ru_maxrss`` at this
    process's own high-water mark, ~15 MB: this process stays small).
    """
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read().decode()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{cmd} failed: {err}")
    return wall, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def _size(prefix: Path) -> int:
    """Bytes written for an output (a file, or every file sharing the prefix)."""
    paths = [p for p in prefix.parent.iterdir() if p.name.startswith(prefix.name)]
    return sum(f.stat().st_size for p in paths
               for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())


def _clear(prefix: Path) -> None:
    """Remove an earlier run's output (each run writes new files, as the first did)."""
    for p in prefix.parent.iterdir():
        if p.name.startswith(prefix.name):
            shutil.rmtree(p) if p.is_dir() else p.unlink()


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="work directory (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--repeat", type=int, default=3, help="runs of each (median shown)")
    ap.add_argument("--floor", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.floor:
        return floor(*args.floor)
    names = args.targets.split(",")
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        raise SystemExit(f"unknown target(s) {unknown}; choose from {', '.join(TARGETS)}")
    work = (args.out or Path(tempfile.mkdtemp(prefix="caffe2ss-bench-"))).resolve()
    if work == REPO or REPO in work.parents:
        raise SystemExit("refusing to write the 538 MB model inside the repository")
    work.mkdir(parents=True, exist_ok=True)
    model = work / "fcn8s_full.caffemodel"
    me = [sys.executable, str(Path(__file__).resolve())]
    try:
        if not model.exists():  # written by a child: this process stays small (see _run)
            _run([sys.executable, str(Path(__file__).with_name("bench_parse.py")),
                  "--child", "write", str(model)])
        size = model.stat().st_size
        print(f"model: {size / 1e6:.0f} MB ({model}); load average before: {_load()}")
        print(f"{'target':<14} {'convert s':>9} {'floor s':>8} {'time/floor':>10} "
              f"{'cpu/floor':>9} {'RSS MB':>7} {'floor RSS':>9} {'RSS/file':>8} "
              f"{'written MB':>10}  goal (time/floor, RSS/file)")
        floors: dict = {}
        for name in names:
            extra, out, kind = TARGETS[name]
            conv, runs = work / out, []
            for _ in range(args.repeat):
                if kind not in floors or len(floors[kind]) < args.repeat:
                    _clear(work / f"floor_{kind}")
                    floors.setdefault(kind, []).append(
                        _run(me + ["--floor", kind, str(model), str(work / f"floor_{kind}")]))
                _clear(conv)
                runs.append(_run([sys.executable, "-m", "caffe2ss.converter.cli", "convert",
                                  str(model), "--prototxt", str(DEPLOY), "-o", str(conv),
                                  *extra]))
            t, rss, cpu = (statistics.median(v) for v in zip(*runs))
            ft, frss, fcpu = (statistics.median(v) for v in zip(*floors[kind]))
            goal = GOALS.get(name)
            verdict = "" if goal is None else \
                f"<= {goal[0]}x / {goal[1]}x: " + \
                ("PASS" if t / ft <= goal[0] and rss / size <= goal[1] else "FAIL")
            print(f"{name:<14} {t:>9.2f} {ft:>8.2f} {t / ft:>10.2f} {cpu / fcpu:>9.2f} "
                  f"{rss / 1e6:>7.0f} {frss / size:>9.2f} {rss / size:>8.2f} "
                  f"{_size(conv) / 1e6:>10.0f}  {verdict}", flush=True)
            _clear(conv)
        print(f"(medians of {args.repeat} interleaved runs; cpu: the child's user+system "
              f"seconds; floor RSS as a multiple of the file; load average after: "
              f"{_load()} on {os.cpu_count()} cores)")
    finally:
        if not args.keep and args.out is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
