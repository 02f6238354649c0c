"""Caffe's shared blob memory, made explicit in the IR.

In Caffe some layers do not copy: their top *shares the data* of their bottom (Split,
Flatten, Reshape, a Concat with one bottom, a Slice with one top). An in-place layer
that later writes one of those blobs (``ReLU`` with top == bottom, say) therefore
changes every blob sharing that memory; pycaffe's ``net.blobs`` shows the new values,
and layers run afterwards read them. This happens e.g. in caffemodels saved by Caffe
itself, whose definition contains the Split layers Caffe inserted.

:func:`share_memory_writes` reproduces it: after each in-place write it inserts a
synthetic ``Alias`` layer per other blob of the same memory, refreshing that blob from
the written one. Backends implement ``Alias`` as a reshape; ``inspect`` hides these.
"""
from __future__ import annotations

from ..ir import Layer, Net
from ..layers import SPECS


def shares_memory(layer: Layer) -> bool:
    """True if the layer's tops share its (first) bottom's data in Caffe (its spec says)."""
    spec = SPECS.get(layer.type)
    return spec is not None and spec.shares_memory(len(layer.bottoms), len(layer.tops))


def share_memory_writes(net: Net) -> None:
    """Insert ``Alias`` refresh layers after in-place writes to shared memory."""
    memory: dict[str, str] = {name: name for name in net.inputs}   # blob -> memory id
    members: dict[str, list[str]] = {name: [name] for name in net.inputs}
    layers = []
    for layer in net.layers:
        layers.append(layer)
        written = []
        for i, top in enumerate(layer.tops):
            if i < len(layer.bottoms) and layer.bottoms[i] == top:   # in place
                written.append(top)
                continue
            mid = memory[layer.bottoms[0]] if shares_memory(layer) else f"{layer.name}/{i}"
            memory[top] = mid
            members.setdefault(mid, []).append(top)
        for top in written:
            for other in members[memory[top]]:
                if other != top:
                    layers.append(Layer(f"{layer.name}:{other}", "Alias", [top, other],
                                        [other], None, synthetic=True))
    net.layers = layers
