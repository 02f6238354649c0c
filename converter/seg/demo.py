"""``caffe2ss demo``: the whole job on the embedded FCN-8s trained in real Caffe.

For each framework: convert the shipped ``.caffemodel``, load the *converted output*
back, evaluate it on the shipped ``shapes-voc`` val split, compare its mIoU with Caffe's
recorded mIoU and its per-pixel argmax with Caffe's own predictions, and write colour
masks for a few images. Needs the ``examples/`` folder of a source checkout.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from ..errors import CaffeError
from .metrics import MIN_ARGMAX_AGREEMENT, MIOU_TOL_POINTS, argmax_agreement
from ..backends import get_backend
from ..reader.load import load
from .evaluate import evaluate
from .infer import infer
from .miou_gate import load_predictions
from .predict import open_model
from .voc import voc_samples

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"  # the repository's examples/
MODEL = EXAMPLES / "trained_fcn8s_shapes"
VOC_ROOT = EXAMPLES / "shapes-voc"
#: How many val images get masks (and overlays) written.
N_MASKS = 4
OUTPUT_NAMES = {"torch": "fcn8s_shapes.pt", "tf": "fcn8s_shapes", "onnx": "fcn8s_shapes.onnx"}
OPTIONS = {"torch": {}, "tf": {}, "onnx": {"dynamic_hw": True}}  # any image size


def run_demo(out_dir, frameworks=("torch", "tf", "onnx"), progress: bool = False,
             echo=print) -> dict:
    """Run the demo into ``out_dir``; returns ``{"pass", "caffe_miou", "frameworks"}``.

    A framework that is not installed is skipped with the pip command that installs it;
    the demo passes when every framework that ran matches Caffe.
    """
    for need in (MODEL / "weights.caffemodel", MODEL / "caffe_predictions.npz",
                 VOC_ROOT / "ImageSets/Segmentation/val.txt"):
        if not need.exists():
            raise CaffeError("the demo needs the examples/ folder of a caffe2ss source "
                             "checkout (git clone, then pip install -e .)", file=need)
    case = json.loads((MODEL / "case.json").read_text())
    caffe_ref = load_predictions(MODEL / "caffe_predictions.npz")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    net = load(MODEL / "weights.caffemodel", MODEL / "deploy.prototxt")
    shown = [s.image for s in voc_samples(VOC_ROOT, "val")[:N_MASKS]]
    t0 = time.monotonic()
    echo(f"caffe2ss demo: {MODEL.name} (FCN-8s trained in real Caffe), {VOC_ROOT.name} val")
    echo("  about 1 minute per framework on a 2-core machine (convert, evaluate 60 "
         "images, write masks); progress is shown on a terminal")
    echo(f"  the model is deliberately small and undertrained ({case.get('iters', '?')} "
         f"iterations; Caffe's own mIoU is {100 * case['miou']:.1f}%), so its masks are "
         "rough: the demo proves the conversion matches Caffe, not a good segmenter")
    n_params = sum(b.size for l in net.layers for b in l.blobs)
    (name, shape), = net.inputs.items()
    echo(f"  read: {net.format}, fork {net.fork}, {sum(not l.synthetic for l in net.layers)} "
         f"layers, {n_params / 1e6:.2f} M parameters, input '{name}' "
         f"{'x'.join(map(str, shape))} (NCHW, {net.preprocessing.channel_order} minus mean "
         f"{tuple(round(m, 3) for m in net.preprocessing.mean)}), output "
         f"'{net.outputs()[0]}' (`caffe2ss inspect` shows every layer)")
    result = {"caffe_miou": case["miou"], "frameworks": {}, "out": str(out_dir)}
    for fw in frameworks:
        try:
            backend = get_backend(fw)
            if not hasattr(backend, "convert"):
                raise CaffeError(f"the {fw} backend is incomplete in this checkout")
        except CaffeError as e:
            echo(f"  {fw}: skipped ({e})")
            result["frameworks"][fw] = {"skipped": str(e)}
            continue
        (out_dir / fw).mkdir(exist_ok=True)
        target = out_dir / fw / OUTPUT_NAMES[fw]
        echo(f"  {fw}: converting ... ({time.monotonic() - t0:.0f} s elapsed)")
        written = backend.convert(net, target, **OPTIONS[fw])
        echo(f"  {fw}: converted -> {', '.join(str(p) for p in written)}; evaluating "
             f"{len(voc_samples(VOC_ROOT, 'val'))} images")
        model = open_model(target, fw)
        ours: dict = {}
        rep = evaluate(model, VOC_ROOT, "val", progress=progress,
                       on_prediction=lambda i, pred, _label: ours.__setitem__(i, pred))
        equal, total = argmax_agreement(ours, caffe_ref)
        masks = infer(model, shown, out_dir / "masks" / fw, overlay=True, progress=progress)
        diff = abs(rep["miou"] - case["miou"]) * 100
        ok = diff <= MIOU_TOL_POINTS and equal / total >= MIN_ARGMAX_AGREEMENT
        result["frameworks"][fw] = {
            "miou": rep["miou"], "miou_diff_points": diff, "argmax_agreement": equal / total,
            "per_class_iou": rep["per_class_iou"], "converted": [str(p) for p in written],
            "masks": str(out_dir / "masks" / fw), "n_masks": len(masks), "pass": ok}
    ran = [r for r in result["frameworks"].values() if "pass" in r]
    result["pass"] = bool(ran) and all(r["pass"] for r in ran)
    result["seconds"] = time.monotonic() - t0
    echo(format_demo(result))
    return result


def format_demo(r: dict) -> str:
    """The demo's closing table: our mIoU next to Caffe's, per framework."""
    lines = ["", f"  {'framework':<10}{'mIoU':>9}{'Caffe':>9}{'diff (pts)':>12}"
             f"{'argmax = Caffe':>16}  result"]
    for fw, x in r["frameworks"].items():
        if "pass" not in x:
            lines.append(f"  {fw:<10}{'skipped: ' + x['skipped']}")
            continue
        lines.append(f"  {fw:<10}{100 * x['miou']:8.2f}%{100 * r['caffe_miou']:8.2f}%"
                     f"{x['miou_diff_points']:12.4f}{100 * x['argmax_agreement']:15.3f}%"
                     f"  {'PASS' if x['pass'] else 'FAIL'}")
    lines.append(f"  (pass: mIoU within {MIOU_TOL_POINTS} points of Caffe's and argmax "
                 f"agreement >= {100 * MIN_ARGMAX_AGREEMENT:g}%)")
    lines.append("  PASS proves that the converted file, loaded back in that framework, "
                 "labels the val pixels as real Caffe did (same mIoU, same argmax); it says "
                 "nothing about how good the model is")
    first = next((x for x in r["frameworks"].values() if "per_class_iou" in x), None)
    if first:
        lines.append("  per-class IoU (first framework; names from the data set's "
                     "class_names.txt): " + ", ".join(
                         f"{c} {100 * v:.1f}%" for c, v in first["per_class_iou"].items()
                         if v is not None))
    lines.append("  speed: see tools/bench_eval.py (the demo's timings include first-call "
                 "warm-up and depend on the threads available)")
    for fw, x in r["frameworks"].items():
        if "masks" in x:
            lines.append(f"  {fw} masks: {x['masks']}/ ({x['n_masks']} files)")
    took = f" in {r['seconds']:.0f} s" if "seconds" in r else ""
    lines.append(f"demo: {'PASS' if r['pass'] else 'FAIL'}{took}")
    return "\n".join(lines)
