"""Benchmark: converting a full-size FCN-8s to each framework (a benchmark, not a test).

Writes the ~537 MB FCN-8s-shaped caffemodel of ``tools/bench_parse.py`` (real voc-fcn8s
weight shapes, random values) into ``--out`` (default: a temporary directory, deleted
afterwards unless ``--keep``), pairs it with the published voc-fcn8s deploy.prototxt,
and runs ``caffe2ss convert`` once per target in its own subprocess, printing wall time
(imports included), the child's peak RSS, and the size of what was written.

    python tools/bench_convert.py [--out DIR] [--keep] [--targets torch,safetensors,tf,onnx]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_parse import REPO, _run, write_model  # noqa: E402

DEPLOY = REPO / "parity_tests" / "data" / "nets" / "fcn.berkeleyvision.org__voc-fcn8s__deploy.prototxt"
TARGETS = {  # name -> (convert arguments, output name)
    "torch": (["--to", "torch"], "fcn8s.pt"),
    "safetensors": (["--to", "torch", "--format", "safetensors"], "fcn8s.safetensors"),
    "tf": (["--to", "tf"], "fcn8s_tf"),
    "tf+savedmodel": (["--to", "tf", "--saved-model"], "fcn8s_tf_sm"),
    "onnx": (["--to", "onnx", "--dynamic-hw"], "fcn8s.onnx"),
}


def _size(prefix: Path) -> int:
    """Bytes written for an output (a file, or every file sharing the prefix)."""
    paths = [p for p in prefix.parent.iterdir() if p.name.startswith(prefix.name)]
    return sum(f.stat().st_size for p in paths
               for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="work directory (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--targets", default=",".join(TARGETS))
    args = ap.parse_args(argv)
    work = args.out or Path(tempfile.mkdtemp(prefix="caffe2ss-bench-"))
    if REPO in work.resolve().parents:
        raise SystemExit("refusing to write the 537 MB model inside the repository")
    work.mkdir(parents=True, exist_ok=True)
    model = work / "fcn8s_full.caffemodel"
    try:
        n = write_model(model)
        size = model.stat().st_size
        print(f"model: {n / 1e6:.1f} M parameters, {size / 1e6:.0f} MB ({model})")
        print(f"{'target':<14} {'time (s)':>9} {'peak RSS (MB)':>14} {'RSS/file':>9} "
              f"{'written (MB)':>13}")
        for name in args.targets.split(","):
            extra, out = TARGETS[name]
            cmd = [sys.executable, "-m", "caffe2ss.converter.cli", "convert", str(model),
                   "--prototxt", str(DEPLOY), "-o", str(work / out), *extra]
            wall, rss, _ = _run(cmd)
            print(f"{name:<14} {wall:>9.2f} {rss / 1e6:>14.0f} {rss / size:>9.2f} "
                  f"{_size(work / out) / 1e6:>13.0f}", flush=True)
    finally:
        if not args.keep and args.out is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
