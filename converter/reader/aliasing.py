"""Caffe's shared blob memory, made explicit in the IR.

In Caffe some layers do not copy: their top *shares the data* of their bottom (Split,
Flatten, Reshape, a Concat with one bottom, a Slice with one top). An in-place layer
that later writes one of those blobs (``ReLU`` with top == bottom, say) therefore
changes every blob sharing that memory; pycaffe's ``net.blobs`` shows the new values,
and layers run afterwards read them. This happens e.g. in caffemodels saved by Caffe
itself, whose definition contains the Split layers Caffe inserted.

:func:`share_memory_writes` reproduces it with synthetic ``Alias`` layers that refresh
a blob of the written memory from the written one before it is read (and at the end).
Backends implement ``Alias`` as a reshape; ``inspect`` hides these.
"""
from __future__ import annotations

from ..ir import Layer, Net
from ..layers import SPECS
from ..layers.registry import never


def shares_memory(layer: Layer) -> bool:
    """True if the layer's tops share its (first) bottom's data in Caffe (its spec says)."""
    spec = SPECS.get(layer.type)
    return spec is not None and spec.shares_memory(len(layer.bottoms), len(layer.tops))


def _never_shared() -> set:
    """The types whose tops never share memory (no call per layer for them)."""
    return {t for t, spec in SPECS.items() if never(spec.shares_memory)}


def share_memory_writes(net: Net) -> None:
    """Insert ``Alias`` refresh layers after in-place writes to shared memory.

    Refreshes are lazy, so the work is linear in the net: after a write only the written
    blob is current; another blob of the same memory is refreshed (one ``Alias`` from the
    written one) just before a layer reads it, and every stale blob once at the end (so
    each blob ends with its final value). A Split with N tops each followed by an
    in-place ReLU gets 2N refreshes, not N*N.
    """
    memory: dict[str, str] = {name: name for name in net.inputs}   # blob -> memory id
    fresh: dict[str, set] = {name: {name} for name in net.inputs}   # id -> current blobs
    members: dict[str, list[str]] = {name: [name] for name in net.inputs}
    writer: dict[str, tuple] = {}                                   # id -> (layer, blob)
    owner: dict[str, str] = {}     # id -> its blob, while no second blob shares it
    layers = []
    unshared = _never_shared()

    def refresh(blob: str) -> None:
        mid = memory.get(blob)
        current = fresh.get(mid)
        if current is None or blob in current:  # unknown, alone in its memory, or fresh
            return
        by, src = writer[mid]
        layers.append(Layer(f"{by}:{blob}", "Alias", [src, blob], [blob], None,
                            synthetic=True))
        fresh[mid].add(blob)

    for layer in net.layers:
        bottoms = layer.bottoms
        for b in bottoms:
            current = fresh.get(memory.get(b))
            if current is not None and b not in current:  # stale: refresh it
                refresh(b)
        layers.append(layer)
        shared = layer.type not in unshared and shares_memory(layer)  # once per layer
        for i, top in enumerate(layer.tops):
            if i < len(bottoms) and bottoms[i] == top:   # in place
                mid = memory[top]
                if len(members.get(mid, ())) > 1:  # memory of one blob: it stays fresh
                    fresh[mid], writer[mid] = {top}, (layer.name, top)
                continue
            if not shared:  # new memory of one blob: no list or set until it is shared
                mid = memory[top] = f"{layer.name}/{i}"
                owner[mid] = top
                continue
            mid = memory[top] = memory[layer.bottoms[0]]
            if mid not in members:
                members[mid] = [owner[mid]]
            members[mid].append(top)
            fresh.setdefault(mid, {owner.get(mid, top)}).add(top)
    for mid, blobs in members.items():
        for b in blobs:
            refresh(b)
    net.layers = layers
