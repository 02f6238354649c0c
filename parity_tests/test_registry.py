"""Every backend converts every layer type the reader accepts; registries reject duplicates."""
from __future__ import annotations

import importlib

import pytest

from caffe2ss.converter.layers import SPECS, register

FRAMEWORKS = {"torch": "torch", "tf": "tensorflow", "onnx": "onnxruntime"}


@pytest.mark.parametrize("backend", list(FRAMEWORKS))
def test_backend_covers_every_reader_type(backend):
    pytest.importorskip(FRAMEWORKS[backend])
    mod = importlib.import_module(f"caffe2ss.converter.backends.{backend}")
    assert set(mod.SUPPORTED_TYPES) == set(SPECS)


def test_registering_a_type_twice_raises():
    with pytest.raises(ValueError, match="registered twice"):
        @register("Convolution", family="conv")
        class Again:  # noqa: D401 - a deliberate duplicate
            infer = staticmethod(lambda p, s, c: s)


def test_every_spec_names_its_family_file():
    families = {s.family for s in SPECS.values()}
    for fam in families:
        importlib.import_module(f"caffe2ss.converter.layers.{fam}")
