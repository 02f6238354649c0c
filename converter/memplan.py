"""The memory a forward pass will hold, from shape inference, checked before running.

Every blob's inferred size (float32) is summed, plus the largest scratch buffer one
layer's implementation needs beyond its top (the explicitly padded input of a
Pooling in TF and ONNX, the overhang zeros of a Convolution). If that exceeds the
budget (:mod:`.budget`) the run is refused before anything is allocated, with the
figure and how to change it. A corrupt or hostile file (an Interp zoom of 20000, a
pooling stride of 2^32, 2^31-element blobs) therefore ends in a CaffeError, never
in a MemoryError, an overflow inside a framework, or the kernel's OOM killer.
"""
from __future__ import annotations

import math

from .budget import human, max_memory
from .errors import CaffeError
from .layers.conv import conv_output_size
from .shapes import infer_shapes

FLOAT_BYTES = 4


#: TF's inference convolution forms (``models.tf.ops.conv2d``), chosen by
#: :func:`tf_conv_form`: kernels of >= GEMM_MIN_TAPS taps over >= GEMM_MIN_CHANNELS input
#: channels run as im2col + one GEMM, whose patch matrix is capped at
#: TF_GEMM_MAX_PATCHES float32 elements; other stride-1 kernels over >= TAPS_MIN_CHANNELS
#: channels as one 1x1 GEMM per tap, partial outputs capped at TF_TAPS_MAX_ELEMENTS.
#: Above a cap TF's own Conv2D runs instead.
GEMM_MIN_TAPS, GEMM_MIN_CHANNELS, TAPS_MIN_CHANNELS = 25, 256, 512
TF_GEMM_MAX_PATCHES = 1 << 24  # 64 MiB
TF_TAPS_MAX_ELEMENTS = 1 << 26  # 256 MiB


def tf_conv_form(kh: int, kw: int, cin: int, stride, grouped: bool) -> str | None:
    """``"gemm"``, ``"taps"`` or None (TF's Conv2D): TF's inference form of a kernel."""
    if grouped:
        return None
    if kh * kw >= GEMM_MIN_TAPS and cin >= GEMM_MIN_CHANNELS:
        return "gemm"
    if tuple(stride) == (1, 1) and kh * kw > 1 and cin >= TAPS_MIN_CHANNELS:
        return "taps"
    return None

#: the layer types :func:`_scratch` sizes; other layers need no shapes of their bottoms.
SCRATCH_TYPES = frozenset({"Pooling", "Convolution", "Deconvolution"})


def _count(shape) -> int:
    return math.prod(map(int, shape))


def _scratch(layer, bottoms, framework: str) -> int:
    """Elements a layer's implementation allocates besides its tops."""
    if layer.type == "Pooling" and framework in ("tf", "onnx") and len(bottoms[0]) == 4:
        n, c, h, w = bottoms[0]
        p = layer.params
        (kh, kw), (sh, sw), (ph, pw) = p.resolved(h, w)
        oh, ow = p.output_size(h, w)
        eh = max(0, (oh - 1) * sh + kh - h - ph)
        ew = max(0, (ow - 1) * sw + kw - w - pw)
        return n * c * (h + ph + eh) * (w + pw + ew)
    if layer.type in ("Convolution", "Deconvolution") and len(bottoms[0]) == 4:
        n, c, h, w = bottoms[0]
        p = layer.params
        padded = n * c * (h + 2 * p.pad[0] + p.extent()[0]) * (w + 2 * p.pad[1] + p.extent()[1])
        if layer.type == "Deconvolution":
            return padded
        taps = math.prod(p.kernel)
        positions = n * math.prod(max(0, conv_output_size(x, e, s, q)) for x, e, s, q in
                                  zip((h, w), p.extent(), p.stride, p.pad))
        form = tf_conv_form(*p.kernel, c, p.stride, p.group > 1) if framework == "tf" \
            else None
        if form == "gemm":  # the patch matrix, when under its cap
            count = positions * taps * c
            return padded + (count if count <= TF_GEMM_MAX_PATCHES else 0)
        if form == "taps":  # the taps' partial outputs, when under their cap
            count = positions * taps * p.num_output
            return padded + (count if count <= TF_TAPS_MAX_ELEMENTS else 0)
        if framework == "torch" and positions <= p.num_output:  # fast.FusedConv's matmul
            return padded + positions * taps * c // max(1, p.group)
        return padded
    return 0


def plan_bytes(net, input_shapes, framework: str = "torch",
               require_weights: bool = False) -> int:
    """Bytes of every blob of a forward pass plus the largest layer scratch.

    ``require_weights``: the inference also refuses a weighted layer without weights
    (see :func:`.shapes.infer_shapes`), so one pass serves both checks of a run.
    """
    shapes = net.resolve_input_shapes(input_shapes)
    sized: list = []  # (layer, bottom shapes) of the SCRATCH_TYPES layers
    final = infer_shapes(net, shapes, bottoms_of=(SCRATCH_TYPES, sized),
                         require_weights=require_weights)
    scratch = max((_scratch(layer, bottoms, framework) for layer, bottoms in sized), default=0)
    return FLOAT_BYTES * (sum(_count(s) for s in final.values()) + scratch)


def check_memory(net, input_shapes, framework: str = "torch", need: int | None = None) -> int:
    """Raise CaffeError if a forward pass would exceed the budget; returns the plan.

    ``need``: the plan already computed by :func:`plan_bytes` for these shapes.
    """
    if need is None:
        need = plan_bytes(net, input_shapes, framework)
    budget = max_memory()
    if need > budget:
        raise CaffeError(f"running this net on input {dict(net.resolve_input_shapes(input_shapes))} "
                         f"needs about {human(need)} (sum of the inferred blob sizes), over "
                         f"the memory budget of {human(budget)}; use a smaller input shape, "
                         "or raise the budget with --max-memory", field="max-memory")
    return need
