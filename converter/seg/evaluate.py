"""``caffe2ss eval``: VOC mIoU of a Caffe model or a converted output, in any framework.

The protocol is the standard one (see :mod:`.metrics`): one confusion matrix over the
whole split, label 255 ignored. Images keep their own size; logits smaller than the image
(DeepLab's stride 8 without an Interp) are resized bilinearly with aligned corners in
numpy before the argmax, identically for every framework.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from ..errors import CaffeError
from .crf_predict import crf_section, format_crf, predict_with_crf, resolve_crf
from .metrics import ConfusionMatrix
from .predict import Model, open_model
from .voc import VOC_CLASSES, image_size, voc_samples


def evaluate(model, voc_root, split: str = "val", framework: str | None = None,
             prototxt=None, batch_size: int = 1, progress: bool = False, fork=None,
             class_names=None, on_prediction=None, crf=None) -> dict:
    """Score MODEL on ``voc_root``'s ``split``; returns the JSON-ready report.

    ``model``: a ``.caffemodel`` (run by ``framework``'s backend, default torch), a
    converted output with its sidecar, or an opened :class:`~.predict.Model`.
    Images of equal size are batched ``batch_size`` at a time. ``on_prediction(id, pred,
    label)`` is called for every image. The report holds ``miou``, ``pixel_acc``,
    ``mean_acc`` (fractions in [0, 1]), ``per_class_iou`` {class name: IoU or None when
    the class is absent from ground truth and predictions}, ``n_images``, ``framework``
    and ``images_per_s`` (reading, preprocessing, forward and scoring included).
    ``crf``: None, or ``--crf-params`` text ("" for the defaults) to also score DeepLab's
    dense CRF on the same logits; the report then has a ``crf`` part (see
    :mod:`.crf_predict`).
    """
    if int(batch_size) < 1:
        raise CaffeError(f"batch size must be >= 1, got {batch_size}", field="batch-size")
    samples = voc_samples(voc_root, split)  # a broken data set fails before any work
    m = model if isinstance(model, Model) else open_model(model, framework, prototxt, fork)
    cm = cm_crf = None
    if crf is not None:
        crf_params, crf_seconds = resolve_crf(m, crf), 0.0
    bar = Progress(len(samples), f"eval {m.framework}", progress)
    start = time.perf_counter()
    try:
        for batch in _batches(samples, int(batch_size)):
            loaded = [s.load() for s in batch]
            if crf is None:
                preds = m.predict([img for img, _ in loaded])
            else:
                t = time.perf_counter()
                preds, crf_preds = predict_with_crf(m, [img for img, _ in loaded], crf_params)
                crf_seconds += time.perf_counter() - t
            for i, (s, (_, label), pred) in enumerate(zip(batch, loaded, preds)):
                if cm is None:
                    cm = ConfusionMatrix(m.n_classes)
                    cm_crf = ConfusionMatrix(m.n_classes) if crf is not None else None
                cm.update(pred, label, name=s.label)
                if cm_crf is not None:
                    cm_crf.update(crf_preds[i], label, name=s.label)
                if on_prediction is not None:
                    on_prediction(s.id, pred, label)
            bar.update(len(batch))
    finally:
        bar.close()  # an error message starts on a fresh line
    seconds = time.perf_counter() - start
    sc = cm.scores()
    names = _class_names(cm.n, class_names if class_names is not None
                         else dataset_class_names(voc_root))
    report = {
        "miou": sc["miou"], "pixel_acc": sc["pixel_acc"], "mean_acc": sc["mean_acc"],
        "per_class_iou": {names[k]: v for k, v in sc["per_class_iou"].items()},
        "per_class_acc": {names[k]: v for k, v in sc["per_class_acc"].items()},
        "n_images": len(samples), "n_pixels": sc["n_pixels"], "n_classes": cm.n,
        "framework": m.framework, "images_per_s": len(samples) / max(seconds, 1e-9),
        "seconds": seconds, "batch_size": int(batch_size), "split": split,
        "voc_root": str(voc_root), "model": m.source, "preprocessing": m.preprocessing,
        "class_names": names,
        "confusion_matrix": cm.counts.tolist(),  # [ground truth][prediction] pixel counts
    }
    if cm_crf is not None:
        report["crf"] = crf_section(cm_crf, names, crf_params, crf_seconds)
    return report


def _batches(samples, batch_size: int):
    """Runs of equal-size images (sizes read from headers), in split order per size."""
    if batch_size == 1:
        return [[s] for s in samples]
    groups: dict = {}
    for s in samples:
        groups.setdefault(image_size(s.image), []).append(s)
    return [g[i:i + batch_size] for g in groups.values() for i in range(0, len(g), batch_size)]


#: A data set's own class names: one per line, class id = line number (from 0).
CLASS_NAMES_FILE = "class_names.txt"


def read_class_names(path) -> list[str]:
    """One class name per line (blank lines and ``#`` comments skipped)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CaffeError(f"cannot read the class names ({e}); give a text file with one "
                         "name per line", file=path) from None
    names = [l.strip() for l in text.splitlines() if l.strip() and not l.startswith("#")]
    if not names:
        raise CaffeError("no class names in this file (one name per line)", file=path)
    return names


def dataset_class_names(voc_root):
    """``<voc_root>/class_names.txt`` when the data set ships one, else None."""
    f = Path(voc_root) / CLASS_NAMES_FILE
    return read_class_names(f) if f.is_file() else None


def _class_names(n: int, given=None) -> list[str]:
    if given is not None:
        if len(given) > n:
            raise CaffeError(f"{len(given)} class names given for a {n}-class head; give "
                             f"at most {n}", field="class-names")
        # a head wider than the data set (e.g. a 21-class head on 4 classes): the rest
        # keep their ids
        return [str(c) for c in given] + [f"class_{i}" for i in range(len(given), n)]
    return list(VOC_CLASSES) if n == len(VOC_CLASSES) else [str(i) for i in range(n)]


def format_report(r: dict) -> str:
    """The human-readable eval summary: scores, throughput and the per-class IoU table."""
    lines = [f"{Path(r['model']).name} on {r['split']} ({r['n_images']} images), "
             f"{r['framework']}: mIoU {100 * r['miou']:.2f}%  pixel acc "
             f"{100 * r['pixel_acc']:.2f}%  mean acc {100 * r['mean_acc']:.2f}%  "
             f"({r['images_per_s']:.1f} images/s)", f"  {'class':<14} {'IoU %':>7}"]
    absent = [c for c, v in r["per_class_iou"].items() if v is None]
    lines += [f"  {c:<14} {100 * v:7.2f}" for c, v in r["per_class_iou"].items()
              if v is not None]
    if absent:
        lines.append(f"  ({len(absent)} classes absent from labels and predictions, not "
                     "in the mean)")
    if "crf" in r:
        lines.append(format_crf(r))
    return "\n".join(lines)


class Progress:
    """A one-line progress bar on stderr (only when ``enabled``: the CLI decides)."""

    def __init__(self, total: int, label: str, enabled: bool):
        self.total, self.label, self.enabled = total, label, bool(enabled)
        self.done, self.start = 0, time.perf_counter()

    def update(self, n: int) -> None:
        if not self.enabled:
            return
        self.done += n
        filled = int(30 * self.done / max(self.total, 1))
        rate = self.done / max(time.perf_counter() - self.start, 1e-9)
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] "
                         f"{self.done}/{self.total} {rate:.1f} img/s")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()

