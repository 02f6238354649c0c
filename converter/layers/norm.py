"""BatchNorm, Scale, Bias and LRN."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CaffeError
from .registry import LayerContext, Msg, register


@dataclass(frozen=True)
class BatchNormParams:
    eps: float


def batchnorm_mean_var(blobs) -> tuple[np.ndarray, np.ndarray]:
    """Caffe's inference statistics: the stored sums divided by the scale factor.

    ``f = 0 if s == 0 else 1 / s`` (Caffe's guard for a zero factor: then mean and
    variance are 0 and the layer computes ``x / sqrt(eps)``), in float32 like Caffe.
    """
    s = np.float32(np.asarray(blobs[2]).reshape(-1)[0])
    with np.errstate(over="ignore", invalid="ignore"):  # a subnormal factor: inf, as Caffe
        f = np.float32(0.0) if s == 0 else np.float32(1.0) / s
        mean = (np.asarray(blobs[0], dtype=np.float32) * f).astype(np.float32)
        var = (np.asarray(blobs[1], dtype=np.float32) * f).astype(np.float32)
    return mean, var


@register("BatchNorm", family="norm", param_field="batch_norm_param", size_free=True,
          folded_blobs=1)  # the scale factor is folded into the exported statistics
class BatchNorm:
    param_names = staticmethod(lambda p: ["running_mean", "running_var"])
    export_blobs = staticmethod(lambda blobs: list(batchnorm_mean_var(blobs)))
    # the exported statistics are already divided: scale factor 1
    import_blobs = staticmethod(lambda arrays: list(arrays) + [np.ones((1,), np.float32)])
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> BatchNormParams:
        # use_global_stats defaults to true in the TEST phase, which is what we build.
        if p.has("use_global_stats") and not p.get("use_global_stats", True):
            raise p.error("use_global_stats: false normalises with the statistics of each "
                          "test batch; only inference with stored statistics is supported",
                          "use_global_stats")
        return BatchNormParams(eps=float(p.get("eps", 1e-5)))  # Caffe default eps: 1e-5

    @staticmethod
    def blob_ranks(p, n):
        return [1, 1, 1][:n]

    @staticmethod
    def infer(p, shapes, ctx):
        return [tuple(shapes[0])]

    @staticmethod
    def param_shapes(p, shapes):
        c = shapes[0][1] if len(shapes[0]) > 1 else 1
        return [(c,), (c,), (1,)]


@dataclass(frozen=True)
class ScaleParams:
    """``axis``/``num_axes`` as written (canonicalise with :func:`param_axes`)."""

    axis: int
    num_axes: int
    bias_term: bool
    two_bottoms: bool


def param_axes(p: ScaleParams, x_shape, other_shape=None, ctx=None) -> tuple[int, tuple[int, ...]]:
    """(canonical axis, shape of the broadcast parameter) for input ``x_shape``.

    With two bottoms the parameter is bottom[1] (its shape); otherwise it spans
    ``num_axes`` axes from ``axis`` (-1: to the end, 0: a scalar).
    """
    ndim = len(x_shape)
    if other_shape is not None:
        n = len(other_shape)
        axis = p.axis + ndim if p.axis < 0 else p.axis
        if not 0 <= axis <= ndim - n:
            raise CaffeError(f"axis {p.axis} does not fit a {n}-D scale into a {ndim}-D "
                             "input", layer=ctx and ctx.name, field="axis")
        return axis, tuple(other_shape)
    axis = p.axis + ndim if p.axis < 0 else p.axis
    if not 0 <= axis <= ndim:
        raise CaffeError(f"axis {p.axis} out of range for {ndim}-D input",
                         layer=ctx and ctx.name, field="axis")
    n = ndim - axis if p.num_axes == -1 else p.num_axes
    if n < 0 or axis + n > ndim:
        raise CaffeError(f"num_axes {p.num_axes} out of range", layer=ctx and ctx.name,
                         field="num_axes")
    return axis, tuple(x_shape[axis:axis + n])


def broadcast_shape(ndim: int, axis: int, pshape) -> tuple[int, ...]:
    """Shape that broadcasts a parameter of ``pshape`` at ``axis`` in an ndim blob."""
    return (1,) * axis + tuple(pshape) + (1,) * (ndim - axis - len(pshape))


def _parse_affine(p: Msg, ctx: LayerContext, bias_default: bool) -> ScaleParams:
    return ScaleParams(axis=int(p.get("axis", 1)),              # Caffe default axis: 1
                       num_axes=int(p.get("num_axes", 1)),      # default num_axes: 1
                       bias_term=bool(p.get("bias_term", bias_default)),
                       two_bottoms=ctx.n_bottoms == 2)


def _affine_size_free(p: ScaleParams) -> bool:
    """A learned parameter over N or spatial axes ties the layer to one input size."""
    return not p.two_bottoms and (p.num_axes == 0 or (p.axis == 1 and p.num_axes == 1))


@register("Scale", family="norm", param_field="scale_param", bottoms=(1, 2))
class Scale:
    size_free = staticmethod(_affine_size_free)

    @staticmethod
    def param_names(p: ScaleParams) -> list[str]:
        """gamma (``weight``) unless it is bottom[1], then beta (``bias``) if bias_term."""
        gamma = [] if p.two_bottoms else ["weight"]
        return gamma + (["bias"] if p.bias_term else [])
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> ScaleParams:
        return _parse_affine(p, ctx, bias_default=False)  # Caffe default bias_term: false

    @staticmethod
    def blob_ranks(p: ScaleParams, n):
        r = None if p.num_axes < 0 else p.num_axes
        return [r] * n

    @staticmethod
    def infer(p, shapes, ctx):
        param_axes(p, shapes[0], shapes[1] if p.two_bottoms else None, ctx)
        return [tuple(shapes[0])]

    @staticmethod
    def param_shapes(p: ScaleParams, shapes):
        _, ps = param_axes(p, shapes[0], shapes[1] if p.two_bottoms else None)
        if p.two_bottoms:
            return [ps] if p.bias_term else []
        return [ps, ps] if p.bias_term else [ps]


@register("Bias", family="norm", param_field="bias_param", bottoms=(1, 2))
class Bias:
    size_free = staticmethod(_affine_size_free)
    param_names = staticmethod(lambda p: [] if p.two_bottoms else ["bias"])
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> ScaleParams:
        return _parse_affine(p, ctx, bias_default=True)

    @staticmethod
    def blob_ranks(p: ScaleParams, n):
        return [None if p.num_axes < 0 else p.num_axes] * n

    @staticmethod
    def infer(p, shapes, ctx):
        param_axes(p, shapes[0], shapes[1] if p.two_bottoms else None, ctx)
        return [tuple(shapes[0])]

    @staticmethod
    def param_shapes(p: ScaleParams, shapes):
        if p.two_bottoms:
            return []
        return [param_axes(p, shapes[0])[1]]


@dataclass(frozen=True)
class LRNParams:
    """Normalised ``lrn_param``. Caffe divides ``alpha`` by the window size itself."""

    local_size: int
    alpha: float
    beta: float
    k: float
    region: str  # "ACROSS_CHANNELS" or "WITHIN_CHANNEL"


@register("LRN", family="norm", param_field="lrn_param", size_free=True)
class LRN:
    @staticmethod
    def parse(p: Msg, ctx: LayerContext) -> LRNParams:
        n = int(p.get("local_size", 5))                      # Caffe default: 5
        if n % 2 == 0:
            raise p.error("local_size must be odd", "local_size")
        return LRNParams(local_size=n, alpha=float(p.get("alpha", 1.0)),  # default 1
                         beta=float(p.get("beta", 0.75)),                  # default 0.75
                         k=float(p.get("k", 1.0)),                         # default 1
                         region=p.enum_name("norm_region", "ACROSS_CHANNELS"))

    @staticmethod
    def infer(p, shapes, ctx):
        if len(shapes[0]) != 4:
            raise CaffeError("LRN needs a 4-D input", layer=ctx.name, field="bottom")
        return [tuple(shapes[0])]
