"""BatchNorm, Scale, Bias and LRN -> TF."""
from __future__ import annotations

from .. import ops_nonspatial
from ..caffe_layers import Affine, BatchNorm
from ..layout import param_layout
from ....converter.layers.norm import batchnorm_mean_var, param_axes
from .registry import TFLayer, blobs, op, register


@register("BatchNorm")
def batch_norm(layer, shapes) -> TFLayer:
    """Caffe BatchNorm: stats stored divided by Caffe's scale factor (zero-factor guard)."""
    s = shapes[0]
    channels = s[1] if len(s) > 1 else 1
    b = blobs(layer, 3)
    weights = {}
    if b:
        mean, var = batchnorm_mean_var(b)  # sums / factor; factor 0 -> 0 (Caffe's guard)
        weights = {"moving_mean": mean.reshape(-1), "moving_variance": var.reshape(-1)}

    def make(w, name):
        return BatchNorm(name, channels, layer.params.eps, weights=w)

    return TFLayer(make, weights)


def _affine(layer, shapes, names, from_bottom) -> TFLayer:
    p = layer.params
    axis, pshape = param_axes(p, shapes[0], shapes[1] if p.two_bottoms else None)
    # stored in TF layout: the parameter's axes in the order our tensor holds them
    perm, axes = param_layout(len(shapes[0]), axis, len(pshape))
    tshape = tuple(pshape[i] for i in perm)
    b = blobs(layer)
    weights = {}
    if b:
        learned = [n for n in names if n != from_bottom]
        weights = {n: v.reshape(pshape).transpose(perm) for n, v in zip(learned, b)}

    def make(w, name):
        return Affine(name, tshape, axes, perm, names, from_bottom, weights=w)

    return TFLayer(make, weights)


@register("Scale")
def scale(layer, shapes) -> TFLayer:
    """Caffe Scale: ``x * gamma (+ beta)``; gamma is bottom[1] with two bottoms."""
    p = layer.params
    names = ("gamma", "beta") if p.bias_term else ("gamma",)
    return _affine(layer, shapes, names, "gamma" if p.two_bottoms else None)


@register("Bias")
def bias(layer, shapes) -> TFLayer:
    """Caffe Bias: ``x + bias`` (bias is bottom[1] with two bottoms)."""
    return _affine(layer, shapes, ("bias",), "bias" if layer.params.two_bottoms else None)


@register("LRN")
def lrn(layer, shapes) -> TFLayer:
    """Caffe LRN across or within channels (alpha is divided by the window size)."""
    p = layer.params
    return op(layer, lambda xs, training: ops_nonspatial.lrn(xs[0], p))
