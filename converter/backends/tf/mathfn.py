"""Math and axis layers -> TF: Exp, Log, BNLL, Threshold, Clip, Swish, ArgMax,
Reduction, MVN, Tile (all weightless)."""
from __future__ import annotations

from .registry import op, register


def _simple(type_name, fn):
    """Register ``fn(x, params)`` from ``caffe2ss.models.tf.ops_math`` for one type."""

    def convert(layer, shapes):
        from caffe2ss.models.tf import ops_math

        f, p = getattr(ops_math, fn), layer.params
        return op(layer, lambda xs, training: f(xs[0], p))

    convert.__doc__ = f"Caffe {type_name} (``ops_math.{fn}``)."
    register(type_name)(convert)


for _type, _fn in (("Exp", "exp"), ("Log", "log"), ("ArgMax", "argmax"),
                   ("Reduction", "reduction"), ("MVN", "mvn"), ("Tile", "tile")):
    _simple(_type, _fn)


@register("BNLL")
def bnll(layer, shapes):
    """Caffe BNLL."""
    from caffe2ss.models.tf import ops_math

    return op(layer, lambda xs, training: ops_math.bnll(xs[0]))


@register("Threshold")
def threshold(layer, shapes):
    """Caffe Threshold: ``x > t``."""
    from caffe2ss.models.tf import ops_math

    t = layer.params.threshold
    return op(layer, lambda xs, training: ops_math.threshold(xs[0], t))


@register("Clip")
def clip(layer, shapes):
    """Caffe Clip."""
    from caffe2ss.models.tf import ops_math

    p = layer.params
    return op(layer, lambda xs, training: ops_math.clip(xs[0], p.min, p.max))


@register("Swish")
def swish(layer, shapes):
    """Caffe Swish."""
    from caffe2ss.models.tf import ops_math

    beta = layer.params.beta
    return op(layer, lambda xs, training: ops_math.swish(xs[0], beta))
