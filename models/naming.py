"""How Caffe layer names become framework names: PyTorch module keys (the state_dict
prefixes) and Keras attribute names, framework-free."""
from __future__ import annotations

from ..converter.layers import SPECS


def module_keys(net) -> dict[str, str]:
    """Caffe layer name -> module key (sanitised, unique) for every weighted layer."""
    keys: dict[str, str] = {}
    used: set[str] = set()
    for layer in net.layers:
        if not SPECS[layer.type].weighted(layer.params) or layer.name in keys:
            continue
        base = layer.name.replace(".", "_") or "_"  # torch module names cannot hold '.'
        key, i = base, 1
        while key in used:
            i += 1
            key = f"{base}_{i}"
        keys[layer.name] = key
        used.add(key)
    return keys
