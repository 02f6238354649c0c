"""InnerProduct (Caffe ``axis``; K flattened in C, H, W order)."""
from __future__ import annotations

from ..caffe_modules import InnerProduct
from .registry import register, weights


@register("InnerProduct")
def inner_product(layer):
    p = layer.params
    w = weights(layer, 1 + p.bias_term)
    k = w[0].shape[0] if p.transpose else w[0].shape[1]  # (K, N) when transpose
    return InnerProduct(k, p, w[0], w[1] if p.bias_term else None)
