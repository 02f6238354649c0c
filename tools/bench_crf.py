"""DenseCRF speed: caffe2ss's CRF vs pydensecrf2, side by side in one process.

A 375x500 image (a shapes-voc val image upscaled: smooth regions, textured background,
plus noise), 21 classes, DeepLab-LargeFOV parameters, 10 mean-field iterations. Ours runs
on ``--threads`` threads (default 2) with the CPU path ``--kernel`` (default ``auto``: the
C kernel when it builds; ``torch``: the PyTorch lattice), pydensecrf2 single-threaded (it
has no threads); runs are interleaved and the median of ``--repeats`` is reported with
the ratio, label agreement and mean |dQ|. Then the GPU time if CUDA is available and the
throughput for a batch of ``--batch`` images (CPU, and GPU if available). Every timed run
builds both lattices (the smoothness-lattice cache that eval/infer use is cleared first).

    python tools/bench_crf.py --threads 2 --repeats 5 --batch 8
    python tools/bench_crf.py --threads 1 --kernel torch
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
IMAGE = ROOT / "examples/shapes-voc/JPEGImages/val_00600.jpg"


def test_image(h: int, w: int, seed: int = 0) -> np.ndarray:
    from PIL import Image

    im = np.asarray(Image.open(IMAGE).convert("RGB").resize((w, h), Image.BILINEAR))
    noise = np.random.default_rng(seed).normal(0, 6, im.shape)
    return np.clip(im + noise, 0, 255).astype(np.uint8)


def test_logits(image: np.ndarray, c: int, seed: int = 0) -> np.ndarray:
    """Noisy scores loosely tied to the image (so the CRF has something to do)."""
    rng = np.random.default_rng(seed)
    base = image.astype(np.float32).mean(-1) / 64.0
    x = rng.normal(0, 1.5, (c,) + image.shape[:2]).astype(np.float32)
    x[0] += base
    x[1] += 4 - base
    return x


def reference(logits, image, p):
    import pydensecrf.densecrf as dcrf

    c, h, w = logits.shape
    d = dcrf.DenseCRF2D(w, h, c)
    d.setUnaryEnergy(np.ascontiguousarray(-logits.reshape(c, -1)))
    d.addPairwiseGaussian(sxy=p.pos_xy_std, compat=p.pos_w, kernel=dcrf.DIAG_KERNEL,
                          normalization=dcrf.NORMALIZE_AFTER)
    d.addPairwiseBilateral(sxy=p.bi_xy_std, srgb=p.bi_rgb_std, rgbim=image, compat=p.bi_w,
                           kernel=dcrf.DIAG_KERNEL, normalization=dcrf.NORMALIZE_AFTER)
    return np.asarray(d.inference(p.iterations), np.float32).reshape(c, h, w)


def timed(fn, sync=None):
    t = time.perf_counter()
    out = fn()
    if sync:
        sync()
    return time.perf_counter() - t, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--height", type=int, default=375)
    ap.add_argument("--width", type=int, default=500)
    ap.add_argument("--classes", type=int, default=21)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--kernel", choices=("auto", "c", "torch"), default="auto",
                    help="CPU path of caffe2ss's CRF (default: auto, the C kernel if it builds)")
    args = ap.parse_args(argv)
    # Idle OpenMP threads sleep instead of spinning: on a loaded machine spinning threads
    # steal the cores the working ones need (2 threads ran ~3x slower than 1 without).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    from caffe2ss.models.torch import crf, crf_native
    from caffe2ss.models.torch.crf import CRFParams

    def dense_crf(logits, image, params):
        return crf.dense_crf(logits, image, params, kernel=args.kernel)

    torch.set_num_threads(args.threads)
    kind = crf_native.describe(args.kernel)
    p = CRFParams()  # LargeFOV: bi_w=4 bi_xy_std=121 bi_rgb_std=5 pos_w=3 pos_xy_std=3, 10 it
    image = test_image(args.height, args.width)
    logits = test_logits(image, args.classes)
    lt = torch.from_numpy(logits)[None]
    it = torch.from_numpy(image).permute(2, 0, 1)[None]
    print(f"DenseCRF {args.height}x{args.width}, {args.classes} classes, {p.text()}; "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"  caffe2ss CPU path: {kind}")
    try:
        import pydensecrf.densecrf  # noqa: F401
        have_ref = True
    except ImportError:
        have_ref = False
        print("pydensecrf2 not installed (pip install pydensecrf2==1.1): ours only")
    dense_crf(lt[..., :64, :64], it[..., :64, :64], p)  # warm-up
    ours_t, ref_t = [], []
    for _ in range(args.repeats):
        crf._POS_CACHE.clear()  # build both lattices, as pydensecrf2 does, every time
        t, q = timed(lambda: dense_crf(lt, it, p)[0].numpy())
        ours_t.append(t)
        if have_ref:
            t, qr = timed(lambda: reference(logits, image, p))
            ref_t.append(t)
    ours = statistics.median(ours_t)
    label = f"caffe2ss CPU, {args.threads} thread{'s' * (args.threads > 1)}:"
    print(f"  {label:36s}{ours:7.3f} s  (runs {', '.join(f'{t:.2f}' for t in ours_t)})")
    if have_ref:
        ref = statistics.median(ref_t)
        agree = float((q.argmax(0) == qr.argmax(0)).mean())
        print(f"  {'pydensecrf2, 1 thread:':36s}{ref:7.3f} s  (runs "
              f"{', '.join(f'{t:.2f}' for t in ref_t)})")
        print(f"  ratio pydensecrf2 / ours: {ref / ours:.2f}x   labels agree "
              f"{100 * agree:.3f}%   mean |dQ| {np.abs(q - qr).mean():.2e}")
    batch_l, batch_i = lt.repeat(args.batch, 1, 1, 1), it.repeat(args.batch, 1, 1, 1)
    crf._POS_CACHE.clear()
    t, _ = timed(lambda: dense_crf(batch_l, batch_i, p))
    how = ("images side by side, a thread each" if kind.startswith("C") and args.threads > 1
           else "image by image")
    print(f"  batch of {args.batch}, CPU ({how}, smoothness lattice shared): "
          f"{t:7.3f} s = {args.batch / t:.2f} images/s")
    print(f"  load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if torch.cuda.is_available():
        dev = torch.device("cuda")
        lg, ig = lt.to(dev), it.to(dev)
        dense_crf(lg, ig, p)
        t, _ = timed(lambda: dense_crf(lg, ig, p), torch.cuda.synchronize)
        print(f"  GPU ({torch.cuda.get_device_name()}): {t:7.4f} s per image")
        bl, bi = batch_l.to(dev), batch_i.to(dev)
        t, _ = timed(lambda: dense_crf(bl, bi, p), torch.cuda.synchronize)
        print(f"  batch of {args.batch}, GPU: {t:7.4f} s = {args.batch / t:.1f} images/s")
    else:
        print("  GPU: CUDA not available here")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
