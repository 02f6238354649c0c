"""numpy versions of the models' own initialisation, for weights written into a Caffe IR
net (the TensorFlow path builds its Keras rebuild from the net's blobs): Caffe's
``msra`` filler (He normal, std sqrt(2 / fan_in)) for convolutions, zero biases, FCN's
``bilinear`` kernels for Deconvolution."""
from __future__ import annotations

import math

import numpy as np


def bilinear(c_in: int, c_out: int, k: int) -> np.ndarray:
    """FCN's bilinear upsampling kernel, channel i -> i, shape (C_in, C_out, k, k)."""
    f = math.ceil(k / 2)
    c = (2 * f - 1 - f % 2) / (2.0 * f)
    filt = 1 - np.abs(np.arange(k) / f - c)
    w = np.zeros((c_in, c_out, k, k), np.float32)
    for i in range(min(c_in, c_out)):
        w[i, i] = np.outer(filt, filt)
    return w


def init_layers(net, names=None, seed: int = 0) -> None:
    """Re-initialise the blobs of the conv/deconv layers in ``names`` (all when None)."""
    rng = np.random.default_rng(seed)
    for layer in net.layers:
        if layer.type not in ("Convolution", "Deconvolution") or not layer.blobs:
            continue
        if names is not None and layer.name not in names:
            continue
        w = layer.blobs[0]
        if layer.type == "Deconvolution":
            new = bilinear(w.shape[0], w.shape[1], w.shape[2])
        else:
            fan_in = w.shape[1] * w.shape[2] * w.shape[3]
            new = rng.normal(0.0, math.sqrt(2.0 / fan_in), w.shape).astype(np.float32)
        layer.blobs = [new] + [np.zeros_like(b) for b in layer.blobs[1:]]
