"""SSD's Normalize and Permute in PyTorch (Caffe order); PriorBox and DetectionOutput
from their numpy transcriptions (``converter.layers.priorbox`` / ``.detection``)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from ...converter.layers.detection import detection_output as _detection_output
from ...converter.layers.priorbox import prior_boxes
from ...converter.layers.ssd import permute_order


def normalize(x, scale, p):
    """``x / sqrt(sum x^2 + eps)`` over C*H*W (across_spatial: times the reciprocal,
    as Caffe) or over C per position, then times ``scale`` (a scalar or per channel)."""
    sq = x * x
    if p.across_spatial:
        norm = torch.sqrt(sq.reshape(x.shape[0], -1).sum(1) + p.eps)
        y = x * (1.0 / norm).reshape((-1,) + (1,) * (x.dim() - 1))
    else:
        y = x / torch.sqrt(sq.sum(1, keepdim=True) + p.eps)
    if p.channel_shared:
        return y * scale.reshape(())
    return y * scale.reshape((1, -1) + (1,) * (x.dim() - 2))


def permute(x, p):
    """Axes in SSD's completed ``order``."""
    return x.permute(*permute_order(p, x.dim())).contiguous()


@lru_cache(maxsize=64)
def _priors(p, feature_hw, image_hw) -> torch.Tensor:
    return torch.from_numpy(prior_boxes(p, feature_hw, image_hw))


def prior_box(feature, image, p):
    """The priors of ``feature``'s and ``image``'s sizes (1, 2, H*W*num_priors*4)."""
    t = _priors(p, tuple(feature.shape[2:]), tuple(image.shape[2:]))
    return t.to(feature.device, copy=True)  # a fresh tensor: the cache stays intact


def detection_output(loc, conf, prior, p, layer=None):
    """SSD's DetectionOutput (1, 1, rows, 7), computed on the CPU in numpy."""
    arrays = [np.ascontiguousarray(t.detach().to("cpu", torch.float32).numpy())
              for t in (loc, conf, prior)]
    return torch.from_numpy(_detection_output(p, *arrays, layer=layer)).to(loc.device)
