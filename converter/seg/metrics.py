"""Semantic segmentation scores by the standard VOC protocol (numpy only).

ONE confusion matrix is accumulated over the whole split (never a mean of per-image
scores); ground-truth pixels labelled ``ignore_label`` (255, VOC's void) are skipped.
IoU of class c = TP / (TP + FP + FN), each counted over the split; the mean IoU runs over
the classes whose union (ground truth or prediction) is non-empty.
"""
from __future__ import annotations

import numpy as np

from ..errors import CaffeError

#: mIoU parity with Caffe: |ours - caffe| in percentage points must not exceed this.
MIOU_TOL_POINTS = 0.01
#: Per-pixel argmax agreement with Caffe's predictions required over a split.
MIN_ARGMAX_AGREEMENT = 0.999


class ConfusionMatrix:
    """``counts[gt, pred]`` pixel counts (int64) accumulated over a split."""

    def __init__(self, n_classes: int, ignore_label: int = 255):
        if n_classes < 1:
            raise CaffeError(f"n_classes must be >= 1, got {n_classes}")
        self.n = int(n_classes)
        self.ignore_label = ignore_label
        self.counts = np.zeros((self.n, self.n), np.int64)

    def update(self, pred, gt, name=None) -> None:
        """Add one image: ``pred`` and ``gt`` are ``(H, W)`` class-id arrays of equal shape."""
        pred, gt = np.asarray(pred), np.asarray(gt)
        if pred.shape != gt.shape:
            raise CaffeError(f"prediction shape {pred.shape} differs from the label's "
                             f"{gt.shape}", file=name)
        valid = gt != self.ignore_label  # void pixels count for nothing
        g = gt[valid].astype(np.int64)
        p = pred.astype(np.int64)
        if p.size and (p.min() < 0 or p.max() >= self.n):
            raise CaffeError(f"prediction has class {_outlier(p, self.n)} outside "
                             f"0..{self.n - 1}; the model head has {self.n} classes", file=name)
        if g.size and (g.min() < 0 or g.max() >= self.n):
            raise CaffeError(f"label has value {_outlier(g, self.n)}, outside 0..{self.n - 1} "
                             f"and not the ignore label {self.ignore_label}; labels must be "
                             "class ids of the model's head", file=name)
        self.counts += np.bincount(self.n * g + p[valid], minlength=self.n * self.n) \
            .reshape(self.n, self.n)

    def scores(self) -> dict:
        """``miou``, ``pixel_acc``, ``mean_acc``, ``per_class_iou`` and ``per_class_acc``.

        Per-class values are keyed by class index; a class absent from both ground truth
        and predictions has IoU ``None`` and is left out of the mean. A class predicted
        but absent from the ground truth has IoU 0 and counts. ``mean_acc`` (recall per
        class) runs over the classes present in the ground truth.
        """
        c = self.counts
        total = int(c.sum())
        if total == 0:
            raise CaffeError("no labelled pixels to score (every label pixel is void or "
                             "no image was evaluated)")
        tp = np.diag(c).astype(np.float64)
        gt_n = c.sum(axis=1).astype(np.float64)
        pred_n = c.sum(axis=0).astype(np.float64)
        union = gt_n + pred_n - tp
        iou = {k: (float(tp[k] / union[k]) if union[k] > 0 else None) for k in range(self.n)}
        acc = {k: (float(tp[k] / gt_n[k]) if gt_n[k] > 0 else None) for k in range(self.n)}
        present = union > 0
        return {
            "miou": float(np.mean(tp[present] / union[present])),
            "pixel_acc": float(tp.sum() / total),
            "mean_acc": float(np.mean(tp[gt_n > 0] / gt_n[gt_n > 0])),
            "per_class_iou": iou,
            "per_class_acc": acc,
            "n_pixels": total,
        }


def _outlier(a: np.ndarray, n: int) -> int:
    return int(a.max()) if a.max() >= n else int(a.min())


def argmax_agreement(ours: dict, reference, name=None) -> tuple[int, int]:
    """``(pixels equal, pixels compared)`` between two {image id: (H, W) argmax} maps.

    Every id of ``ours`` must be in ``reference`` with the same shape.
    """
    equal = total = 0
    for key, pred in ours.items():
        if key not in reference:
            raise CaffeError(f"reference predictions have no entry for image '{key}'",
                             file=name)
        ref = np.asarray(reference[key])
        if ref.shape != np.shape(pred):
            raise CaffeError(f"reference prediction for '{key}' is {ref.shape}, ours "
                             f"{np.shape(pred)}", file=name)
        equal += int(np.count_nonzero(ref == pred))
        total += ref.size
    return equal, total
