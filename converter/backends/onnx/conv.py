"""Convolution -> Conv, Deconvolution -> ConvTranspose (Caffe weight layouts kept)."""
from __future__ import annotations

from .registry import register


def _inputs(g, layer, x):
    ins = [x, g.const("weight", layer.blobs[0])]
    if layer.params.bias_term:
        ins.append(g.const("bias", layer.blobs[1].reshape(-1)))
    return ins


def _attrs(p):
    return dict(kernel_shape=list(p.kernel), strides=list(p.stride),
                dilations=list(p.dilation), group=p.group,
                pads=[p.pad[0], p.pad[1], p.pad[0], p.pad[1]])  # symmetric zero padding


@register("Convolution")
def convolution(g, layer, xs, ys):
    """Caffe's cross-correlation, weight (O, C/g, kh, kw): ONNX Conv is the same op.

    A kernel overhanging the padded input by less than the stride still gives one
    output in Caffe (C division truncates), reading zeros past the end: extra end pad.
    """
    p, x = layer.params, xs[0]
    attrs = _attrs(p)
    extra = [((e - 2 * q) - g.dim(x, a)).max(0)
             for a, e, q in zip((2, 3), p.extent(), p.pad)]
    if all(d.static for d in extra):
        attrs["pads"][2:] = [q + d.v for q, d in zip(p.pad, extra)]
    elif any(e - 2 * q > 1 for e, q in zip(p.extent(), p.pad)):  # dynamic, may overhang
        pads = g.dims([0, 0, 0, 0, 0, 0, *extra], "pads")
        x = g.op("Pad", [x, pads, g.scalar(0.0, "pad_value")], mode="constant")
    g.node("Conv", _inputs(g, layer, x), ys, **attrs)


@register("Deconvolution")
def deconvolution(g, layer, xs, ys):
    """Caffe's Deconvolution is ConvTranspose with weight (C_in, O/g, kh, kw) as is.

    ONNX output size ``s*(in-1) + output_padding + d*(k-1) + 1 - pad_beg - pad_end``
    with output_padding 0 and pads = Caffe pad on both sides equals Caffe's
    ``s*(in-1) + K_eff - 2*pad`` exactly (Caffe's pad crops the full output).
    """
    g.node("ConvTranspose", _inputs(g, layer, xs[0]), ys, **_attrs(layer.params))
