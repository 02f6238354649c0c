"""BatchNorm (global stats, Caffe's scale factor), Scale, Bias and LRN."""
from __future__ import annotations

from .. import ops
from ..caffe_modules import BatchNorm, Scale
from ....converter.layers.norm import batchnorm_mean_var
from .registry import Fn, register, weights


@register("BatchNorm")
def batch_norm(layer):
    # mean/var = stored sums / scale factor, with Caffe's guard: factor 0 -> 0
    mean, var = batchnorm_mean_var(weights(layer, 3))
    return BatchNorm(mean.shape[0], layer.params.eps, mean, var)


@register("Scale")
def scale(layer):
    p = layer.params
    if p.two_bottoms:  # gamma is bottom[1]; the only blob is beta (if bias_term)
        beta = weights(layer, 1)[0] if p.bias_term else None
        shape = beta.shape if beta is not None else ()
        return Scale(p.axis, shape, gamma=False, beta=p.bias_term, bias=beta,
                     two_bottoms=True)
    w = weights(layer, 1 + p.bias_term)
    return Scale(p.axis, w[0].shape, beta=p.bias_term, weight=w[0],
                 bias=w[1] if p.bias_term else None)


@register("Bias")
def bias(layer):
    p = layer.params
    if p.two_bottoms:  # beta is bottom[1]: no blobs
        return Scale(p.axis, (), gamma=False, two_bottoms=True, is_bias=True)
    beta = weights(layer, 1)[0]
    return Scale(p.axis, beta.shape, gamma=False, beta=True, bias=beta, is_bias=True)


@register("LRN")
def lrn(layer):
    p = layer.params
    return Fn(lambda x: ops.lrn(x, p), "LRN")
