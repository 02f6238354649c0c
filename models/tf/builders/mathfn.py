"""Math and axis layers -> TF: Exp, Log, BNLL, Threshold, Clip, Swish, ArgMax,
Reduction, MVN, Tile (all weightless)."""
from __future__ import annotations

from .. import ops_math
from .registry import op, register


def _simple(type_name, fn):
    """Register ``fn(x, params)`` from ``caffe2ss.models.tf.ops_math`` for one type."""
    def convert(layer, shapes):
        f, p = getattr(ops_math, fn), layer.params
        return op(layer, lambda xs, training: f(xs[0], p))

    convert.__doc__ = f"Caffe {type_name} (``ops_math.{fn}``)."
    register(type_name)(convert)


for _type, _fn in (("Exp", "exp"), ("Log", "log"), ("BNLL", "bnll"),
                   ("Threshold", "threshold"), ("Clip", "clip"), ("Swish", "swish"),
                   ("ArgMax", "argmax"), ("Reduction", "reduction"), ("MVN", "mvn"),
                   ("Tile", "tile")):
    _simple(_type, _fn)
