"""Weight-shape checks that need no input shape.

``infer_shapes`` checks every weight blob against the shape Caffe would allocate, but
it needs the input shape. A conversion without one (a fully convolutional net with
no declared size) still must not accept a malformed blob, e.g. a BatchNorm whose
scale-factor blob is empty. Here the one input-dependent number a layer's weights
depend on (its channels, or K for InnerProduct) is read from the layer's first blob,
and every blob is then checked with the same rule as ``infer_shapes``.
"""
from __future__ import annotations

import numpy as np

from .layers import SPECS
from .shapes import check_blobs


def check_weights_without_input(net) -> None:
    """Raise CaffeError for a weight blob whose shape Caffe would refuse."""
    for layer in net.layers:
        if not layer.blobs:
            continue
        bottom = _bottom_from_weights(layer)
        if bottom is None:
            continue
        check_blobs(layer, SPECS[layer.type].param_shapes(layer.params, [bottom]))


def _strip(shape) -> tuple:
    shape = tuple(shape)
    while len(shape) > 1 and shape[0] == 1:
        shape = shape[1:]
    return shape


def _bottom_from_weights(layer):
    """A bottom shape consistent with the first blob (None: nothing to derive from)."""
    p, t, w = layer.params, layer.type, np.asarray(layer.blobs[0])
    if t == "Convolution" and w.ndim >= 2:
        return (1, w.shape[1] * p.group, 1, 1)
    if t == "Deconvolution" and w.ndim >= 1:
        return (1, w.shape[0], 1, 1)
    if t == "InnerProduct":
        s = _strip(w.shape)
        if len(s) != 2:
            return (1, 1)  # a wrong rank: the check below names it
        k = s[0] if p.transpose else s[1]
        return (k,) + (1,) * (-p.axis - 1) if p.axis < 0 else (1,) * p.axis + (k,)
    if t in ("BatchNorm", "PReLU"):
        return (1, max(w.size, 1), 1, 1)
    if t in ("Scale", "Bias") and not p.two_bottoms and p.axis >= 0:
        if p.num_axes >= 0:  # the last num_axes dims (legacy blobs pad with 1s)
            s = ((1,) * p.num_axes + tuple(w.shape))[-p.num_axes:] if p.num_axes else ()
        else:
            s = _strip(w.shape) if w.ndim else ()
        return (1,) * p.axis + s
    return None
