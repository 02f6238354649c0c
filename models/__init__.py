"""Framework-native model classes, the model registry and ``create``.

Importing this package imports no framework: the torch/Keras builders are imported only
when a model of that framework is built (``create``), the families on first listing.
"""
from __future__ import annotations

from .factory import create
from .registry import get_model, list_models, register_model

__all__ = ["create", "get_model", "list_models", "register_model"]
