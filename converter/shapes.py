"""Caffe shape inference over a :class:`~caffe2ss.converter.ir.Net`.

Walks the layers in Caffe's order, applies each type's formula (``converter/layers``)
and checks every weight blob against the shape Caffe would allocate, the way
``Net::CopyTrainedLayersFrom`` does (exact shapes; DeepLab v1 ``strict_dim: false``
only compares element counts and reinterprets the data in the target shape).
"""
from __future__ import annotations

import math

import numpy as np

from .errors import CaffeError
from .gcpause import gc_paused
from .layers import SPECS, WEIGHTLESS, new_context


#: A blob larger than this many elements is refused before anything is allocated
#: (2**31 float32 values = 8 GiB).
MAX_BLOB_ELEMENTS = 2**31


def check_size(shape, what: str, layer=None) -> None:
    """Refuse a blob whose element count exceeds :data:`MAX_BLOB_ELEMENTS`."""
    count = math.prod(map(int, shape))
    if count > MAX_BLOB_ELEMENTS:
        raise CaffeError(
            f"{what} would have shape {tuple(shape)} = {count} elements, over the limit of "
            f"{MAX_BLOB_ELEMENTS}; use a smaller input shape", layer=layer, field="shape")


def missing_weights(net) -> list[str]:
    """Names of layers that need weights (their spec says) the file does not provide."""
    return [l.name for l in net.layers if not l.blobs and l.type not in WEIGHTLESS
            and l.type in SPECS and SPECS[l.type].weighted(l.params)]


def missing_error(net) -> CaffeError | None:
    """The error naming every layer without its weights (None if none is missing)."""
    missing = missing_weights(net)
    if not missing:
        return None
    return CaffeError(f"no weights for {', '.join(repr(m) for m in missing)}: give the "
                      ".caffemodel these layers were trained in (weights are matched by "
                      "layer name)", layer=missing[0], field="blobs")


@gc_paused()
def infer_shapes(net, input_shapes: dict, per_layer: dict | None = None,
                 require_weights: bool = False, bottoms_of=None) -> dict:
    """Return blob name -> shape (final value for in-place blobs).

    ``per_layer`` (optional dict) is filled with layer name -> list of top shapes.
    Weight blobs of ``strict_dim: false`` layers are reshaped in place to Caffe's shape.
    ``require_weights``: a layer that needs weights and has none is an error too, so
    the first disagreement with the caffemodel in layer order is the one reported.
    ``bottoms_of`` (optional ``(types, list)``): the list gets ``(layer, bottom shapes)``
    of every layer of those types (what the memory plan needs, without a dict per layer).
    """
    shapes = {}
    for name, shape in input_shapes.items():
        shapes[name] = shape = tuple(map(int, shape))
        check_size(shape, f"input '{name}'")
    fork, shape_of = net.fork, shapes.__getitem__
    for layer in net.layers:
        spec = SPECS[layer.type]
        bottoms, top_names = layer.bottoms, layer.tops
        ctx = new_context((layer.name, len(bottoms), len(top_names), fork))
        try:
            bottom_shapes = list(map(shape_of, bottoms))
        except KeyError as e:  # the reader checks wiring; this guards hand-built nets
            raise CaffeError(f"bottom '{e.args[0]}' is not produced by any earlier layer",
                             layer=layer.name, field="bottom") from None
        tops = spec.infer(layer.params, bottom_shapes, ctx)
        first = bottom_shapes[0] if bottom_shapes else None
        if len(tops) == 1 == len(top_names):  # the usual case, without the loop
            s = tops[0]
            if s is not first:  # else shape-preserving: the bottom's checked int tuple
                s = tuple(map(int, s))
                check_size(s, f"top '{top_names[0]}'", layer.name)
            shapes[top_names[0]] = s
        else:
            given = last = None
            for t, s in zip(top_names, tops):
                if s is not given:  # tops of one shape object (Slice, Split): one check
                    given = s
                    if s is first:
                        last = s
                    else:
                        s = tuple(map(int, s))
                        if s != last:
                            check_size(s, f"top '{t}'", layer.name)
                            last = s
                shapes[t] = last
        if per_layer is not None:
            per_layer[layer.name] = [tuple(s) for s in tops]
        if bottoms_of is not None and layer.type in bottoms_of[0]:
            bottoms_of[1].append((layer, bottom_shapes))
        if layer.blobs:
            check_blobs(layer, spec.param_shapes(layer.params, bottom_shapes))
        elif require_weights and layer.type not in WEIGHTLESS and spec.weighted(layer.params):
            raise missing_error(net)  # the first missing layer in order is this one
    return shapes


def _lstrip1(shape) -> tuple:
    shape = tuple(shape)
    while shape and shape[0] == 1:
        shape = shape[1:]
    return shape


def check_blobs(layer, expected: list) -> None:
    """Compare a layer's weights with Caffe's shapes; error (or warn-free fix) on mismatch."""
    if not layer.blobs:
        return  # parameterised layers without weights are reported by the loader
    if len(layer.blobs) != len(expected):
        raise CaffeError(
            f"has {len(layer.blobs)} weight blobs but Caffe expects {len(expected)} "
            f"(shapes {expected}); the caffemodel does not match this definition "
            "(rename the layer in the prototxt to leave it out)", layer=layer.name,
            field="blobs")
    for i, (blob, want) in enumerate(zip(layer.blobs, expected)):
        want = tuple(int(d) for d in want)
        if tuple(blob.shape) == want:
            continue
        if not layer.strict_dim and blob.size == int(np.prod(want, dtype=np.int64)):
            layer.blobs[i] = blob.reshape(want)  # DLv1 strict_dim: false
            continue
        if i in layer.legacy_blobs and len(want) <= 4 and _lstrip1(blob.shape) == _lstrip1(want):
            # Caffe's ShapeEquals for legacy dims: (num, channels, height, width) equals
            # the wanted shape padded with leading 1s to 4 axes
            layer.blobs[i] = blob.reshape(want)
            continue
        raise CaffeError(
            f"weight blob {i} has shape {tuple(blob.shape)} but the net needs {want}; the "
            "caffemodel and prototxt disagree (check num_output/kernel_size or the input "
            "shape)", layer=layer.name, field=f"blobs[{i}]")
