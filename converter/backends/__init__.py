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

import contextlib
import importlib
import os
import sys

from ..errors import CaffeError

#: The ONNX opset written unless ``--opset`` says otherwise (read by the CLI and the backend).
ONNX_DEFAULT_OPSET = 17

#: backend name -> (module, the pip extra that installs its framework, framework module)
BACKENDS = {
    "torch": ("caffe2ss.converter.backends.torch", "torch", "torch"),
    "tf": ("caffe2ss.converter.backends.tf", "tf", "tensorflow"),
    "onnx": ("caffe2ss.converter.backends.onnx", "onnx", "onnxruntime"),
}


def get_backend(name: str, *, framework: bool = True):
    """Import a backend; a missing framework becomes a CaffeError naming the extra.

    ``framework=False`` imports the backend module alone, for work that needs less
    than the framework: ``convert --to torch --format safetensors`` writes with numpy
    (the torch backend imports torch on first use of ``run``/``load_converted``), and
    ``convert --to onnx`` needs ``onnx`` but not onnxruntime.
    """
    if name not in BACKENDS:
        raise CaffeError(f"unknown framework '{name}'; choose from {', '.join(BACKENDS)}",
                         field="framework")
    module, extra, fw = BACKENDS[name]
    if fw == "tensorflow":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TF's C++ INFO/ERROR lines
    try:
        with _quiet_stderr(fw == "tensorflow"):
            if framework:
                importlib.import_module(fw)
            return importlib.import_module(module)
    except ImportError as e:  # the framework, or a package of the same extra (h5py, onnx)
        missing = (e.name or fw).split(".")[0]
        if missing.startswith("caffe2ss"):
            raise
        raise CaffeError(f"{missing} is not installed; install it with "
                         f"pip install 'caffe2ss[{extra}]'", field="framework") from None


@contextlib.contextmanager
def _quiet_stderr(active: bool):
    """Silence the C++ start-up lines TensorFlow writes to fd 2 before its logging is
    configured (absl, oneDNN, CUDA probes); Python exceptions are unaffected."""
    if not active:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
