"""Framework-native model classes, the model registry and ``create``.

Importing this package imports no framework: ``create`` and ``list_models`` are loaded
on first use, and the torch/Keras builders only when a model of that framework is built.
"""
from __future__ import annotations

__all__ = ["create", "get_model", "list_models", "register_model"]


def __getattr__(name):
    if name == "create":
        from .factory import create

        return create
    if name in ("get_model", "list_models", "register_model"):
        from . import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'caffe2ss.models' has no attribute {name!r}")
