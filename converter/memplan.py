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
from .shapes import infer_shapes

FLOAT_BYTES = 4


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
        return n * c * (h + 2 * p.pad[0] + p.extent()[0]) * (w + 2 * p.pad[1] + p.extent()[1])
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
