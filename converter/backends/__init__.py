"""Framework backends, imported only when asked for.

Every backend module ``caffe2ss.converter.backends.<name>`` exposes:

* ``SUPPORTED_TYPES``: the Caffe layer types it has a registered converter for (must
  equal the reader's registry, ``caffe2ss.converter.layers.SPECS``);
* ``run(net, inputs, *, blobs=False) -> dict``: execute the rebuilt net on NCHW float32
  numpy inputs (any spatial size) and return NCHW float32 numpy arrays: every Caffe blob
  by name (final value for in-place blobs) when ``blobs`` is true, else the outputs;
* ``convert(net, out, *, input_shape=None, **options) -> list[Path]``: write the
  converted weights (atomically) plus the JSON provenance sidecar;
* ``load_converted(path) -> (net, runner)``: rebuild from a converted output and its
  sidecar; ``runner(inputs) -> outputs`` as ``run`` does.
"""
from __future__ import annotations

import importlib

from ..errors import CaffeError

#: backend name -> (module, the pip extra that installs its framework, framework module)
BACKENDS = {
    "torch": ("caffe2ss.converter.backends.torch", "torch", "torch"),
    "tf": ("caffe2ss.converter.backends.tf", "tf", "tensorflow"),
    "onnx": ("caffe2ss.converter.backends.onnx", "onnx", "onnxruntime"),
}


def get_backend(name: str):
    """Import a backend; a missing framework becomes a CaffeError naming the extra."""
    if name not in BACKENDS:
        raise CaffeError(f"unknown framework '{name}'; choose from {', '.join(BACKENDS)}",
                         field="framework")
    module, extra, framework = BACKENDS[name]
    try:
        importlib.import_module(framework)
    except ImportError:
        raise CaffeError(f"{framework} is not installed; install it with "
                         f"pip install 'caffe2ss[{extra}]'", field="framework") from None
    return importlib.import_module(module)
