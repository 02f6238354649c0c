"""How Caffe layer names become framework names, one rule for every framework: the
PyTorch module keys (state_dict prefixes) and the Keras attribute / layer names.

:func:`clean_name`: non-word characters become ``_``; a name that is empty, starts with
a digit or ``_``, or is a Python keyword gets the prefix ``caffe_``. :func:`unique_names`
then adds the framework's reserved words to that prefix rule and numbers repeats
``_2``, ``_3``... in net order. Framework-free.
"""
from __future__ import annotations

import keyword
import re

from ..converter.layers import SPECS, WEIGHTLESS


def clean_name(name: str) -> str:
    """A Caffe layer name as an identifier (see the module docstring)."""
    a = re.sub(r"\W", "_", name)
    if not a or a[0].isdigit() or a[0] == "_" or keyword.iskeyword(a):
        a = "caffe_" + a
    return a


def unique_names(caffe_names, reserved=frozenset()) -> dict:
    """Caffe name -> unique cleaned name, in order; ``reserved`` names get ``caffe_``."""
    out, taken = {}, set()
    for name in caffe_names:
        a = clean_name(name)
        if a in reserved:
            a = "caffe_" + a
        base, i = a, 1
        while a in taken:
            i += 1
            a = f"{base}_{i}"
        taken.add(a)
        out[name] = a
    return out


def module_keys(net) -> dict[str, str]:
    """Caffe layer name -> PyTorch module key, for every weighted layer (first of a name)."""
    names: dict[str, None] = {}  # ordered set: linear in the number of layers
    for layer in net.layers:
        if layer.type not in WEIGHTLESS and SPECS[layer.type].weighted(layer.params):
            names.setdefault(layer.name)
    return unique_names(names)
