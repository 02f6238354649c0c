"""Plain-loop numpy transcriptions of Caffe's CPU forward where indices matter: MAX
pooling with its mask, AVE pooling, and unpooling by a mask (a test helper). Slow: tiny
inputs only. Written from pooling_layer.cpp and SegNet's upsample_layer.cpp."""
from __future__ import annotations

import math

import numpy as np

FLT_MAX = float(np.finfo(np.float32).max)


def max_pool_mask(x, k, s, p, ceil: bool = True):
    """Caffe's MAX pooling: ``(top, mask)``, mask = ``h * W + w`` of the first ``>``."""
    n, c, H, W = x.shape
    rnd = math.ceil if ceil else math.floor
    oh = int(rnd((H + 2 * p[0] - k[0]) / s[0])) + 1
    ow = int(rnd((W + 2 * p[1] - k[1]) / s[1])) + 1
    if p[0] or p[1]:
        oh -= (oh - 1) * s[0] >= H + p[0]
        ow -= (ow - 1) * s[1] >= W + p[1]
    y = np.full((n, c, oh, ow), -FLT_MAX, np.float32)
    m = np.full((n, c, oh, ow), -1.0, np.float32)
    for a in range(n):
        for b in range(c):
            for i in range(oh):
                for j in range(ow):
                    hs, ws = i * s[0] - p[0], j * s[1] - p[1]
                    he, we = min(hs + k[0], H), min(ws + k[1], W)
                    for hh in range(max(hs, 0), he):
                        for ww in range(max(ws, 0), we):
                            if x[a, b, hh, ww] > y[a, b, i, j]:
                                y[a, b, i, j], m[a, b, i, j] = x[a, b, hh, ww], hh * W + ww
    return y, m


def unpool(x, mask, oh, ow):
    """SegNet Upsample / MaxUnPool: zeros, then ``top[int(mask[i])] = x[i]`` in order.
    (Caffe writes index -1 outside the plane, undefined behaviour: skipped here.)"""
    n, c = x.shape[:2]
    top = np.zeros((n, c, oh * ow), np.float32)
    for a in range(n):
        for b in range(c):
            for v, i in zip(x[a, b].reshape(-1), mask[a, b].reshape(-1)):
                if i >= 0:
                    top[a, b, int(i)] = v
    return top.reshape(n, c, oh, ow)


def ave_pool(x, k, s, p, ceil: bool = True):
    """Caffe's AVE pooling: the divisor counts padding up to H + pad."""
    n, c, H, W = x.shape
    oh, ow = max_pool_mask(x[:1, :1], k, s, p, ceil)[0].shape[2:]
    y = np.zeros((n, c, oh, ow), np.float32)
    for i in range(oh):
        for j in range(ow):
            hs, ws = i * s[0] - p[0], j * s[1] - p[1]
            he, we = min(hs + k[0], H + p[0]), min(ws + k[1], W + p[1])
            size = (he - hs) * (we - ws)
            hs, ws, he, we = max(hs, 0), max(ws, 0), min(he, H), min(we, W)
            y[:, :, i, j] = x[:, :, hs:he, ws:we].sum((2, 3)) / size
    return y
