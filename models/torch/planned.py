"""Constant-border compression for :class:`~.generic.CaffeNet`'s inference fast path.

The plan (``converter/borders.py``) depends on the input size only: for each size, the
net's steps are rewritten once. A convolution whose zero padding is wider than its
kernel runs with the cut pad; a step reading a blob with other kept rows (or a layer
outside the plan, reading the full blob) reads ``index_select`` copies along H and W;
outputs and ``return_blobs`` get the full blobs back the same way.
"""
from __future__ import annotations

import torch

from ...converter import borders
from . import fast


def indices(have, want) -> tuple:
    """(rows along H, columns along W) index tensors turning ``have`` into ``want``
    (None = the full blob); an axis left as is: None."""
    return tuple(None if i is None else torch.from_numpy(i)
                 for i in borders.gather_indices(have, want))


def gather(x, idx):
    """``x`` (N, C, H, W) with its rows and columns picked by ``idx`` (channels-last)."""
    for dim, i in zip((2, 3), idx):
        if i is not None:
            x = x.index_select(dim, i)
    return x.contiguous(memory_format=torch.channels_last)


class Gathered:
    """A step whose bottoms are gathered first (``idx`` per bottom, None: as is)."""

    __slots__ = ("fn", "idx")

    def __init__(self, fn, idx):
        self.fn, self.idx = fn, idx

    def __call__(self, *xs):
        return self.fn(*(x if i is None else gather(x, i) for x, i in zip(xs, self.idx)))


def plan_steps(net, steps, step_layer, shapes):
    """``(steps, expand)`` for these input shapes, or None when nothing is skipped.

    ``steps``: the model's steps with cut pads and gathers; ``expand``: {blob: index
    tensors} for the blobs whose final value is compressed."""
    scheduled = borders.scheduled(net, shapes)
    if scheduled is None:
        return None
    plan, gathers, finals = scheduled
    out = []
    for (fn, bottom, bottoms, tops, done), i in zip(steps, step_layer):
        if i in plan.params:  # a FusedConv (the fast path is on) with its pad cut
            fn = fast.FusedConv(fn.module, fn.relu, plan.params[i])
        if any(gathers[i]):
            fn = Gathered(fn, [None if how is None else indices(*how) for how in gathers[i]])
        out.append((fn, bottom, bottoms, tops, done))
    return out, {b: indices(layout, None) for b, layout in finals.items()}
