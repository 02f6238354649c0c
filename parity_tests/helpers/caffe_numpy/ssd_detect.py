"""SSD's PriorBox and DetectionOutput as the C++ loops (a test helper): weiliu89/caffe
``prior_box_layer.cpp`` Forward_cpu and ``detection_output_layer.cpp`` Forward_cpu with
``bbox_util.cpp``, one element at a time in float32 scalars (double where C++ promotes),
dicts for ``std::map``. Independent of the vectorised code in ``converter/layers``.

``keep_top_k`` is sorted with Python's stable sort: equal to ``std::sort`` only when no
two scores tie (ties are checked against real Caffe and g++ elsewhere).
"""
from __future__ import annotations

import math

import numpy as np

F = np.float32


def prior_box(p, layer_h, layer_w, img_h_in, img_w_in):
    """The PriorBox top (1, 2, H*W*num_priors*4) for params ``p`` (PriorBoxParams)."""
    img_w, img_h = (p.img_w, p.img_h) if p.img_h and p.img_w else (img_w_in, img_h_in)
    if p.step_h and p.step_w:
        step_w, step_h = F(p.step_w), F(p.step_h)
    else:
        step_w, step_h = F(F(img_w) / F(layer_w)), F(F(img_h) / F(layer_h))
    out = []

    def put(cx, cy, bw, bh):  # (center - box / 2.) / img: double, stored as float
        out.extend([F((float(cx) - float(bw) / 2.0) / img_w),
                    F((float(cy) - float(bh) / 2.0) / img_h),
                    F((float(cx) + float(bw) / 2.0) / img_w),
                    F((float(cy) + float(bh) / 2.0) / img_h)])

    for h in range(layer_h):
        for w in range(layer_w):
            cx = F(F(F(w) + F(p.offset)) * step_w)
            cy = F(F(F(h) + F(p.offset)) * step_h)
            for s, mn in enumerate(p.min_sizes):
                mn = int(mn)
                put(cx, cy, F(mn), F(mn))
                if p.max_sizes:
                    mx = int(p.max_sizes[s])
                    side = F(math.sqrt(mn * mx))
                    put(cx, cy, side, side)
                for ar in p.aspect_ratios:
                    if abs(float(F(ar)) - 1.0) < 1e-6:
                        continue
                    root = F(np.sqrt(F(ar)))
                    put(cx, cy, F(F(mn) * root), F(F(mn) / root))
    box = np.array(out, np.float32)
    if p.clip:
        box = np.array([min(max(v, F(0)), F(1)) for v in box], np.float32)
    var = [F(v) for v in p.variance]
    variances = np.array([var[0]] * box.size if len(var) == 1 else var * (box.size // 4),
                         np.float32)
    return np.stack([box, variances])[None]


def _size(b):
    if b[2] < b[0] or b[3] < b[1]:
        return F(0)
    return F(F(b[2] - b[0]) * F(b[3] - b[1]))


def _decode(prior, var, loc, code, in_target):
    if code == 1:  # CORNER
        if in_target:
            return [F(prior[i] + loc[i]) for i in range(4)]
        return [F(prior[i] + F(var[i] * loc[i])) for i in range(4)]
    pw, ph = F(prior[2] - prior[0]), F(prior[3] - prior[1])
    if code == 3:  # CORNER_SIZE
        size = [pw, ph, pw, ph]
        if in_target:
            return [F(prior[i] + F(loc[i] * size[i])) for i in range(4)]
        return [F(prior[i] + F(F(var[i] * loc[i]) * size[i])) for i in range(4)]
    pcx = F(float(F(prior[0] + prior[2])) / 2.0)
    pcy = F(float(F(prior[1] + prior[3])) / 2.0)
    if in_target:
        cx, cy = F(F(loc[0] * pw) + pcx), F(F(loc[1] * ph) + pcy)
        w = F(F(math.exp(float(loc[2]))) * pw)
        h = F(F(math.exp(float(loc[3]))) * ph)
    else:
        cx = F(F(F(var[0] * loc[0]) * pw) + pcx)
        cy = F(F(F(var[1] * loc[1]) * ph) + pcy)
        w = F(F(math.exp(float(F(var[2] * loc[2])))) * pw)
        h = F(F(math.exp(float(F(var[3] * loc[3])))) * ph)
    return [F(float(cx) - float(w) / 2.0), F(float(cy) - float(h) / 2.0),
            F(float(cx) + float(w) / 2.0), F(float(cy) + float(h) / 2.0)]


def _jaccard(a, b):
    if b[0] > a[2] or b[2] < a[0] or b[1] > a[3] or b[3] < a[1]:
        return F(0)
    iw = F(min(a[2], b[2]) - max(a[0], b[0]))
    ih = F(min(a[3], b[3]) - max(a[1], b[1]))
    if iw > 0 and ih > 0:
        inter = F(iw * ih)
        return F(inter / F(F(_size(a) + _size(b)) - inter))
    return F(0)


def _nms(boxes, scores, score_threshold, nms_threshold, eta, top_k):
    pairs = [(scores[i], i) for i in range(len(scores)) if scores[i] > score_threshold]
    pairs = sorted(pairs, key=lambda t: -t[0])  # std::stable_sort, descending
    if -1 < top_k < len(pairs):
        pairs = pairs[:top_k]
    kept, threshold = [], F(nms_threshold)
    for _, idx in pairs:
        keep = True
        for k in kept:
            if not keep:
                break
            keep = _jaccard(boxes[idx], boxes[k]) <= threshold
        if keep:
            kept.append(idx)
        if keep and eta < 1 and threshold > 0.5:
            threshold = F(threshold * F(eta))
    return kept


def detection_output(p, loc, conf, prior):
    """The DetectionOutput top for params ``p`` (DetectionOutputParams)."""
    num, n_prior = loc.shape[0], prior.shape[2] // 4
    nloc = 1 if p.share_location else p.num_classes
    flat = prior.reshape(-1)
    priors = [flat[4 * i:4 * i + 4] for i in range(n_prior)]
    variances = [flat[4 * (n_prior + i):4 * (n_prior + i) + 4] for i in range(n_prior)]
    rows = []
    for i in range(num):
        lo, co = loc[i].reshape(-1), conf[i].reshape(-1)
        decoded = {}
        for c in range(nloc):
            label = -1 if p.share_location else c
            if label == p.background_label_id:
                continue
            decoded[label] = [_decode(priors[j], variances[j],
                                      lo[(j * nloc + c) * 4:(j * nloc + c) * 4 + 4],
                                      p.code_type, p.variance_encoded_in_target)
                              for j in range(n_prior)]
        scores = {c: [co[j * p.num_classes + c] for j in range(n_prior)]
                  for c in range(p.num_classes)}
        indices, num_det = {}, 0
        for c in range(p.num_classes):
            if c == p.background_label_id:
                continue
            boxes = decoded[-1 if p.share_location else c]
            indices[c] = (_nms(boxes, scores[c], p.confidence_threshold, p.nms_threshold,
                               p.eta, p.top_k) if p.nms else list(range(n_prior)))
            num_det += len(indices[c])
        if -1 < p.keep_top_k < num_det:
            pairs = [(scores[c][j], c, j) for c in sorted(indices) for j in indices[c]]
            pairs = sorted(pairs, key=lambda t: -t[0])[:p.keep_top_k]
            indices = {}
            for _, c, j in pairs:
                indices.setdefault(c, []).append(j)
        for c in sorted(indices):
            boxes = decoded[-1 if p.share_location else c]
            for j in indices[c]:
                rows.append([i, c, scores[c][j]] + list(boxes[j]))
    if not rows:
        out = np.full((num, 7), -1, np.float32)
        out[:, 0] = np.arange(num)
        return out.reshape(1, 1, num, 7)
    return np.array(rows, np.float32).reshape(1, 1, -1, 7)
