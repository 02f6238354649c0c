"""TensorFlow backend (needs the `tf` extra): NHWC rebuild, checkpoint, .weights.h5, SavedModel.

Contract (see ``caffe2ss.converter.backends``): ``SUPPORTED_TYPES``, :func:`run`,
:func:`convert` (in ``export.py``), :func:`load_converted`. Inputs and outputs of
``run`` and runners are NCHW float32 numpy (Caffe's layout); inside, 4-D blobs are
NHWC (``caffe2ss.models.tf.layout``).
"""
from __future__ import annotations

from pathlib import Path

from ...errors import CaffeError
from ...provenance import sidecar_path
from ...sidecar_schema import read_net
from ...memplan import check_memory
from ..runcache import cached_rebuild
from ....models.tf import rebuild as build
from ....models.tf.rebuild import build_model, run_model
from .export import convert, stem
from ....models.tf.builders import CONVERTERS
from .savedmodel import input_signature

#: Caffe types with a registered TF converter.
SUPPORTED_TYPES = set(CONVERTERS)

__all__ = ["SUPPORTED_TYPES", "convert", "load_converted", "run"]


def run(net, inputs: dict, *, blobs: bool = False) -> dict:
    """Run ``net`` in TF on NCHW float32 inputs (any size); NCHW float32 outputs.

    With ``blobs=True`` every Caffe blob by name (in-place chains: the final value).
    """
    shapes = {k: tuple(v.shape) for k, v in inputs.items()}
    check_memory(net, shapes, "tf")
    return run_model(_cached_model(net, shapes), net, inputs, blobs=blobs)


def _cached_model(net, shapes: dict):
    """The Keras rebuild for these input shapes, built once per net
    (:func:`..runcache.cached_rebuild`)."""
    return cached_rebuild(net, "_tf_models", lambda: build_model(net, shapes, weights=True),
                          key=tuple(sorted(shapes.items())))


def load_converted(path):
    """Rebuild from a converted output (any of its files) and its ``.json`` sidecar.

    Returns ``(net, runner)``; ``runner(inputs) -> outputs`` (NCHW numpy, like ``run``).
    The Keras rebuild of the sidecar's definition loads ``.weights.h5`` (or the
    checkpoint when given ``.index`` / the prefix and no ``.weights.h5`` is there).
    A SavedModel is never run: it is a program (its functions can write files), not
    data, so a ``.savedmodel`` path is refused with the files to pass instead.
    """
    if Path(path).suffix == ".savedmodel" or (Path(path) / "saved_model.pb").exists():
        base = stem(path)
        raise CaffeError("a SavedModel is a program and caffe2ss does not run one; pass "
                         f"the checkpoint ({base.name}.index) or {base.name}.weights.h5 "
                         "written next to it by caffe2ss convert", file=path)
    base = stem(path)
    side, net = read_net(sidecar_path(base))
    shape = {side["input"]["blob"]: side["input"]["shape"] or side["tf"]["build_shape"]}
    model = build_model(net, shape, weights=False)
    h5 = base.with_name(base.name + ".weights.h5")
    if str(path).endswith(".weights.h5") or (h5.exists() and Path(path).suffix != ".index"):
        model.load_weights(str(h5))
    else:
        model.restore_checkpoint(base)
    sig = input_signature(net, build.input_shapes(net, shape))

    def runner(inputs):
        _check_sizes(net, sig, inputs)
        return run_model(model, net, inputs)

    return net, runner


def _check_sizes(net, sig: dict, inputs: dict) -> None:
    """A net with an InnerProduct/Reshape is tied to the conversion's input size."""
    if len(inputs) == 1 and len(net.inputs) == 1:
        inputs = {next(iter(net.inputs)): next(iter(inputs.values()))}
    for name, x in inputs.items():
        dims = list(x.shape[:1]) + list(x.shape[2:]) + list(x.shape[1:2]) if x.ndim == 4 \
            else list(x.shape)
        if any(d is not None and d != g for d, g in zip(sig.get(name, []), dims)):
            want = [sig[name][i] for i in (0, 3, 1, 2)] if x.ndim == 4 else sig[name]
            raise CaffeError(f"input '{name}' has shape {tuple(x.shape)} but this converted "
                             f"net takes {want} (None: any); convert it again with "
                             "--input-shape for another size", field="input_shape")
