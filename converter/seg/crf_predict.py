"""``--crf`` in ``eval`` and ``infer``: DeepLab's dense CRF on a model's logits.

The logits of any framework come back as numpy, are resized to the image like
:meth:`.predict.Model.predict` does (aligned-corner bilinear), and go through the torch
CRF (:func:`caffe2ss.models.torch.crf.dense_crf`: on CUDA when available, else its C
kernel on CPU, else the PyTorch lattice) with the RGB image; the mask is the argmax of Q. Parameters: the net's own DenseCRF layer when it has
one (``Net.crf``), else DeepLab-LargeFOV's; ``--crf-params`` keys override either.
"""
from __future__ import annotations

import numpy as np

from ..backends import get_backend
from .crf_params import CRFParams, parse_crf_params
from .prepost import resize_bilinear


def resolve_crf(model, text: str | None) -> CRFParams:
    """The CRF parameters for ``model`` (a :class:`.predict.Model`): net's, then flags."""
    base = getattr(model.net, "crf", None) or CRFParams()
    return parse_crf_params(text, base)


def predict_with_crf(model, images: list, params: CRFParams):
    """(plain argmax maps, CRF argmax maps) at the images' own (equal) size."""
    h, w = images[0].shape[:2]
    y = model.logits(images)
    if y.shape[2:] != (h, w):  # e.g. DeepLab's stride-8 scores without an Interp
        y = resize_bilinear(y, h, w)
    q = run_crf(y, images, params)
    dtype = np.uint8 if y.shape[1] <= 256 else np.int32
    return (list(np.argmax(y, axis=1).astype(dtype)),
            list(np.argmax(q, axis=1).astype(dtype)))


def run_crf(logits: np.ndarray, images: list, params: CRFParams) -> np.ndarray:
    """Q (N, C, H, W) of the dense CRF for numpy logits and RGB uint8 images (the torch
    backend runs it, whatever framework made the logits)."""
    return get_backend("torch").dense_crf(logits, images, params)


def crf_section(cm, names: list, params: CRFParams, seconds: float) -> dict:
    """The ``crf`` part of the eval report (same keys as the plain scores)."""
    sc = cm.scores()
    return {"params": params.as_dict(), "source": params.source, "miou": sc["miou"],
            "pixel_acc": sc["pixel_acc"], "mean_acc": sc["mean_acc"],
            "per_class_iou": {names[k]: v for k, v in sc["per_class_iou"].items()},
            "per_class_acc": {names[k]: v for k, v in sc["per_class_acc"].items()},
            "crf_seconds": seconds}


def format_crf(r: dict) -> str:
    """Scores without and with the CRF side by side, per class too."""
    c = r["crf"]
    lines = [f"with DenseCRF ({','.join(f'{k}={v:g}' for k, v in c['params'].items())}; "
             f"from {c['source']}): mIoU {100 * r['miou']:.2f}% -> {100 * c['miou']:.2f}% "
             f"({100 * (c['miou'] - r['miou']):+.2f})  pixel acc {100 * r['pixel_acc']:.2f}%"
             f" -> {100 * c['pixel_acc']:.2f}%  ({c['crf_seconds']:.1f} s in the CRF)",
             f"  {'class':<14} {'IoU %':>7} {'+CRF %':>7}"]
    for name, v in r["per_class_iou"].items():
        cv = c["per_class_iou"].get(name)
        if v is None and cv is None:
            continue
        fmt = lambda x: "      -" if x is None else f"{100 * x:7.2f}"  # noqa: E731
        lines.append(f"  {name:<14} {fmt(v)} {fmt(cv)}")
    return "\n".join(lines)
