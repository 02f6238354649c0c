"""CPU forward time of MobileNetV2-UNet and FC-DenseNet-121/169/201, torch vs Keras.

Batch 1, 224x224 and 512x512, 2 classes, eval mode; median of 3 timed runs after one
warm-up; Keras through a ``tf.function`` (graph) call. Prints seconds, the Keras/torch
ratio and the parameter counts. Run with ``OMP_NUM_THREADS=1 python tools/bench_unet_densenet.py``
(threads: torch.set_num_threads and TF's intra/inter op threads follow --threads).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def median_time(fn, x, reps=3) -> float:
    fn(x)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="*", default=["mobilenetv2_unet", "fc_densenet121",
                                                    "fc_densenet169", "fc_densenet201"])
    ap.add_argument("--sizes", nargs="*", type=int, default=[224, 512])
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    import tensorflow as tf
    import torch

    from caffe2ss.models.registry import get_model

    torch.set_num_threads(a.threads)
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.threads)
    print(f"{'model':18s} {'size':>5s} {'torch s':>9s} {'keras s':>9s} {'keras/torch':>11s}"
          f" {'params':>12s}")
    for name in a.models:
        builder = get_model(name).builder
        t = builder("torch")(num_classes=2).eval()
        n = (sum(p.numel() for p in t.parameters())
             + sum(b.numel() for k, b in t.named_buffers() if "running" in k))
        for s in a.sizes:
            x = np.random.default_rng(0).standard_normal((1, 3, s, s)).astype(np.float32)
            with torch.no_grad():
                tt = median_time(lambda v: t(torch.from_numpy(v)), x)
            k = builder("tf")(num_classes=2, input_size=(s, s))
            f = tf.function(lambda v: k(v, training=False))
            kt = median_time(lambda v: f(v).numpy(), x.transpose(0, 2, 3, 1))
            print(f"{name:18s} {s:5d} {tt:9.3f} {kt:9.3f} {kt / tt:11.2f} {n:12,d}",
                  flush=True)


if __name__ == "__main__":
    main()
