"""Convolution and Deconvolution: parameters and Caffe's output-size formulas."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CaffeError
from .registry import LayerContext, Msg, Window, register, require_4d


@dataclass(frozen=True)
class ConvParams:
    """Normalised ``convolution_param`` (2-D spatial, channel axis 1)."""

    num_output: int
    kernel: tuple[int, int]
    stride: tuple[int, int]
    pad: tuple[int, int]
    dilation: tuple[int, int]
    group: int
    bias_term: bool

    def extent(self) -> tuple[int, int]:
        """Effective kernel extent ``dilation * (k - 1) + 1`` per axis."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))


def _pair(p: Msg, name: str, h: str, w: str, default: int | None) -> tuple[int, int]:
    """Caffe's 2-D rule: ``name`` (1 or 2 values) or both ``h``/``w``, not both styles."""
    if p.has(h) or p.has(w):
        if p.rep(name):
            raise p.error(f"give either {name} or {h}/{w}, not both", name)
        if not (p.has(h) and p.has(w)) and default is None:
            raise p.error(f"{h} and {w} must be given together", h)
        return int(p.get(h, default)), int(p.get(w, default))
    vals = [int(v) for v in p.rep(name)]
    if not vals:
        if default is None:
            raise p.error(f"{name} is required", name)
        return default, default
    if len(vals) == 1:
        return vals[0], vals[0]
    if len(vals) == 2:
        return vals[0], vals[1]
    raise p.error(f"{len(vals)} values for a 2-D convolution; N-D convolution is not "
                  "supported", name)


def parse_conv(p: Msg, ctx: LayerContext) -> ConvParams:
    if not p.has("num_output") or int(p.get("num_output", 0)) <= 0:
        raise p.error("num_output must be given and positive", "num_output")
    if int(p.get("axis", 1)) != 1:  # Caffe default axis: 1 (channels)
        raise p.error("only channel axis 1 is supported", "axis")
    kernel = _pair(p, "kernel_size", "kernel_h", "kernel_w", None)
    pad = _pair(p, "pad", "pad_h", "pad_w", 0)            # Caffe default pad: 0
    stride = _pair(p, "stride", "stride_h", "stride_w", 1)  # Caffe default stride: 1
    if p.has("hole") or p.has("hole_h") or p.has("hole_w"):
        # DeepLab v1: `hole` (field 17) is the dilation; hole_h/hole_w override it.
        hole = int(p.get("hole", 1))                         # DLv1 default hole: 1
        dilation = (int(p.get("hole_h", hole)), int(p.get("hole_w", hole)))
    else:
        vals = [int(v) for v in p.rep("dilation")]           # Caffe default dilation: 1
        if len(vals) > 2:
            raise p.error("N-D dilation is not supported", "dilation")
        dilation = (vals[0], vals[-1]) if vals else (1, 1)
    group = int(p.get("group", 1))                           # Caffe default group: 1
    if min(kernel) <= 0 or min(stride) <= 0 or min(dilation) <= 0 or group <= 0:
        raise p.error("kernel, stride, dilation and group must be positive", "kernel_size")
    return ConvParams(num_output=int(p.get("num_output", 0)), kernel=kernel, stride=stride,
                      pad=pad, dilation=dilation, group=group,
                      bias_term=bool(p.get("bias_term", True)))  # Caffe default: true


def conv_output_size(size: int, k_ext: int, s: int, pad: int) -> int:
    """Caffe's ``(size + 2*pad - k_ext) / s + 1`` in C integer division (truncating
    toward zero): a kernel overhanging the padded input by less than the stride still
    gives one output."""
    num = size + 2 * pad - k_ext
    return (num // s if num >= 0 else -(-num // s)) + 1


def conv_end_pad(size: int, k_ext: int, pad: int) -> int:
    """Extra zeros past ``size + pad`` (bottom/right) that Caffe's im2col reads: nonzero
    only when the kernel overhangs the padded input (by less than the stride, else
    :func:`conv_output_size` is not positive)."""
    return max(0, k_ext - size - 2 * pad)


def _check_groups(params: ConvParams, channels: int, ctx: LayerContext) -> None:
    if channels % params.group or params.num_output % params.group:
        raise CaffeError(f"group {params.group} must divide both the input channels "
                         f"({channels}) and num_output ({params.num_output})",
                         layer=ctx.name, field="group")


def _ranks(params: ConvParams, n: int):
    return [4, 1][:n] + [None] * max(0, n - 2)


def _conv_params(p: ConvParams) -> list[str]:
    return ["weight", "bias"] if p.bias_term else ["weight"]


@register("Convolution", family="conv", param_field="convolution_param", size_free=True)
class Convolution:
    param_names = staticmethod(_conv_params)
    parse = staticmethod(parse_conv)
    blob_ranks = staticmethod(_ranks)

    @staticmethod
    def window(p: ConvParams) -> Window:
        """Output o reads the zero-padded rows ``[o*s - pad, o*s - pad + extent)``."""
        return Window(p.extent(), p.stride, p.pad, zeros=True)

    @staticmethod
    def infer(p: ConvParams, shapes, ctx):
        require_4d(shapes[0], ctx)
        n, c, h, w = shapes[0]
        _check_groups(p, c, ctx)
        out = []
        for size, k, s, pad in zip((h, w), p.extent(), p.stride, p.pad):
            o = conv_output_size(size, k, s, pad)
            if o <= 0:
                raise CaffeError(f"input {size} + 2*pad {pad} is smaller than the kernel "
                                 f"extent {k}", layer=ctx.name, field="kernel_size")
            out.append(o)
        return [(n, p.num_output, out[0], out[1])]

    @staticmethod
    def param_shapes(p: ConvParams, shapes):
        c = shapes[0][1]
        ws = [(p.num_output, c // p.group) + p.kernel]
        return ws + [(p.num_output,)] if p.bias_term else ws


@register("Deconvolution", family="conv", param_field="convolution_param", size_free=True)
class Deconvolution:
    param_names = staticmethod(_conv_params)
    parse = staticmethod(parse_conv)
    blob_ranks = staticmethod(_ranks)

    @staticmethod
    def infer(p: ConvParams, shapes, ctx):
        require_4d(shapes[0], ctx)
        n, c, h, w = shapes[0]
        _check_groups(p, c, ctx)
        out = [s * (size - 1) + k - 2 * pad
               for size, k, s, pad in zip((h, w), p.extent(), p.stride, p.pad)]
        if min(out) <= 0:
            raise CaffeError(f"output size {tuple(out)} is not positive (pad too large)",
                             layer=ctx.name, field="pad")
        return [(n, p.num_output, out[0], out[1])]

    @staticmethod
    def param_shapes(p: ConvParams, shapes):
        c = shapes[0][1]
        # Deconvolution weights are (C_in, O/g, kh, kw): first axis is the *input*.
        ws = [(c, p.num_output // p.group) + p.kernel]
        return ws + [(p.num_output,)] if p.bias_term else ws
