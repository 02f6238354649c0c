"""Supported Caffe layer types, one file per family; importing registers them all."""
from . import (activation, conv, crop, dense, eltwise, internal, interp,  # noqa: F401
               norm, pool, shape)
from .registry import SPECS, LayerContext, LayerSpec, Msg, register

__all__ = ["SPECS", "LayerContext", "LayerSpec", "Msg", "register"]
