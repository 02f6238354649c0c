"""InnerProduct -> a TF dense kernel ``(K, N)``."""
from __future__ import annotations

from ..caffe_layers import Dense
from ....converter.layers.registry import count
from .registry import TFLayer, blobs, register


@register("InnerProduct")
def inner_product(layer, shapes) -> TFLayer:
    """Caffe InnerProduct; the kernel rows follow the TF flatten order of the input."""
    p = layer.params
    s = shapes[0]
    axis = p.axis + len(s) if p.axis < 0 else p.axis
    k = count(s[axis:])
    b = blobs(layer)
    weights = {}
    if b:
        w = b[0].reshape(k, p.num_output) if p.transpose else b[0].reshape(p.num_output, k).T
        if len(s) == 4 and axis == 1:
            # Caffe flattens C,H,W; the NHWC tensor flattens H,W,C: reorder the rows
            c, h, wd = s[1:]
            w = w.reshape(c, h, wd, p.num_output).transpose(1, 2, 0, 3).reshape(k, -1)
        weights["kernel"] = w
        if p.bias_term:
            weights["bias"] = b[1].reshape(-1)

    def make(w, name):
        return Dense(name, k, p, weights=w)

    return TFLayer(make, weights)
