"""Eval throughput (images/s) per framework on a VOC split.

For each installed framework, the model is converted once into a temporary folder and
the *converted output* is evaluated (reading, preprocessing, forward, argmax and scoring
all counted), at each batch size; the ``.caffemodel`` evaluated on the fly is timed too.
The default is the embedded example (FCN-8s /8 channels, shapes-voc val, 60 x 128x96).
The columns are timed in interleaved rounds (``--repeat``, median images/s), so a load
change on a shared machine moves them together.

    python tools/bench_eval.py
    python tools/bench_eval.py --model fcn8s.caffemodel --prototxt deploy.prototxt \\
        --voc-root VOCdevkit/VOC2012 --frameworks torch,onnx --batch-sizes 1,4
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
OUT_NAMES = {"torch": "model.pt", "tf": "model", "onnx": "model.onnx"}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=EXAMPLES / "trained_fcn8s_shapes/weights.caffemodel")
    p.add_argument("--prototxt", default=EXAMPLES / "trained_fcn8s_shapes/deploy.prototxt")
    p.add_argument("--voc-root", default=EXAMPLES / "shapes-voc")
    p.add_argument("--split", default="val")
    p.add_argument("--frameworks", default="torch,tf,onnx")
    p.add_argument("--batch-sizes", default="1,8")
    p.add_argument("--repeat", type=int, default=3, help="interleaved rounds (median)")
    args = p.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from caffe2ss.converter import load
    from caffe2ss.converter.backends import get_backend
    from caffe2ss.converter.errors import CaffeError
    from caffe2ss.converter.seg.evaluate import evaluate

    batches = [int(b) for b in args.batch_sizes.split(",")]
    head = ["framework", "mIoU %", "caffemodel b1"] + [f"converted b{b}" for b in batches]
    rows, n_images = [], "?"
    for fw in [f.strip() for f in args.frameworks.split(",") if f.strip()]:
        try:
            backend = get_backend(fw)
            if not hasattr(backend, "convert"):
                raise CaffeError(f"the {fw} backend is incomplete in this checkout")
        except CaffeError as e:
            rows.append([fw, f"skipped: {e}"])
            continue
        net = load(args.model, args.prototxt)
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / OUT_NAMES[fw]
            backend.convert(net, target)
            ev = lambda m, b, **kw: evaluate(m, args.voc_root, args.split,  # noqa: E731
                                             framework=fw, batch_size=b, **kw)
            evaluate(target, args.voc_root, args.split, framework=fw)  # warm-up
            runs = [lambda: ev(args.model, 1, prototxt=args.prototxt)] + \
                [lambda b=b: ev(target, b) for b in batches]
            rounds = [[run() for run in runs] for _ in range(max(1, args.repeat))]
            direct = rounds[0][0]
            speed = [statistics.median(r[i]["images_per_s"] for r in rounds)
                     for i in range(len(runs))]
            spread = max(abs(r[i]["miou"] - direct["miou"]) for r in rounds
                         for i in range(len(runs)))
            if spread > 1e-4:  # the project's mIoU tolerance: 0.01 points
                print(f"warning: {fw} mIoU differs by {100 * spread:.4f} points between "
                      "batch sizes or runs")
        rows.append([fw, f"{100 * direct['miou']:.4f}"] + [f"{v:.1f}" for v in speed])
        n_images = direct["n_images"]
    print(f"eval throughput, images/s ({args.split}: {n_images} images; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs)")
    full = [r for r in rows + [head] if len(r) == len(head)]
    widths = [max(len(r[i]) for r in full) for i in range(len(head))]
    for r in [head] + rows:
        if len(r) == 2 and r[1].startswith("skipped"):
            print(f"{r[0]:<{widths[0]}}  {r[1]}")
            continue
        print("  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
                        for i, (c, w) in enumerate(zip(r, widths))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
