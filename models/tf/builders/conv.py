"""Convolution and Deconvolution -> TF kernels (HWIO / conv2d_transpose layout)."""
from __future__ import annotations

from ..caffe_layers import Conv
from .registry import TFLayer, blobs, register


def _conv(layer, shapes, deconv: bool) -> TFLayer:
    p = layer.params
    b = blobs(layer)
    weights = {}
    if b:
        # conv (O, C/g, kh, kw) -> HWIO (kh, kw, C/g, O); deconv (C, O/g, kh, kw) ->
        # (kh, kw, O/g, C), conv2d_transpose's (H, W, out, in): the same transpose
        weights["kernel"] = b[0].transpose(2, 3, 1, 0)
        if p.bias_term:
            weights["bias"] = b[1].reshape(-1)

    def make(w, name):
        return Conv(name, shapes[0][1], p, deconv=deconv, weights=w)

    return TFLayer(make, weights)


@register("Convolution")
def convolution(layer, shapes) -> TFLayer:
    """Caffe Convolution (pad, stride, dilation, group, depthwise)."""
    return _conv(layer, shapes, deconv=False)


@register("Deconvolution")
def deconvolution(layer, shapes) -> TFLayer:
    """Caffe Deconvolution (output ``s*(in-1) + K_eff - 2*pad``)."""
    return _conv(layer, shapes, deconv=True)
