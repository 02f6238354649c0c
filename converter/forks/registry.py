"""The forks, discovered from this package's modules that define ``FORK``; detection
from text and from bytes; the union of their layer-type tables."""
from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from .fork import Fork


def _discover() -> list[Fork]:
    found = []
    for m in pkgutil.iter_modules([str(Path(__file__).parent)]):
        module = importlib.import_module(f"{__package__}.{m.name}")
        if isinstance(getattr(module, "FORK", None), Fork):
            found.append(module.FORK)
    return sorted(found, key=lambda f: f.order)


#: name -> Fork, BVLC (the default) first
REGISTRY = {f.name: f for f in _discover()}
FORKS = tuple(REGISTRY)
DEFAULT = FORKS[0]

#: V1 enum name -> V2 type string, every fork's together (the forks share 0-38)
V1_TYPES = {k: v for f in REGISTRY.values() for k, v in f.v1_types.items()}
DATA_TYPES = frozenset().union(*(f.data_types for f in REGISTRY.values()))
DROP_TYPES = frozenset().union(*(f.drop_types for f in REGISTRY.values()))
POSTPROCESS_TYPES = frozenset().union(*(f.postprocess_types for f in REGISTRY.values()))


def detect_text_fork(text: str) -> str:
    """Fork of a prototxt from its syntax (comments ignored); BVLC when nothing else fits."""
    body = re.sub(r"#[^\n]*", "", text)
    for f in REGISTRY.values():
        if f.name != DEFAULT and f.detect_text(body):
            return f.name
    return DEFAULT


def detect_binary_fork(scanned) -> str:
    """Fork of a scanned caffemodel from its bytes: the first layer only one fork writes,
    unless a later layer belongs to a fork that includes that one (:attr:`Fork.includes`)."""
    found = None
    for layer in scanned.layers:
        for f in REGISTRY.values():
            if f.name == DEFAULT or not f.detect_layer(layer):
                continue
            if found is None:
                found = f
            elif found.name in f.includes:
                return f.name
    return found.name if found is not None else DEFAULT


def schema(fork: str):
    """The generated protobuf module of ``fork``'s schema."""
    return importlib.import_module(f"caffe2ss.protos.{REGISTRY[fork].schema}")
