"""Segmentation maps from a Caffe model or a converted output, in any framework.

Shared by ``caffe2ss eval``, ``caffe2ss infer`` and the demo. Everything around the
framework call (preprocessing, resizing logits to the image, argmax) is numpy, so every
framework gets exactly the same treatment.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import CaffeError, printable
from ..sidecar_schema import read_verified
from .prepost import preprocess, resize_bilinear
from ..backends import get_backend
from ..provenance import find_sidecar
from ..reader.load import load

#: Files ``load`` reads; anything else is taken to be a converted output with a sidecar.
CAFFE_SUFFIXES = (".caffemodel", ".prototxt", ".pbtxt", ".binaryproto")


@dataclass
class Model:
    """A runnable segmentation net: ``runner({input: NCHW}) -> {blob: NCHW}``."""

    net: object
    runner: Callable
    preprocessing: dict
    framework: str
    source: str
    input: str
    output: str
    #: number of classes of the head, known after the first run.
    n_classes: int | None = None
    #: (N, C, H, W) an exported graph is fixed to (None: a dimension left open), or None.
    fixed_shape: tuple | None = None
    #: (layer name, (H, W)) when a layer (InnerProduct) fixes the input size, else None.
    fixed_by: tuple | None = None

    def logits(self, images: list[np.ndarray]) -> np.ndarray:
        """Class scores ``(N, C, h, w)`` float32 for equal-size RGB uint8 images."""
        fixed, (h, w) = self.fixed_shape, images[0].shape[:2]
        if self.fixed_by and (h, w) != tuple(self.fixed_by[1]):
            fh, fw = self.fixed_by[1]
            raise CaffeError(f"the image is {h}x{w} (HxW) but this net's input size is fixed "
                             f"at {fh}x{fw} by layer '{self.fixed_by[0]}' (InnerProduct); "
                             f"resize the images to {fw}x{fh} (WxH) first", file=self.source)
        if fixed and fixed[2] is not None and (h, w) != tuple(fixed[2:]):
            raise CaffeError(f"this {self.framework} model was exported for {fixed[2]}x"
                             f"{fixed[3]} (HxW) inputs, not {h}x{w}; convert it again with "
                             f"--dynamic-hw (or --input-shape 1,3,{h},{w})", file=self.source)
        if fixed and fixed[0] is not None and len(images) != fixed[0]:
            if fixed[0] != 1:
                raise CaffeError(f"this {self.framework} model takes batches of {fixed[0]}; "
                                 "use --batch-size 1 or convert it again", file=self.source)
            return np.concatenate([self.logits([im]) for im in images])  # batch fixed at 1
        out = self.runner({self.input: preprocess(images, self.preprocessing)})
        if self.output not in out:
            raise CaffeError(f"the {self.framework} run returned no blob '{self.output}' "
                             f"(got {sorted(out)})", file=self.source)
        y = np.asarray(out[self.output], np.float32)
        if y.ndim != 4 or y.shape[0] != len(images):
            raise CaffeError(f"output '{self.output}' has shape {y.shape}; segmentation "
                             "needs (N, classes, H, W)", file=self.source)
        self.n_classes = y.shape[1]
        return y

    def predict(self, images: list[np.ndarray]) -> list[np.ndarray]:
        """Per-image ``(H, W)`` argmax maps at the images' own (equal) size."""
        fixed = self.fixed_shape
        if fixed and fixed[0] == 1 and len(images) > 1:  # one run per image: map each now
            return [m for im in images for m in self.predict([im])]
        h, w = images[0].shape[:2]
        y = self.logits(images)
        if y.shape[2:] != (h, w):  # e.g. DeepLab's stride-8 scores without an Interp
            y = resize_bilinear(y, h, w)
        dtype = np.uint8 if y.shape[1] <= 256 else np.int32
        return list(np.argmax(y, axis=1).astype(dtype))  # first max on ties, like numpy/Caffe


def open_model(model, framework: str | None = None, prototxt=None, fork=None,
               output: str | None = None, inputs=None) -> Model:
    """Load MODEL: a Caffe file (run by ``framework``'s backend, default torch) or a
    converted output with its sidecar (run by the framework it was converted to).
    ``inputs``: the Caffe net's input blob(s), as ``--input`` names them."""
    path = Path(model)
    caffe = prototxt is not None or path.suffix.lower() in CAFFE_SUFFIXES
    if not path.exists() and (caffe or find_sidecar(path) is None):
        raise CaffeError("model not found", file=path)  # a prefix needs its <prefix>.json
    if caffe:
        fw = framework or "torch"
        backend = get_backend(fw)
        net = load(path, prototxt, fork, inputs)
        runner = lambda inputs: backend.run(net, inputs)  # noqa: E731
        pre, fixed = net.preprocessing.as_dict(), None
    else:
        side = find_sidecar(path)
        if side is None:
            raise CaffeError("not a .caffemodel/.prototxt and no caffe2ss sidecar JSON "
                             f"({path.name}.json) next to it; convert it with caffe2ss "
                             "convert, or pass the .caffemodel", file=path)
        meta = read_verified(side)  # weights and sidecar of one conversion
        fw = meta["framework"]
        if framework and framework != fw:
            print(printable(f"caffe2ss: note: {path.name} was converted to {fw}; running "
                            f"it with {fw}, not {framework}"), file=sys.stderr)
        if meta.get("model"):  # a registry model (caffe2ss train's final.*): create()
            return _open_registry(path, meta, fw, output)
        net, runner = get_backend(fw).load_converted(path)
        pre = dict(meta.get("preprocessing") or net.preprocessing.as_dict())
        pre["source"] = f"sidecar {side.name}" + (f" ({pre['source']})"
                                                   if pre.get("source") else "")
        fixed = _fixed_shape(meta)
    if pre.get("mean") is None:
        print(printable(f"caffe2ss: note: {path.name} records no mean; images are fed as raw "
                        f"0-255 {pre.get('channel_order', 'BGR')} values"), file=sys.stderr)
    return Model(net, runner, pre, fw, str(path), next(iter(net.inputs)),
                 output or _score_blob(net, path), fixed_shape=fixed,
                 fixed_by=_fixed_by(net))


def _fixed_by(net):
    """The first InnerProduct layer and the declared HxW it fixes, or None."""
    shape = next(iter(net.inputs.values()), None)
    if not shape or len(shape) != 4:
        return None
    layer = next((l for l in net.layers if l.type == "InnerProduct"), None)
    return (layer.name, tuple(shape[2:])) if layer is not None else None


def _open_registry(path: Path, meta: dict, fw: str, output=None) -> Model:
    """A registry model rebuilt by ``caffe2ss.models.create`` from the sidecar's ``model``
    field (provenance version 2), its weights loaded; no Caffe net behind it."""
    import importlib

    saved = importlib.import_module("caffe2ss.models.saved")
    try:
        model = saved.build_saved(path, meta)
    except (KeyError, ValueError, TypeError, RuntimeError, OSError) as e:
        raise CaffeError(f"cannot rebuild the registry model {meta['model'].get('registry')!r} "
                         f"from its sidecar: {e}", file=path) from None
    out = output or "score"
    return Model(None, saved.runner(model, fw, "data", out), meta.get("preprocessing") or {},
                 fw, str(path), "data", out)


def _fixed_shape(meta: dict):
    """ONNX exports fix the batch, and the height and width unless ``dynamic_hw``."""
    shape = (meta.get("input") or {}).get("shape")
    if meta.get("framework") != "onnx" or not shape or len(shape) != 4:
        return None
    return (shape[0], shape[1]) + ((None, None) if meta.get("dynamic_hw") else tuple(shape[2:]))


def _score_blob(net, path) -> str:
    outs = net.outputs()
    if not outs:
        raise CaffeError("the net has no output blob", file=path)
    return outs[0] if len(outs) == 1 else next(
        (o for o in outs if o in ("score", "fc8_interp", "fc8_voc12")), outs[-1])
