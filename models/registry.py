"""The model registry: one name per trainable family, a PyTorch and a Keras builder each.

In the style of timm/torchvision: a module in ``models/families/`` (framework-free: the
registration and the Caffe key map beside it) calls :func:`register_model` at import; a
duplicate name raises. The registry itself imports no framework: builders are
named as ``"module:function"`` strings and imported only by :func:`caffe2ss.models.create`.

Both builders take the same keyword arguments (``num_classes`` first; Keras builders
also take ``input_size=(H, W)``), so a family is written twice in the same shape.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Preprocessing:
    """What the model expects: ``x = (image[channel_order] * range - mean) * scale``."""

    channel_order: str = "bgr"          # "bgr" (Caffe's) or "rgb"
    mean: tuple = (104.00699, 116.66877, 122.67892)  # per channel, in channel_order
    scale: float = 1.0
    input_range: str = "0-255"          # "0-255" or "0-1"


@dataclass(frozen=True)
class InitSource:
    """A Caffe model the family can be initialised from, and the key map that does it.

    ``keymap`` names a framework-free function ``(weights, shapes, **build_args) -> KeyMap``
    (``"module:function"``, see :mod:`caffe2ss.models.keymap`) that lives beside the model; ``prototxt`` names the published
    deploy net it expects (a file name in the project's data or a description).
    """

    name: str
    prototxt: str
    keymap: str
    note: str = ""
    #: Caffe layer names whose presence identifies this source (``create`` picks the
    #: first source whose signature the weights hold)
    signature: tuple = ()
    #: builder arguments this source needs (e.g. ``{"caffe_exact": True}``: the Caffe
    #: net's own padding and pooling); ``create`` applies them under the user's kwargs
    build_args: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ModelEntry:
    """One registered family: builders, defaults, constraints and init sources."""

    name: str
    torch: str                           # "module:function" returning an nn.Module
    tf: str                              # "module:function" returning a keras.Model
    summary: str = ""
    num_classes: int = 21
    input_multiple: int = 1              # H and W must be multiples of this
    preprocessing: Preprocessing = field(default_factory=Preprocessing)
    init_sources: tuple = ()             # InitSource, ...
    #: documented parameter counts, {num_classes: count} (torch counts BN running stats)
    param_counts: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)  # extra builder kwargs, e.g. conv_type

    def describe(self) -> dict:
        """Framework-free summary: name, documented parameter count for 2 classes,
        input constraint, preprocessing and init sources (``caffe2ss models``)."""
        m = self.input_multiple
        return {
            "name": self.name,
            "summary": self.summary,
            "params_2_classes": self.param_counts.get(2),
            "param_counts": {str(k): v for k, v in sorted(self.param_counts.items())},
            "num_classes": self.num_classes,
            "input": "any size" if m == 1 else f"H, W multiples of {m}",
            "input_multiple": m,
            "preprocessing": {"channel_order": self.preprocessing.channel_order,
                              "mean": list(self.preprocessing.mean),
                              "scale": self.preprocessing.scale,
                              "input_range": self.preprocessing.input_range},
            "init_sources": [{"name": s.name, "prototxt": s.prototxt, "note": s.note}
                             for s in self.init_sources],
            "defaults": dict(self.defaults),
        }

    def builder(self, framework: str):
        """The builder function for ``framework`` ("torch" or "tf"), imported now."""
        if framework not in ("torch", "tf"):
            raise ValueError(f"framework must be 'torch' or 'tf', not {framework!r}")
        module, _, attr = getattr(self, framework).partition(":")
        return getattr(importlib.import_module(module), attr)


MODELS: dict[str, ModelEntry] = {}


def register_model(name: str, **kwargs) -> ModelEntry:
    """Register a family under ``name``; raises ``ValueError`` if the name is taken."""
    if name in MODELS:
        raise ValueError(f"model {name!r} registered twice")
    entry = MODELS[name] = ModelEntry(name=name, **kwargs)
    return entry


def get_model(name: str) -> ModelEntry:
    """The entry for ``name``; the error lists the registered names."""
    _load_families()
    try:
        return MODELS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; registered: {', '.join(sorted(MODELS))}") \
            from None


def list_models() -> list[ModelEntry]:
    """Every registered family, sorted by name."""
    _load_families()
    return [MODELS[k] for k in sorted(MODELS)]


def _load_families() -> None:
    """Import every module of ``caffe2ss.models.families`` (each registers its family)."""
    import pkgutil

    from . import families

    for info in pkgutil.iter_modules(families.__path__):
        importlib.import_module(f"{families.__name__}.{info.name}")


def check_input_size(entry: ModelEntry, size: Optional[tuple]) -> None:
    """Raise ``ValueError`` with the fix if ``size`` (H, W) breaks the family's constraint."""
    if size is None or entry.input_multiple == 1:
        return
    h, w = size
    m = entry.input_multiple
    if h % m or w % m:
        raise ValueError(f"{entry.name}: input height and width must be multiples of {m}, "
                         f"got {h}x{w}; resize or pad to e.g. "
                         f"{-(-h // m) * m}x{-(-w // m) * m}")
