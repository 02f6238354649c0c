"""One rebuilt model per net, kept on the net, for the backends' ``run``."""
from __future__ import annotations

from typing import Callable


def cached_rebuild(net, slot: str, build: Callable, key=()):
    """``build()``'s model for ``net``, made once and kept on it under ``slot``.

    The cache key is ``key`` (the input shapes, where the model depends on them) plus
    the identity of every layer and weight array: replacing a layer or its blobs builds
    afresh (editing an array in place after a run is not seen: the models hold copies).
    One model is kept per net and slot: a new key replaces it.
    """
    arrays = [b for layer in net.layers for b in (layer.blobs or ())]
    full = (key, tuple(map(id, net.layers)), tuple(map(id, arrays)))
    cache = net.__dict__.setdefault(slot, {})
    if full not in cache:
        cache.clear()
        # the arrays and layers stay referenced with the model, so their ids stay taken
        cache[full] = (build(), arrays, list(net.layers))
    return cache[full][0]
