"""SSD's box arithmetic (weiliu89/caffe ``src/caffe/util/bbox_util.cpp``) in float32
numpy, vectorised, operation for operation: ``DecodeBBox``, ``BBoxSize``,
``JaccardOverlap`` (normalized boxes: no ``+1``) and ``ApplyNMSFast``
(caffe-semantics.md 8.2). Boxes are ``(..., 4)`` arrays ``[xmin, ymin, xmax, ymax]``.
"""
from __future__ import annotations

import numpy as np

from ..errors import CaffeError

f32, f64 = np.float32, np.float64

#: PriorBoxParameter.CodeType
CORNER, CENTER_SIZE, CORNER_SIZE = 1, 2, 3


def decode(prior: np.ndarray, var: np.ndarray, loc: np.ndarray, code_type: int,
           variance_in_target: bool, layer=None) -> np.ndarray:
    """``DecodeBBox`` over arrays: priors and variances ``(P, 4)``, ``loc`` ``(..., P, 4)``."""
    px0, py0, px1, py1 = (prior[:, i] for i in range(4))
    l0, l1, l2, l3 = (loc[..., i] for i in range(4))
    v = (lambda i: f32(1)) if variance_in_target else (lambda i: var[:, i])
    if code_type == CORNER:
        if variance_in_target:
            out = (px0 + l0, py0 + l1, px1 + l2, py1 + l3)
        else:
            out = (px0 + v(0) * l0, py0 + v(1) * l1, px1 + v(2) * l2, py1 + v(3) * l3)
        return np.stack(out, -1).astype(f32)
    pw, ph = px1 - px0, py1 - py0
    if not (np.all(pw > 0) and np.all(ph > 0)):  # CHECK_GT(prior_width, 0)
        raise CaffeError(f"a prior box has no positive width or height, which code_type "
                         f"{code_type} divides by", layer=layer, field="code_type")
    if code_type == CORNER_SIZE:
        if variance_in_target:
            out = (px0 + l0 * pw, py0 + l1 * ph, px1 + l2 * pw, py1 + l3 * ph)
        else:
            out = (px0 + v(0) * l0 * pw, py0 + v(1) * l1 * ph,
                   px1 + v(2) * l2 * pw, py1 + v(3) * l3 * ph)
        return np.stack(out, -1).astype(f32)
    if code_type != CENTER_SIZE:
        raise CaffeError(f"unknown code_type {code_type} (CORNER = 1, CENTER_SIZE = 2, "
                         "CORNER_SIZE = 3)", layer=layer, field="code_type")
    pcx, pcy = (px0 + px1) / f32(2), (py0 + py1) / f32(2)
    if variance_in_target:
        cx, cy = l0 * pw + pcx, l1 * ph + pcy
        w, h = _exp(l2) * pw, _exp(l3) * ph
    else:
        cx, cy = v(0) * l0 * pw + pcx, v(1) * l1 * ph + pcy
        w, h = _exp(v(2) * l2) * pw, _exp(v(3) * l3) * ph
    hw, hh = f64(w) / 2.0, f64(h) / 2.0  # `center - width / 2.`: double, stored as float
    out = (f64(cx) - hw, f64(cy) - hh, f64(cx) + hw, f64(cy) + hh)
    return np.stack(out, -1).astype(f32)


def _exp(x):
    """``exp`` of a float, rounded to float (glibc's expf is correctly rounded)."""
    return np.exp(np.asarray(x, f64)).astype(f32)


def bbox_size(b: np.ndarray) -> np.ndarray:
    """``BBoxSize`` (normalized): 0 for an inverted box, else width * height."""
    w, h = b[..., 2] - b[..., 0], b[..., 3] - b[..., 1]
    bad = (b[..., 2] < b[..., 0]) | (b[..., 3] < b[..., 1])
    return np.where(bad, f32(0), w * h).astype(f32)


def jaccard(box: np.ndarray, size, others: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``JaccardOverlap(box, others[k])`` for every k (normalized boxes), float32."""
    disjoint = ((others[:, 0] > box[2]) | (others[:, 2] < box[0]) |
                (others[:, 1] > box[3]) | (others[:, 3] < box[1]))
    iw = np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0])
    ih = np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1])
    hit = ~disjoint & (iw > 0) & (ih > 0)
    inter = iw * ih
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / ((size + sizes) - inter)
    return np.where(hit, iou, f32(0)).astype(f32)


def nms_fast(boxes: np.ndarray, sizes: np.ndarray, scores: np.ndarray,
             score_threshold, nms_threshold, eta, top_k: int) -> list[int]:
    """``ApplyNMSFast``: the indices kept, in the order kept.

    Candidates: scores strictly above the threshold, stable-sorted by descending score
    (``std::stable_sort``), cut to ``top_k``; a candidate is kept if its overlap with
    every kept box is ``<=`` the threshold, which shrinks by ``eta`` after each kept box
    while it is above 0.5.
    """
    cand = np.flatnonzero(scores > f32(score_threshold))
    cand = cand[np.argsort(-scores[cand], kind="stable")]
    if -1 < top_k < cand.size:
        cand = cand[:top_k]
    kept: list[int] = []
    threshold = f32(nms_threshold)
    eta = f32(eta)
    for idx in cand:
        idx = int(idx)
        if kept:
            k = np.asarray(kept)
            overlap = jaccard(boxes[idx], sizes[idx], boxes[k], sizes[k])
            if not np.all(overlap <= threshold):  # keep = overlap <= threshold (NaN: no)
                continue
        kept.append(idx)
        if eta < 1 and threshold > 0.5:
            threshold = f32(threshold * eta)
    return kept
