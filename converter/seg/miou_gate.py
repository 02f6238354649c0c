"""mIoU parity with Caffe on a VOC split (``caffe2ss parity --voc-root``, the CI gate).

Caffe's side is its own argmax map per image (an ``.npz`` keyed by image id, as
``caffe_predictions.npz`` of the shipped trained model). Caffe's mIoU is computed from
those maps with the same protocol; a framework passes when its mIoU is within
:data:`~.metrics.MIOU_TOL_POINTS` points of Caffe's and its per-pixel argmax agrees with
Caffe's on at least :data:`~.metrics.MIN_ARGMAX_AGREEMENT` of the split's pixels.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import CaffeError
from ..npyfile import load_checked
from .evaluate import evaluate
from .metrics import MIN_ARGMAX_AGREEMENT, MIOU_TOL_POINTS, ConfusionMatrix, argmax_agreement
from .voc import read_label, voc_samples


def load_predictions(path) -> dict:
    """``{image id: (H, W) argmax}`` from an ``.npz`` keyed by image id."""
    what = "Caffe's predictions (an .npz of argmax maps keyed by image id)"
    z = load_checked(path, what)
    if not isinstance(z, dict):
        raise CaffeError(f"{what}: got one array, not an .npz", file=path)
    return z


def caffe_scores(predictions: dict, voc_root, split: str, n_classes: int, name=None) -> dict:
    """Scores of Caffe's own predictions against the split's labels (same protocol)."""
    cm = ConfusionMatrix(n_classes)
    for s in voc_samples(voc_root, split):
        if s.id not in predictions:
            raise CaffeError(f"no prediction for image '{s.id}' of split '{split}'", file=name)
        cm.update(predictions[s.id], read_label(s.label), name=name)
    return cm.scores()


def recorded_miou(predictions_path) -> float | None:
    """Caffe's mIoU recorded in a ``case.json`` next to the predictions, if any."""
    case = Path(predictions_path).with_name("case.json")
    try:
        return float(json.loads(case.read_text())["miou"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def miou_gate(model, voc_root, frameworks, *, split: str = "val", caffe_predictions=None,
              prototxt=None, fork=None, batch_size: int = 1, progress: bool = False) -> dict:
    """Evaluate MODEL in each framework and compare with Caffe; ``result["pass"]``."""
    if caffe_predictions is None:
        raise CaffeError("the mIoU gate needs --caffe-predictions P.npz (Caffe's argmax "
                         "map per image id) to compare with", field="caffe-predictions")
    ref = load_predictions(caffe_predictions)
    out = {"split": split, "tolerance": {"miou_points": MIOU_TOL_POINTS,
                                         "min_argmax_agreement": MIN_ARGMAX_AGREEMENT},
           "caffe_recorded_miou": recorded_miou(caffe_predictions), "frameworks": {}}
    for fw in frameworks:
        ours: dict = {}
        rep = evaluate(model, voc_root, split, framework=fw, prototxt=prototxt, fork=fork,
                       batch_size=batch_size, progress=progress,
                       on_prediction=lambda i, pred, _label: ours.__setitem__(i, pred))
        if "caffe_miou" not in out:
            out["caffe_miou"] = caffe_scores(ref, voc_root, split, rep["n_classes"],
                                             caffe_predictions)["miou"]
        equal, total = argmax_agreement(ours, ref, name=caffe_predictions)
        diff = abs(rep["miou"] - out["caffe_miou"]) * 100
        ok = diff <= MIOU_TOL_POINTS and equal / total >= MIN_ARGMAX_AGREEMENT
        out["frameworks"][fw] = {"miou": rep["miou"], "miou_diff_points": diff,
                                 "argmax_agreement": equal / total, "pixels": total,
                                 "images_per_s": rep["images_per_s"], "pass": ok}
        print(f"mIoU {fw:<6} {100 * rep['miou']:.4f}% vs Caffe {100 * out['caffe_miou']:.4f}%"
              f" (diff {diff:.4f} points), argmax agreement {100 * equal / total:.4f}%: "
              f"{'PASS' if ok else 'FAIL'}")
    out["pass"] = all(r["pass"] for r in out["frameworks"].values())
    return out
