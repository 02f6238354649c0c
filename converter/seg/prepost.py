"""numpy pre- and post-processing around a segmentation net, the same for every framework.

``preprocess`` turns RGB uint8 images into the Caffe net's input (Caffe's data
transformer: BGR, minus the mean, times the scale, NCHW); ``resize_bilinear`` brings
scores to the image size with aligned corners, computed like Caffe's Interp layer.
"""
from __future__ import annotations

import numpy as np


def preprocess(images: list[np.ndarray], pre: dict) -> np.ndarray:
    """RGB uint8 HxWx3 images -> the net's NCHW float32 input, as Caffe's transformer.

    Channels are reordered to ``channel_order`` (BGR for Caffe nets), the per-channel
    ``mean`` (given in the net's order) is subtracted from the values (0-255, or 0-1
    when ``value_range`` is "0-1"), then the
    result is multiplied by ``scale`` (Caffe subtracts first, then scales).
    """
    x = np.stack(images).astype(np.float32)  # N, H, W, 3 in 0..255
    if pre.get("value_range") == "0-1":
        x = x / np.float32(255)
    if str(pre.get("channel_order", "BGR")).upper() == "BGR":
        x = x[..., ::-1]
    if pre.get("mean") is not None:
        mean = np.asarray(pre["mean"], np.float32)
        x = x - (mean if mean.size == 3 else mean.reshape(-1)[:1])
    scale = float(pre.get("scale", 1.0) or 1.0)
    if scale != 1.0:
        x = x * np.float32(scale)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)


def resize_bilinear(x: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Align-corners bilinear resize of NCHW ``x``, computed like Caffe's Interp.

    Same formula and float32 order as DeepLab's ``caffe_gpu_interp2`` (and
    ``tf.image.resize_bilinear(..., align_corners=True)`` in the DeepLab-TF seed): source
    coordinate ``i * (in - 1) / (out - 1)``, width first, then height.
    """
    _, _, h, w = x.shape

    def taps(n_in, n_out):
        r = np.float32(n_in - 1) / np.float32(n_out - 1) if n_out > 1 else np.float32(0)
        src = r * np.arange(n_out, dtype=np.float32)
        i0 = np.minimum(src.astype(np.int64), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)  # the last row/col has no right neighbour
        lam = (src - i0).astype(np.float32)
        return i0, i1, np.float32(1) - lam, lam

    c0, c1, cw0, cw1 = taps(w, out_w)
    t = x[..., c0] * cw0 + x[..., c1] * cw1
    r0, r1, rw0, rw1 = taps(h, out_h)
    return (t[:, :, r0, :] * rw0[:, None] + t[:, :, r1, :] * rw1[:, None]).astype(np.float32)
