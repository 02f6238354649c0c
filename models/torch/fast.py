"""Inference fast path of :class:`~caffe2ss.models.torch.generic.CaffeNet` on the CPU.

A Convolution followed by an in-place ReLU (slope 0) runs as one oneDNN call with the
ReLU as a post-op, on weights reordered once per input shape into oneDNN's own layout
(the plain weights stay the module's parameters). A convolution with fewer output
positions than output channels (FCN's fc6/fc7 on a few cells: the weights dwarf the
image) is one matrix product instead: im2col columns times the (K, O) weight matrix.
Caffe's results are kept: ReLU is exact, and only the convolution's float32 summation
order may differ, as it does between any two convolution kernels. Anything the fused call does not cover (autograd,
another device or dtype, Caffe's overhanging last window, a framework without oneDNN)
runs the plain modules.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ...converter.layers.conv import conv_end_pad, conv_output_size
from . import ops
from .caffe_modules import Convolution

_MKLDNN = getattr(torch.ops, "mkldnn", None)


def available() -> bool:
    """Whether this torch build has oneDNN's fused convolution (CPU builds do)."""
    try:
        return bool(torch.backends.mkldnn.is_available()
                    and _MKLDNN is not None and hasattr(_MKLDNN, "_convolution_pointwise")
                    and hasattr(_MKLDNN, "_reorder_convolution_weight"))
    except (AttributeError, RuntimeError):
        return False


def fusable_relu(layer, nxt) -> bool:
    """``nxt`` is a slope-0 ReLU applied in place to ``layer``'s only top.

    Nothing can read the pre-ReLU value then (the blob's final value is the ReLU's,
    as in Caffe), so the pair is one step."""
    return (nxt is not None and nxt.type == "ReLU" and nxt.params.negative_slope == 0
            and len(layer.tops) == 1 and list(nxt.bottoms) == list(layer.tops)
            and list(nxt.tops) == list(layer.tops))


class FusedConv:
    """A Convolution step (optionally with its in-place ReLU) for inference.

    ``__call__(x)`` gives the same top as ``relu(module(x))`` (or ``module(x)``). The
    reordered weights are kept for the last input shape only and rebuilt when the
    parameter is replaced or changed in place (its version counter moves).
    """

    __slots__ = ("module", "relu", "attr", "p", "_pack")

    def __init__(self, module: Convolution, relu: bool, params=None):
        self.module, self.relu = module, relu
        self.attr = "relu" if relu else "none"
        # the module's parameters, or others with the same weights: a cut zero pad
        # (constant-border compression, converter/borders.py; packed apart)
        self.p = params or module.p
        self._pack = None  # (input shape, weight identity, packed weight)

    def _plain(self, x):
        m = self.module
        y = m(x) if self.p is m.p else ops.conv2d(x, m.weight, m.bias, self.p)
        return torch.relu(y) if self.relu else y

    def __call__(self, x):
        m, p = self.module, self.p
        w = m.weight
        if (x.dim() != 4 or x.dtype != torch.float32 or x.device.type != "cpu"
                or w.dtype != torch.float32 or w.device.type != "cpu"
                or (torch.is_grad_enabled() and (w.requires_grad or x.requires_grad))):
            return self._plain(x)
        shape = tuple(x.shape)
        axes = list(zip(shape[2:], p.extent(), p.stride, p.pad))
        outs = [conv_output_size(*a) for a in axes]
        if any(conv_end_pad(n, e, q) for n, e, _, q in axes) \
                or any(o == 1 and s != 1 for o, (_, _, s, _) in zip(outs, axes)):
            return self._plain(x)  # Caffe's overhang or a single window: ops.conv2d's care
        as_matmul = p.group == 1 and shape[0] * outs[0] * outs[1] <= p.num_output
        ident = (shape, w.data_ptr(), w._version)
        pack = self._pack
        if pack is None or pack[0] != ident:
            self._pack = None  # drop the old copy before making the new one
            if as_matmul:  # (C*kh*kw, O), rows in im2col's (c, kh, kw) order
                packed = w.detach().reshape(p.num_output, -1).t().contiguous()
            else:
                packed = _MKLDNN._reorder_convolution_weight(
                    w.detach(), list(p.pad), list(p.stride), list(p.dilation), p.group,
                    list(shape))
            self._pack = pack = (ident, packed)
        b = m.bias.detach() if m.bias is not None else None
        if as_matmul:
            cols = F.unfold(x, tuple(p.kernel), tuple(p.dilation), tuple(p.pad),
                            tuple(p.stride))  # (N, C*kh*kw, L)
            y = torch.matmul(cols.transpose(1, 2), pack[1])  # (N, L, O): NHWC
            if b is not None:
                y += b
            if self.relu:
                y.relu_()
            return y.view(shape[0], outs[0], outs[1], -1).permute(0, 3, 1, 2)
        return _MKLDNN._convolution_pointwise(x, pack[1], b, list(p.pad), list(p.stride),
                                              list(p.dilation), p.group, self.attr,
                                              [None], "")

    def __repr__(self) -> str:
        return f"FusedConv({self.module.extra_repr()}, pad={self.p.pad}, relu={self.relu})"
