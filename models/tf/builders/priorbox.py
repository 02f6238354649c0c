"""PriorBox -> TF: the priors of the bottoms' sizes, a constant (``ops_ssd.prior_box``)."""
from __future__ import annotations

from .. import ops_ssd
from .registry import op, register


@register("PriorBox")
def prior_box(layer, shapes):
    """SSD PriorBox; ``shapes`` (Caffe's, at build time) stand in for unknown sizes."""
    p, built = layer.params, [tuple(s[2:]) for s in shapes]
    return op(layer, lambda xs, training: ops_ssd.prior_box(xs[0], xs[1], p, built))
