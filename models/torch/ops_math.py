"""Caffe-exact PyTorch ops for the element-wise math and axis layers: Exp, Log, BNLL,
Threshold, Clip, Swish, ArgMax, Reduction, MVN, Tile, Embed (Caffe order, float32)."""
from __future__ import annotations

import torch

from ...converter.layers.reduce import mvn_groups


def exp(x, p):
    """``outer * exp(inner * x)`` (Caffe's exp_layer: scales skipped when 1)."""
    y = torch.exp(x * p.inner if p.inner != 1 else x)
    return y * p.outer if p.outer != 1 else y


def log(x, p):
    """``base_scale * log(shift + scale * x)`` in Caffe's order."""
    y = x * p.scale if p.scale != 1 else x
    y = y + p.shift if p.shift != 0 else y
    y = torch.log(y)
    return y * p.base_scale if p.base_scale != 1 else y


def bnll(x, p=None):
    """``x + log(1 + exp(-x))`` for ``x > 0``, else ``log(1 + exp(x))``."""
    return torch.where(x > 0, x + torch.log1p(torch.exp(-x)), torch.log1p(torch.exp(x)))


def threshold(x, p):
    """``1`` where ``x > p.threshold``, else ``0`` (NaN gives 0)."""
    return (x > p.threshold).to(x.dtype)


def clip(x, p):
    """Caffe: ``max(min, min(x, max))``."""
    return torch.clamp(x, p.min, p.max)


def swish(x, p):
    """``x * sigmoid(p.beta * x)``."""
    return x * torch.sigmoid(x * p.beta if p.beta != 1 else x)


def argmax(x, p):
    """Caffe ArgMax: top-k along ``axis`` (or over C*H*W per item), ties to the larger
    index; indices are written as float32, values next to them as Caffe lays them out."""
    shape = x.shape
    if p.axis is None:
        flat = x.reshape(shape[0], -1)
        idx, val = _topk_last(flat, p.top_k)
        y = torch.stack([idx, val], 1) if p.out_max_val else idx[:, None]
        out = [shape[0], 2 if p.out_max_val else 1, p.top_k] + [1] * (max(3, x.dim()) - 3)
        return y.reshape(out)
    a = p.axis % x.dim()
    idx, val = _topk_last(x.movedim(a, -1), p.top_k)
    return (val if p.out_max_val else idx).movedim(-1, a).contiguous()


def _topk_last(x, k: int):
    """Top-k on the last axis, sorted by (value, index) descending like std::greater."""
    n = x.shape[-1]
    rev = torch.flip(x, [-1])  # a stable descending sort of the reversed row puts the
    val, pos = torch.sort(rev, dim=-1, descending=True, stable=True)  # larger index first
    return (n - 1 - pos[..., :k]).to(x.dtype), val[..., :k]


def reduction(x, p):
    """Caffe Reduction over axes >= ``axis``: SUM, ASUM, SUMSQ, MEAN, times ``coeff``."""
    a = p.axis % x.dim()
    flat = x.reshape(tuple(x.shape[:a]) + (-1,))
    if p.op == "ASUM":
        flat = flat.abs()
    elif p.op == "SUMSQ":
        flat = flat * flat
    y = flat.sum(-1)
    coeff = p.coeff / flat.shape[-1] if p.op == "MEAN" else p.coeff
    return y * coeff if coeff != 1 else y


def mvn(x, p):
    """``(x - E x) / (sqrt(E (x - E x)^2) + eps)`` per item or per channel."""
    groups = mvn_groups(p, x.shape)
    flat = x.reshape(groups, -1)
    d = flat - flat.mean(-1, keepdim=True)
    if p.normalize_variance:
        d = d / ((d * d).mean(-1, keepdim=True).sqrt() + p.eps)
    return d.reshape(x.shape)


def tile(x, p):
    """Repeat the block of axes >= ``axis`` ``tiles`` times along ``axis``."""
    reps = [1] * x.dim()
    reps[p.axis % x.dim()] = p.tiles
    return x.repeat(*reps)
