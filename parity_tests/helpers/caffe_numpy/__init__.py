"""Caffe's layer formulas in plain numpy, written from docs/caffe-semantics.md (a test helper).

An independent reference for the backends' one-layer tests and any other check:
explicit windows and loops (pooling with hstart/hend, correlation per kernel tap,
deconvolution as a scatter, LRN and Interp by their formulas), in float64 unless
Caffe's formula is float32. Every function takes numpy arrays (NCHW) and the
converter's parameter dataclasses (``caffe2ss.converter.layers``); :func:`run_layer`
dispatches on an IR layer and :func:`run_net` runs a whole net::

    from helpers import caffe_numpy as cn
    y = cn.pool2d(x, layer.params)
    blobs = cn.run_net(net, {"data": x})
"""
from __future__ import annotations

import numpy as np

from .conv import conv2d, deconv2d  # noqa: F401
from .pool import pooled_size, pool2d  # noqa: F401
from .crop import crop  # noqa: F401
from .eltwise import eltwise  # noqa: F401
from .dense import inner_product  # noqa: F401
from .norm import batch_norm, scale, lrn  # noqa: F401
from .activation import relu, prelu, elu, power, sigmoid, tanh, absval, dropout  # noqa: F401
from .plumbing import concat, slice_, flatten, reshape  # noqa: F401
from .softmax import softmax  # noqa: F401
from .interp import interp_size, interp  # noqa: F401
from .common import FLT_MAX, _f  # noqa: F401


#: The layer types :func:`run_layer` implements (the issue-16 layers are checked by
#: their own transcriptions in helpers/caffe_numpy/unpool.py and test_layers_*.py).
TYPES = frozenset({"Convolution", "Deconvolution", "InnerProduct", "Pooling", "Crop",
                   "Eltwise", "BatchNorm", "Scale", "Bias", "PReLU", "Concat", "Slice",
                   "Split", "Alias", "LRN", "ReLU", "ELU", "Power", "Sigmoid", "TanH",
                   "AbsVal", "Dropout", "Softmax", "Flatten", "Reshape", "Interp"})


def run_layer(layer, bottoms) -> list:
    """Caffe's forward of one IR layer on numpy bottoms; returns the list of tops."""
    p, t, blobs, x = layer.params, layer.type, layer.blobs, bottoms[0]
    bias = (lambda: blobs[1] if p.bias_term else None)
    single = {
        "Convolution": lambda: conv2d(x, blobs[0], bias(), p),
        "Deconvolution": lambda: deconv2d(x, blobs[0], bias(), p),
        "InnerProduct": lambda: inner_product(x, blobs[0], bias(), p),
        "Pooling": lambda: pool2d(x, p),
        "Crop": lambda: crop(x, bottoms[1].shape, p),
        "Eltwise": lambda: eltwise(bottoms, p),
        "BatchNorm": lambda: batch_norm(x, blobs, p),
        "Scale": lambda: scale(x, p, blobs, bottoms[1] if p.two_bottoms else None),
        "Bias": lambda: scale(x, p, blobs, bottoms[1] if p.two_bottoms else None, True),
        "PReLU": lambda: prelu(x, blobs[0]),
        "Concat": lambda: concat(bottoms, p),
    }
    if t in single:
        return [single[t]()]
    if t == "Slice":
        return slice_(x, p, len(layer.tops))
    if t == "Split":
        return [_f(x)] * len(layer.tops)
    if t == "Alias":  # Caffe's shared memory: bottoms[1] now shows bottoms[0]'s data
        return [_f(x).reshape(bottoms[1].shape)]
    fn = {"LRN": lrn, "ReLU": relu, "ELU": elu, "Power": power, "Sigmoid": sigmoid,
          "TanH": tanh, "AbsVal": absval, "Dropout": dropout, "Softmax": softmax,
          "Flatten": flatten, "Reshape": reshape, "Interp": interp}[t]
    return [fn(x, p)]


def run_net(net, inputs: dict) -> dict:
    """Every blob of ``net`` (final values for in-place blobs), computed layer by layer."""
    blobs = {k: _f(v) for k, v in inputs.items()}
    for layer in net.layers:
        blobs.update(zip(layer.tops, run_layer(layer, [blobs[b] for b in layer.bottoms])))
    return blobs
