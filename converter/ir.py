"""The intermediate representation every backend consumes.

A :class:`Net` is the TEST-phase inference graph of a Caffe net after every upgrade
(V0/V1 -> V2 types, legacy input headers -> inputs, data layers -> inputs, phase rules
applied, losses dropped). Layers are in Caffe's execution order, which is a valid
topological order. Each :class:`Layer` carries its parameters normalised into a small
frozen dataclass (Caffe's defaults spelled out, see ``converter/layers/``) and its
weights as float32 numpy arrays in Caffe's own layouts.

No framework is imported here.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from .errors import CaffeError
from .shapes import MAX_BLOB_ELEMENTS, check_size, infer_shapes  # noqa: F401 (re-exported)

Shape = tuple[int, ...]



@dataclass
class Layer:
    """One Caffe layer of the inference graph.

    Attributes:
        name: Caffe layer name (weights are matched by it).
        type: canonical V2 type string ("Convolution", "Interp", ...).
        bottoms / tops: Caffe blob names; in-place layers have top == bottom.
        params: normalised parameter dataclass of this type (see ``converter.layers``).
        blobs: the layer's weights, float32, Caffe layout (conv ``(O, C/g, kh, kw)``,
            deconv ``(C, O/g, kh, kw)``, InnerProduct ``(N, K)``, biases ``(N,)``).
            Arrays may be read-only views of a memory-mapped file: copy before writing.
    """

    name: str
    type: str
    bottoms: list[str]
    tops: list[str]
    params: Any = None
    blobs: list[np.ndarray] = field(default_factory=list)
    #: DeepLab v1 ``strict_dim: false`` (only the element count of weights must match).
    strict_dim: bool = True
    #: indices of weight blobs stored with legacy num/channels/height/width dims
    legacy_blobs: tuple = ()
    #: True for layers caffe2ss inserts (``Alias``, see ``converter/aliasing.py``).
    synthetic: bool = False


@dataclass
class Preprocessing:
    """What the Caffe net expects of its input (for the provenance sidecar)."""

    channel_order: str = "BGR"
    #: per-channel mean in the net's channel order (BGR), or None if unknown.
    mean: Optional[tuple[float, ...]] = None
    #: multiplier applied after mean subtraction (Caffe transform_param.scale).
    scale: float = 1.0
    #: pixel value range fed before mean subtraction.
    value_range: str = "0-255"
    #: training crop size, if the file declares one.
    crop_size: Optional[int] = None
    source: str = "unknown"

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class Net:
    """A Caffe net ready for conversion: inputs, layers, weights and provenance."""

    name: str
    inputs: dict[str, Optional[Shape]]
    layers: list[Layer]
    fork: str = "bvlc"
    #: why this fork was chosen, when the bytes alone were ambiguous (e.g. pooling 13)
    fork_reason: str = ""
    #: "caffemodel", "prototxt" or "prototxt+caffemodel".
    format: str = "caffemodel"
    #: wire format of the definition: "V2" (layer), "V1" (layers) or "V0".
    layer_format: str = "V2"
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    preprocessing: Preprocessing = field(default_factory=Preprocessing)
    source: dict = field(default_factory=dict)
    #: weighted layers dropped because they consume labels or dropped blobs (a converter
    #: refuses to write such a net: see ``reader.weights.check_weights``)
    dropped_weighted: list[str] = field(default_factory=list)
    #: names of the caffemodel's layers that carry weights (empty without a caffemodel)
    source_weighted: list[str] = field(default_factory=list)
    #: how the caffemodel stores its weights (``reader.storage``); {} without one
    storage: dict = field(default_factory=dict)
    #: DeepLab's DenseCRF post-processing read from the net (a ``CRFParams``), or None.
    crf: Optional[Any] = None
    #: the definition's text, or a callable that renders it on first read (see
    #: :attr:`definition`); rendering 100k layers takes seconds that a forward never needs.
    _definition: object = field(default="", repr=False)

    @property
    def definition(self) -> str:
        """The net definition as prototxt text (no weights), in the ``fork``'s schema;
        lets a converted output be rebuilt without the original files."""
        if callable(self._definition):
            self._definition = self._definition()
        return self._definition

    @definition.setter
    def definition(self, text) -> None:
        self._definition = text

    # ------------------------------------------------------------------ queries
    def layer(self, name: str) -> Layer:
        """Return the layer called ``name``."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def blob_names(self) -> list[str]:
        """Every blob name in first-appearance order (inputs first)."""
        seen = dict.fromkeys(self.inputs)
        for layer in self.layers:
            for t in layer.tops:
                seen.setdefault(t, None)
        return list(seen)

    def producers(self) -> dict[str, str]:
        """Blob name -> name of the layer that last writes it (Caffe's final value)."""
        out = {name: "(input)" for name in self.inputs}
        for layer in self.layers:
            for t in layer.tops:
                out[t] = layer.name
        return out

    def outputs(self) -> list[str]:
        """Blobs no layer consumes (the net's outputs), in order."""
        consumed = set()
        for layer in self.layers:
            if layer.synthetic:
                continue  # an Alias refresh does not make its source an inner blob
            for b in layer.bottoms:
                if b not in layer.tops:
                    consumed.add(b)
        outs: dict[str, None] = {}  # ordered set: linear in the number of tops
        for layer in self.layers:
            for t in layer.tops:
                if t not in consumed:
                    outs.setdefault(t, None)
        return list(outs)

    def param_layers(self) -> list[Layer]:
        """Layers that carry weights."""
        return [l for l in self.layers if l.blobs]

    # -------------------------------------------------------------- shapes
    def resolve_input_shapes(self, input_shapes=None) -> dict[str, Shape]:
        """Merge user-given input shapes with the declared ones; error if unknown."""
        shapes: dict[str, Shape] = {}
        given = dict(input_shapes or {})
        if len(given) == 1 and len(self.inputs) == 1 and next(iter(given)) not in self.inputs:
            given = {next(iter(self.inputs)): next(iter(given.values()))}
        for name, declared in self.inputs.items():
            shape = given.get(name, declared)
            if shape is None:
                raise CaffeError(
                    f"input '{name}' has no declared shape; pass one, e.g. "
                    "--input-shape 1,3,500,500", field="input_shape")
            shape = tuple(int(d) for d in shape)
            if any(d <= 0 for d in shape):
                raise CaffeError(f"input '{name}' has a non-positive dimension {shape}",
                                 field="input_shape")
            check_size(shape, f"input '{name}'")
            shapes[name] = shape
        return shapes

    def infer_shapes(self, input_shapes=None) -> dict[str, Shape]:
        """Every blob's shape by Caffe's formulas (final value for in-place blobs).

        Also checks every layer's weight shapes against what Caffe would allocate.
        """
        return infer_shapes(self, self.resolve_input_shapes(input_shapes))

    def top_shapes(self, input_shapes=None, require_weights=False) -> dict[str, list[Shape]]:
        """Layer name -> the shapes of its tops as that layer produces them.

        ``require_weights``: a weighted layer without weights is an error (see
        :func:`.shapes.infer_shapes`).
        """
        per_layer: dict[str, list[Shape]] = {}
        infer_shapes(self, self.resolve_input_shapes(input_shapes), per_layer=per_layer,
                     require_weights=require_weights)
        return per_layer
