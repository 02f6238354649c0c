"""A small ONNX graph builder over ``onnx.helper``.

Values are named after Caffe blobs where possible. An in-place Caffe layer (top ==
bottom) cannot reuse its bottom's name in SSA form, so every write of a blob except the
last gets a fresh name (``blob@layer``); the last write, Caffe's final value of the
blob, carries the blob name itself (see :func:`top_names`).
"""
from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from .dims import Dim

FLOAT = TensorProto.FLOAT


#: Initializers at least this large are left for the writer when ``raw`` is given.
RAW_MIN_BYTES = 1 << 12


class Graph:
    """Nodes, initializers and unique names; sizes as :class:`~.dims.Dim`.

    Args:
        opset: the default-domain opset the nodes are written for.
        dynamic: True when H and W are symbolic (sizes are then computed in-graph).
        raw: if a dict, initializers of :data:`RAW_MIN_BYTES` or more are added without
            their data (name, type and dims only) and their arrays (views, not copies)
            go into ``raw`` by name, for :mod:`.stream` to write straight to the file.
    """

    def __init__(self, opset: int, dynamic: bool = False, raw: dict | None = None):
        self.opset = opset
        self.dynamic = dynamic
        self.raw = raw
        self.nodes: list = []
        self.inits: list = []
        #: ONNX value name -> static shape at the export size (ranks never change)
        self.shapes: dict[str, tuple] = {}
        self.scope = ""
        self._values: set[str] = set()
        self._node_names: set[str] = set()
        self._shape_of: dict[str, str] = {}

    # ------------------------------------------------------------------ names
    def reserve(self, names) -> None:
        """Mark names (Caffe blob names) as taken so fresh names never collide."""
        self._values.update(names)

    def fresh(self, hint: str) -> str:
        """A value name not used yet, ``hint`` or ``hint_1``, ``hint_2``..."""
        name, i = hint, 0
        while name in self._values:
            i += 1
            name = f"{hint}_{i}"
        self._values.add(name)
        return name

    # ------------------------------------------------------------------ nodes
    def const(self, hint: str, array, dtype=np.float32) -> str:
        """Add an initializer (a copy of ``array``, or, see ``raw``, the array itself)
        and return its name."""
        name = self.fresh(f"{self.scope}/{hint}" if self.scope else hint)
        arr = np.asarray(array, dtype=dtype)
        if self.raw is not None and arr.nbytes >= RAW_MIN_BYTES:
            self.raw[name] = arr
            self.inits.append(TensorProto(name=name, dims=arr.shape,
                                          data_type=helper.np_dtype_to_tensor_dtype(arr.dtype)))
            return name
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def ints(self, values, hint: str = "shape") -> str:
        """A 1-D int64 initializer."""
        return self.const(hint, np.asarray(values, dtype=np.int64).reshape(-1), np.int64)

    def scalar(self, value, hint: str = "c") -> str:
        """A float32 0-D initializer (broadcasts against anything)."""
        return self.const(hint, np.float32(value))

    def node(self, op: str, inputs, outputs, **attrs) -> list[str]:
        """Append a node writing the given output names."""
        base = f"{self.scope}/{op}" if self.scope else op
        name, i = base, 0
        while name in self._node_names:
            i += 1
            name = f"{base}_{i}"
        self._node_names.add(name)
        self.nodes.append(helper.make_node(op, list(inputs), list(outputs), name=name,
                                           **attrs))
        return list(outputs)

    def op(self, op: str, inputs, hint: str | None = None, **attrs) -> str:
        """Append a one-output node with a fresh output name; return that name."""
        out = self.fresh(f"{self.scope}/{hint or op}" if self.scope else (hint or op))
        self.node(op, inputs, [out], **attrs)
        return out

    # ------------------------------------------------------------------ sizes
    def rank(self, value: str) -> int:
        return len(self.shapes[value])

    def dim(self, value: str, axis: int) -> Dim:
        """Size of ``value`` along ``axis``: an int (static) or a Shape slice (dynamic)."""
        if not self.dynamic:
            return Dim(self, self.shapes[value][axis])
        if value not in self._shape_of:
            self._shape_of[value] = self.op("Shape", [value], "shape")
        s = self.op("Slice", [self._shape_of[value], self.ints([axis], "axis"),
                              self.ints([axis + 1], "axis_end")], "dim")
        return Dim(self, s)

    def dims(self, items, hint: str = "shape") -> str:
        """A 1-D int64 tensor from ints and Dims (a constant when all are static)."""
        items = [d if isinstance(d, Dim) else Dim(self, d) for d in items]
        if all(d.static for d in items):
            return self.ints([d.v for d in items], hint)
        return self.op("Concat", [d.tensor() for d in items], hint, axis=0)


def top_names(net, g: Graph) -> list[list[str]]:
    """Per layer, the ONNX value names its tops are written to (SSA over in-place).

    The last write of each blob gets the blob's own name, earlier writes (an in-place
    chain conv -> ReLU -> Dropout on one blob) get ``blob@layer``. A net input that is
    modified in place keeps its name for the graph input; its final value is renamed.
    """
    last = {}
    for i, layer in enumerate(net.layers):
        for t in layer.tops:
            last[t] = i
    names = []
    for i, layer in enumerate(net.layers):
        names.append([t if last[t] == i and t not in net.inputs else g.fresh(f"{t}@{layer.name}")
                      for t in layer.tops])
    return names


def value_info(name: str, shape) -> "helper.ValueInfoProto":
    """A float32 tensor value info; ``shape`` items may be ints, strings or None."""
    return helper.make_tensor_value_info(name, FLOAT, None if shape is None else list(shape))
