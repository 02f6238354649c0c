"""SSD's ``DetectionOutput`` (weiliu89/caffe ``detection_output_layer.cpp``): decode the
location predictions against the priors, per-class NMS, ``keep_top_k`` across classes;
top ``(1, 1, N, 7)`` rows ``[image_id, label, score, xmin, ymin, xmax, ymax]``.

The row count depends on the data, so the spec's shape is Caffe's Reshape placeholder
``(1, 1, 1, 7)``; :func:`detection_output` is the one implementation, run on numpy by
every backend (torch and TF call it inside the rebuild; ONNX applies it to the graph's
outputs as a post-processing step, caffe-semantics.md 8.2).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CaffeError
from ..stdsort import std_sort
from .bbox_util import bbox_size, decode, nms_fast
from .registry import LayerContext, Msg, count, register

FLT_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class DetectionOutputParams:
    num_classes: int
    share_location: bool
    background_label_id: int
    #: False only in the inisis build without ``nms_param``: every prior is kept
    nms: bool
    nms_threshold: float
    top_k: int
    eta: float
    code_type: int
    variance_encoded_in_target: bool
    keep_top_k: int
    confidence_threshold: float


@register("DetectionOutput", family="detection", param_field="detection_output_param",
          bottoms=(3, 4), in_place=False, data_dependent_axis=2)
class DetectionOutput:
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> DetectionOutputParams:
        if not p.has("num_classes"):
            raise p.error("num_classes must be given", "num_classes")
        nms = p.sub("nms_param")
        f32 = lambda v: float(np.float32(v))  # noqa: E731 - Caffe keeps these as float
        params = DetectionOutputParams(
            num_classes=int(p.get("num_classes", 0)),
            share_location=bool(p.get("share_location", True)),        # default: true
            background_label_id=int(p.get("background_label_id", 0)),  # default: 0
            # weiliu89 always runs NMS (nms_param's defaults when absent); the inisis
            # build only when nms_param is given
            nms=ctx.fork != "inisis" or p.has("nms_param"),
            nms_threshold=f32(nms.get("nms_threshold", 0.3)),          # default: 0.3
            top_k=int(nms.get("top_k", -1)),                           # default: none (-1)
            eta=f32(nms.get("eta", 1.0)),                              # default: 1.0
            code_type=int(p.get("code_type", 1)),                      # default: CORNER
            variance_encoded_in_target=bool(p.get("variance_encoded_in_target", False)),
            keep_top_k=int(p.get("keep_top_k", -1)),                   # default: -1 (all)
            confidence_threshold=f32(p.get("confidence_threshold", -FLT_MAX)))  # none
        if params.num_classes < 1:
            raise p.error("num_classes must be positive", "num_classes")
        if params.nms and (params.nms_threshold < 0 or not 0 < params.eta <= 1):
            raise p.error("nms_threshold must be >= 0 and eta in (0, 1]", "nms_param")
        if params.share_location and params.background_label_id == -1:
            # DecodeBBoxesAll skips the shared label -1 as background, then the forward
            # finds no boxes for it: LOG(FATAL)
            raise p.error("with share_location, background_label_id -1 makes Caffe abort "
                          "(its shared boxes are label -1); use 0 or share_location: false",
                          "background_label_id")
        if params.code_type not in (1, 2, 3):
            raise p.error(f"unknown code_type {params.code_type}", "code_type")
        return params

    @staticmethod
    def infer(p: DetectionOutputParams, shapes, ctx):
        loc, conf, prior = (tuple(s) for s in shapes[:3])
        if max(len(loc), len(conf), len(prior)) > 4 or min(len(loc), len(conf)) < 2 \
                or len(prior) < 3:
            raise CaffeError(f"bottoms of shapes {loc}, {conf}, {prior}: loc and conf need "
                             "2 to 4 axes (N, ...), the priors 3 or 4 (1, 2, P*4)",
                             layer=ctx.name, field="bottom")
        priors = prior[2] // 4  # Caffe: bottom[2]->height() / 4
        loc_classes = 1 if p.share_location else p.num_classes
        if loc[0] != conf[0] or loc[1] != priors * loc_classes * 4 \
                or conf[1] != priors * p.num_classes or count(loc[1:]) != loc[1] \
                or count(conf[1:]) != conf[1] or count(prior) < priors * 8:
            raise CaffeError(f"loc {loc} and conf {conf} do not match {priors} priors of "
                             f"{p.num_classes} classes ({loc_classes} location classes)",
                             layer=ctx.name, field="bottom")
        return [(1, 1, 1, 7)]  # Caffe's Reshape; the forward sets (1, 1, rows, 7)


@np.errstate(over="ignore", invalid="ignore")  # inf/nan boxes follow Caffe's float math
def detection_output(p: DetectionOutputParams, loc, conf, prior, layer=None) -> np.ndarray:
    """The DetectionOutput top for numpy bottoms (loc, conf, prior), float32."""
    num = loc.shape[0]
    n_prior = prior.shape[2] // 4
    loc_classes = 1 if p.share_location else p.num_classes
    loc = np.asarray(loc, np.float32).reshape(num, n_prior, loc_classes, 4)
    conf = np.asarray(conf, np.float32).reshape(num, n_prior, p.num_classes)
    flat = np.asarray(prior, np.float32).reshape(-1)
    boxes = flat[:n_prior * 4].reshape(n_prior, 4)
    var = flat[n_prior * 4:n_prior * 8].reshape(n_prior, 4)
    rows = []
    for i in range(num):
        decoded = decode(boxes, var, loc[i].transpose(1, 0, 2), p.code_type,
                         p.variance_encoded_in_target, layer)  # (loc_classes, P, 4)
        sizes = bbox_size(decoded)
        kept = {}  # label -> indices, in Caffe's map order (ascending label)
        for c in range(p.num_classes):
            if c == p.background_label_id:
                continue
            lc = 0 if p.share_location else c
            if p.nms:
                kept[c] = nms_fast(decoded[lc], sizes[lc], conf[i, :, c],
                                   p.confidence_threshold, p.nms_threshold, p.eta, p.top_k)
            else:
                kept[c] = list(range(n_prior))
        total = sum(len(v) for v in kept.values())
        if -1 < p.keep_top_k < total:
            pairs = [(float(conf[i, j, c]), c, j) for c, js in kept.items() for j in js]
            std_sort(pairs, lambda a, b: a[0] > b[0])  # SortScorePairDescend, std::sort
            kept = {}
            for _, c, j in pairs[:p.keep_top_k]:
                kept.setdefault(c, []).append(j)
        for c in sorted(kept):
            box = decoded[0 if p.share_location else c]
            for j in kept[c]:
                rows.append((i, c, conf[i, j, c], *box[j]))
    if not rows:  # "Couldn't find any detections": one row of -1 per image, its id first
        out = np.full((num, 7), -1, np.float32)
        out[:, 0] = np.arange(num)
        return out.reshape(1, 1, num, 7)
    return np.asarray(rows, np.float32).reshape(1, 1, len(rows), 7)
