"""Write converted TF outputs: checkpoint, Keras .weights.h5, SavedModel, JSON sidecar.

For ``out = dir/name`` (a trailing .weights.h5 / .index / .json / .savedmodel is
dropped) :func:`convert` writes

* ``name.index`` + ``name.data-NNNNN-of-NNNNN``: a ``tf.train.Checkpoint`` whose object
  paths are ``<caffe layer>/<variable>`` (keys ``<caffe layer>/<variable>/.ATTRIBUTES/
  VARIABLE_VALUE``, as TF names them); read it with ``tf.train.load_checkpoint``;
* ``name.weights.h5``: Keras weights (``<layer>/vars/<i>``) for ``model.load_weights``;
* ``name.savedmodel/`` (``saved_model=True``): serving signature NHWC float32 -> outputs;
* ``name.json``: the provenance sidecar (with the definition, to rebuild the net).

Everything is written in a temporary folder next to the target and renamed into place
at the end, so a failure leaves no partial output. The same input gives byte-identical
checkpoint, ``.weights.h5`` and sidecar. A SavedModel is not byte-identical:
``fingerprint.pb`` holds a random uuid (TF's design), and ``saved_model.pb`` is the same
only between fresh processes (TF numbers traced functions per process).
"""
from __future__ import annotations

import glob
import os
import shutil
import tempfile
from pathlib import Path

from ... import fileio
from ...provenance import provenance, sidecar_path
from ...errors import CaffeError
from ...generation import clean_stale, fingerprint, tmp_prefix
from ...hashing import hash_soon
from ...pages import trimmed
from ...outpaths import TF_SUFFIXES as SUFFIXES, check_outputs, tf_stem as stem  # noqa: F401
from ...reader.weights import check_weights
from ....models.tf.rebuild import convert_net, input_shapes
from .checkpoint import checkpoint_key, write_weights
from . import savedmodel
from caffe2ss.models.tf.model import attr_names

#: layer types the rebuild computes with tf.numpy_function (no SavedModel)
NUMPY_TYPES = ("DetectionOutput",)



def convert(net, out, *, input_shape=None, saved_model: bool = False, **options) -> list[Path]:
    """Convert ``net`` to TF files (see the module docstring); returns the paths written."""
    unknown = sorted(k for k, v in options.items() if v not in (None, False))
    if unknown:
        raise CaffeError(f"option(s) {', '.join(unknown)} do not apply to --to tf; the tf "
                         "option is --saved-model", field=unknown[0])
    base = stem(out)
    if not base.parent.is_dir():
        raise CaffeError("the output folder does not exist; create it first", file=base.parent)
    check_outputs("tf", out, net.source.values())
    numpy_layers = [l.name for l in net.layers if l.type in NUMPY_TYPES]
    if saved_model and numpy_layers:
        raise CaffeError(f"{NUMPY_TYPES[0]} runs in numpy inside the rebuild "
                         "(tf.numpy_function), which a SavedModel cannot carry; convert "
                         "without --saved-model (the checkpoint and .weights.h5 rebuild it)",
                         layer=numpy_layers[0], field="saved_model")
    shapes_in = input_shapes(net, input_shape)
    tf_layers, shapes = convert_net(net, shapes_in)
    check_weights(net)
    variables = {k: t.weights for k, t in tf_layers.items() if t.weights}
    attrs = attr_names([l.name for l in net.layers])
    clean_stale(base.parent, base.name)  # temporaries of an earlier, killed run
    for source in net.source.values():
        hash_soon(source)  # the sidecar waits for it, after the weights
    tmp = Path(tempfile.mkdtemp(prefix=tmp_prefix(base.name), dir=base.parent))
    try:
        with trimmed([a for vs in variables.values() for a in vs.values()]) as drop:
            hashes = write_weights(tmp / base.name, tmp / (base.name + ".weights.h5"),
                                   variables, attrs, copied=drop)
        signature = None
        if saved_model:
            signature = savedmodel.write_saved_model(tmp / (base.name + ".savedmodel"), net,
                                                     shapes_in)
        written = sorted(tmp.iterdir())
        side = sidecar(net, variables, attrs, input_shape, shapes_in, written, signature,
                       hashes)
        fileio.write_json_atomic(sidecar_path(tmp / base.name), side)
        finals = [base.parent / p.name for p in written] + [sidecar_path(base)]
        for final in finals:
            _replace(tmp / final.name, final)
        for old in set(base.parent.glob(glob.escape(base.name) + ".data-*-of-*")) - set(finals):
            old.unlink()  # shards of an earlier conversion to the same name
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finals


def _replace(src: Path, dst: Path) -> None:
    if src.is_dir() and dst.is_dir():  # a directory cannot be renamed onto another
        old = dst.with_name(tmp_prefix(dst.name) + "old")  # clean_stale finds it if killed
        os.replace(dst, old)
        os.replace(src, dst)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(src, dst)


def sidecar(net, variables, attrs, given, shapes_in, written, signature,
            hashes: dict | None = None) -> dict:
    """The provenance sidecar, with the TF file hashes (``hashes``: those already
    computed, by file name), names and layouts."""
    hashes = hashes or {}
    names = {k: [f"{k}/{v}" for v in vs] for k, vs in variables.items()}
    name = next(iter(net.inputs))
    known = given if given is not None and not isinstance(given, dict) else \
        (given or {}).get(name, net.inputs.get(name))
    side = provenance(net, "tf", names, known)
    # size + quick hash per file, verified by load_converted (one generation)
    side["fingerprints"] = {p.name: fingerprint(p) for p in written if p.is_file()}
    side["input"]["shape_order"] = "NCHW (Caffe's); the TF model takes NHWC"
    side["tf"] = {
        "build_shape": list(shapes_in[name]),  # the shape the variables were sized at
        "files": {p.name: hashes.get(p.name) or fileio.sha256(p)
                  for p in written if p.is_file()},
        "saved_model": next((p.name for p in written if p.is_dir()), None),
        "serving_signature": signature,
        "checkpoint_keys": {f"{k}/{v}": checkpoint_key(k, v)
                            for k, vs in variables.items() for v in vs},
        "keras_layers": {k: attrs[k] for k in variables},
        "layouts": {"activations": "NHWC for 4-D blobs, Caffe order otherwise",
                    "conv_kernel": "HWIO (kh, kw, C/group, O)",
                    "deconv_kernel": "(kh, kw, O/group, C_in), conv2d_transpose",
                    "inner_product_kernel": "(K, N); rows H,W,C after a 4-D blob (axis 1)",
                    "batchnorm": "moving_mean/moving_variance divided by Caffe's factor",
                    "scale_bias": "parameter axes in NHWC order"},
    }
    return side
