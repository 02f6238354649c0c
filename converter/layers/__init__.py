"""Supported Caffe layer types, one file per family; importing registers them all.

The families are discovered: every module of this package except :mod:`.registry` is
one. A backend implements a family in a module of the same name, found by
:func:`import_families`, so a new family is one new file here and one per backend.
"""
import importlib
import importlib.util
import pkgutil

from .registry import SPECS, WEIGHTLESS, LayerContext, LayerSpec, Msg, new_context, register

#: The layer families, discovered from this package's modules.
FAMILIES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__)
                        if m.name != "registry"))
for _family in FAMILIES:
    importlib.import_module(f"{__name__}.{_family}")


def import_families(package: str) -> list[str]:
    """Import ``<package>.<family>`` for each family the package implements (so its
    per-type functions register themselves); returns the families imported."""
    found = [f for f in FAMILIES if importlib.util.find_spec(f"{package}.{f}") is not None]
    for f in found:
        importlib.import_module(f"{package}.{f}")
    return found


__all__ = ["FAMILIES", "SPECS", "WEIGHTLESS", "LayerContext", "LayerSpec", "Msg",
           "import_families", "new_context", "register"]
