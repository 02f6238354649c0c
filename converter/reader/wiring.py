"""Caffe's wiring rules for a net's blobs (Net::AppendBottom / AppendTop, InsertSplits)."""
from __future__ import annotations

from ..errors import CaffeError
from ..ir import Layer, Net
from ..layers import SPECS


def _unproduced(net: Net, layer: Layer, b: str) -> CaffeError:
    """The error for a bottom that no earlier layer or input produces."""
    for later in net.layers:
        if b in later.tops:  # the first layer producing it
            if later.name != layer.name:
                return CaffeError(f"bottom '{b}' is produced only later, by layer "
                                  f"'{later.name}': the graph has a cycle or is out of "
                                  "order", layer=layer.name, field="bottom")
            break
    return CaffeError(f"bottom '{b}' is not produced by any layer or input; check the "
                      "spelling or add an input", layer=layer.name, field="bottom")


def check_wiring(net: Net) -> None:
    """Raise CaffeError for a bottom nothing produced before it, a top produced twice, or
    an in-place layer Caffe refuses."""
    available = set(net.inputs)
    readers: dict[str, int] = {}  # bottoms reading the current version of each blob
    not_in_place = {t for t, spec in SPECS.items() if not spec.in_place}
    for layer in net.layers:
        bottoms = layer.bottoms
        for b in bottoms:
            readers[b] = readers.get(b, 0) + 1
            if b not in available:
                raise _unproduced(net, layer, b)
        for i, t in enumerate(layer.tops):
            # Caffe (Net::AppendTop): a top may reuse an existing name only in place,
            # i.e. when it is the bottom at the same index.
            if i < len(bottoms) and bottoms[i] == t:  # in place
                if layer.type in not_in_place:
                    raise CaffeError(f"{layer.type} cannot compute in place (Caffe CHECKs "
                                     "top != bottom); give the top a new name",
                                     layer=layer.name, field="top")
                if readers[t] > 1:
                    # Caffe's InsertSplits gives each reader of a blob read twice its own
                    # Split copy: this bottom is renamed, so the top is a second producer.
                    raise CaffeError(f"in-place top '{t}' is also read by another layer; "
                                     "Caffe rejects this ('produced by multiple sources'): "
                                     "give the layer a new top name", layer=layer.name,
                                     field="top")
            elif t in available:
                raise CaffeError(f"top '{t}' is produced by multiple sources (Caffe allows "
                                 "reusing a name only in place, top i == bottom i); rename "
                                 "it", layer=layer.name, field="top")
            available.add(t)
            readers[t] = 0  # its new version has no reader yet
