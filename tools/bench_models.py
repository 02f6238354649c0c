"""CPU forward time of the registered model families, torch and Keras.

Full published widths, 2 classes (the seed's counts), batch 1,
eval/inference mode, median of ``--repeats`` runs after one warm-up, per input size.
Prints the parameter count, the times, and the Keras/torch ratio.

    python tools/bench_models.py
    python tools/bench_models.py --models fcn8,fastfcn8 --sizes 224,512 --repeats 3
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import time

FAMILIES = "fcn8,fastfcn8,fcn32s,fcn16s,fcn8s,fcn8s_atonce,deeplab_largefov"


def _median_time(fn, repeats: int) -> float:
    fn()  # warm-up (graph tracing, allocations)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench(name: str, sizes, repeats: int) -> list[str]:
    import numpy as np
    import torch

    from caffe2ss.models import create
    from caffe2ss.models.torch.fcn8 import count_params

    rows = []
    tm = create(name, "torch", num_classes=2).eval()
    n = count_params(tm)
    torch_t = {}
    for s in sizes:
        x = torch.from_numpy(np.random.default_rng(0).standard_normal((1, 3, s, s), np.float32))
        with torch.no_grad():
            torch_t[s] = _median_time(lambda: tm(x), repeats)
    del tm
    gc.collect()
    km = create(name, "tf", num_classes=2)
    for s in sizes:
        x = np.random.default_rng(0).standard_normal((1, s, s, 3), np.float32)
        k = _median_time(lambda: km(x, training=False), repeats)
        rows.append(f"{name:18s} {n:>12,d} {s:>4d}  torch {torch_t[s]:7.3f} s  "
                    f"keras {k:7.3f} s  keras/torch {k / torch_t[s]:5.2f}")
    del km
    gc.collect()
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default=FAMILIES)
    p.add_argument("--sizes", default="224,512")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sizes = [int(s) for s in args.sizes.split(",")]
    import torch

    print(f"torch threads {torch.get_num_threads()}, batch 1, median of {args.repeats}")
    for name in args.models.split(","):
        for row in bench(name.strip(), sizes, args.repeats):
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
