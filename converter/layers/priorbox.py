"""SSD's ``PriorBox`` (weiliu89/caffe ``prior_box_layer.cpp``): the default boxes of one
feature map, a constant computed from the shapes of its two bottoms (feature map,
image), with Caffe's float arithmetic (caffe-semantics.md 8.1).

Every backend emits :func:`prior_boxes`' array as a constant.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CaffeError
from .registry import LayerContext, Msg, register

f32, f64 = np.float32, np.float64

#: weiliu89's ``clip`` default is false; the inisis build (shared/oracle) changed it to true.
CLIP_DEFAULT = {"inisis": True}


@dataclass(frozen=True)
class PriorBoxParams:
    """``aspect_ratios`` is Caffe's expanded list (1 first, each new ratio then its
    flip ``1/ar`` as float32); sizes are kept as given (Caffe truncates them to int);
    ``img_h``/``img_w``/``step_h``/``step_w`` 0 mean "from the bottoms"."""

    min_sizes: tuple
    max_sizes: tuple
    aspect_ratios: tuple
    clip: bool
    variance: tuple
    img_h: int
    img_w: int
    step_h: float
    step_w: float
    offset: float

    @property
    def num_priors(self) -> int:
        return len(self.aspect_ratios) * len(self.min_sizes) + len(self.max_sizes)


def _aspect_ratios(p: Msg, flip: bool) -> tuple:
    ars = [f32(1.0)]
    for ar in p.rep("aspect_ratio"):
        ar = f32(ar)
        if any(abs(f32(ar - a)) < 1e-6 for a in ars):  # fabs(ar - ar_j) < 1e-6: a duplicate
            continue
        ars.append(ar)
        if flip:
            ars.append(f32(1.0 / f64(ar)))  # 1./ar in double, stored as float
    return tuple(float(a) for a in ars)


def _pair(p: Msg, one: str, h: str, w: str, cast, what: str) -> tuple:
    """Caffe's rule: ``h``/``w`` (both positive, and not with ``one``), or ``one``, or 0."""
    if p.has(h) or p.has(w):
        if p.has(one):
            raise p.error(f"give either {one} or {h}/{w}, not both", one)
        vh, vw = cast(p.get(h, 0)), cast(p.get(w, 0))
        if vh <= 0 or vw <= 0:
            raise p.error(f"{h} and {w} must both be given and positive ({what})", h)
        return vh, vw
    v = cast(p.get(one, 0))  # default: none (0: from the bottoms)
    if p.has(one) and v <= 0:
        raise p.error(f"{one} must be positive", one)
    return v, v


@register("PriorBox", family="priorbox", param_field="prior_box_param", bottoms=(2, 2),
          in_place=False)
class PriorBox:
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> PriorBoxParams:
        mins = tuple(float(f32(v)) for v in p.rep("min_size"))   # required, no default
        maxs = tuple(float(f32(v)) for v in p.rep("max_size"))   # default: none
        if not mins or min(mins) <= 0:
            raise p.error("min_size must be given and positive", "min_size")
        if maxs and (len(maxs) != len(mins) or any(b <= a for a, b in zip(mins, maxs))):
            raise p.error("give one max_size per min_size, each greater than it", "max_size")
        var = tuple(float(f32(v)) for v in p.rep("variance")) or (float(f32(0.1)),)  # 0.1
        if len(var) not in (1, 4) or min(var) <= 0:
            raise p.error("variance takes 1 or 4 positive values", "variance")
        img_h, img_w = _pair(p, "img_size", "img_h", "img_w", int, "image size")
        step_h, step_w = _pair(p, "step", "step_h", "step_w", lambda v: float(f32(v)), "step")
        return PriorBoxParams(
            mins, maxs, _aspect_ratios(p, bool(p.get("flip", True))),   # default: true
            bool(p.get("clip", CLIP_DEFAULT.get(ctx.fork, False))),  # SSD: false; inisis: true
            var, img_h, img_w, step_h, step_w,
            float(f32(p.get("offset", 0.5))))                        # default: 0.5

    @staticmethod
    def infer(p: PriorBoxParams, shapes, ctx):
        for i, s in enumerate(shapes):
            if len(s) != 4:
                raise CaffeError(f"bottom {i} must be 4-D (N, C, H, W) but has shape "
                                 f"{tuple(s)}", layer=ctx.name, field="bottom")
        return [(1, 2, shapes[0][2] * shapes[0][3] * p.num_priors * 4)]  # any batch


def prior_boxes(p: PriorBoxParams, feature_hw, image_hw) -> np.ndarray:
    """The PriorBox top ``(1, 2, H*W*num_priors*4)``, float32: ``[xmin, ymin, xmax,
    ymax]`` per prior (position-major: row, column, min size, then the priors of that
    size), then the variances. Caffe's arithmetic: centres in float, corners in double
    rounded to float once, sizes truncated to int (``int min_size_ = min_sizes_[s]``)."""
    lh, lw = map(int, feature_hw)
    img_h, img_w = (p.img_h, p.img_w) if p.img_h and p.img_w else map(int, image_hw)
    if p.step_h and p.step_w:
        step_h, step_w = f32(p.step_h), f32(p.step_w)
    else:
        step_h, step_w = f32(img_h) / f32(lh), f32(img_w) / f32(lw)
    sizes = []  # (box_width, box_height) per prior, float32
    for s, mn in enumerate(p.min_sizes):
        mn = int(mn)
        sizes.append((f32(mn), f32(mn)))
        if p.max_sizes:
            side = f32(np.sqrt(f64(mn * int(p.max_sizes[s]))))  # sqrt(int) in double
            sizes.append((side, side))
        for ar in p.aspect_ratios:
            if abs(f64(f32(ar)) - 1.0) < 1e-6:
                continue
            root = np.sqrt(f32(ar))  # float sqrt, float products (see caffe-semantics 8.1)
            sizes.append((f32(f32(mn) * root), f32(f32(mn) / root)))
    bw = np.array([s[0] for s in sizes], f64) / 2.0
    bh = np.array([s[1] for s in sizes], f64) / 2.0
    cx = ((np.arange(lw, dtype=f32) + f32(p.offset)) * step_w).astype(f64)
    cy = ((np.arange(lh, dtype=f32) + f32(p.offset)) * step_h).astype(f64)
    cx, cy = cx[None, :, None], cy[:, None, None]
    box = np.stack(np.broadcast_arrays((cx - bw) / img_w, (cy - bh) / img_h,
                                       (cx + bw) / img_w, (cy + bh) / img_h), -1)
    box = box.astype(f32).reshape(-1)
    if p.clip:
        box = np.minimum(np.maximum(box, f32(0)), f32(1))
    var = np.broadcast_to(np.asarray(p.variance, f32), (box.size // len(p.variance),
                                                        len(p.variance))).reshape(-1)
    return np.stack([box, var])[None]
