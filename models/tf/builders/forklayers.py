"""The reference build's fork layers -> TF: ReLU6, HardSwish, HardSigmoid, PixelShuffle,
Pad, MaxUnPool (weightless; ops in ``models.tf.ops_fork``)."""
from __future__ import annotations

from .. import ops_fork
from .. import ops_unpool
from .registry import op, register


def _simple(type_name, fn):
    def convert(layer, shapes):
        f, p = getattr(ops_fork, fn), layer.params
        return op(layer, lambda xs, training: f(xs[0], p))

    convert.__doc__ = f"The inisis build's {type_name} (``ops_fork.{fn}``)."
    register(type_name)(convert)


for _type, _fn in (("ReLU6", "relu6"), ("HardSwish", "hardswish"),
                   ("HardSigmoid", "hardsigmoid"), ("PixelShuffle", "pixel_shuffle"),
                   ("Pad", "pad")):
    _simple(_type, _fn)


@register("MaxUnPool")
def max_unpool(layer, shapes):
    """Unpooling by a Pooling mask to ``dst_h x dst_w``."""
    oh, ow = layer.params.size
    return op(layer, lambda xs, training: ops_unpool.unpool(xs[0], xs[1], oh, ow))
