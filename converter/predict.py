"""Segmentation maps from a Caffe model or a converted output, in any framework.

Shared by ``caffe2ss eval``, ``caffe2ss infer`` and the demo. Everything around the
framework call (preprocessing, resizing logits to the image, argmax) is numpy, so every
framework gets exactly the same treatment.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import CaffeError

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

    def logits(self, images: list[np.ndarray]) -> np.ndarray:
        """Class scores ``(N, C, h, w)`` float32 for equal-size RGB uint8 images."""
        out = self.runner({self.input: preprocess(images, self.preprocessing)})
        if self.output not in out:
            raise CaffeError(f"the {self.framework} run returned no blob '{self.output}' "
                             f"(got {sorted(out)})", file=self.source)
        y = np.asarray(out[self.output], np.float32)
        if y.ndim != 4 or y.shape[0] != len(images):
            raise CaffeError(f"output '{self.output}' has shape {y.shape}; segmentation "
                             "needs (N, classes, H, W)", file=self.source)
        return y

    def predict(self, images: list[np.ndarray]) -> list[np.ndarray]:
        """Per-image ``(H, W)`` argmax maps at the images' own (equal) size."""
        h, w = images[0].shape[:2]
        y = self.logits(images)
        if y.shape[2:] != (h, w):  # e.g. DeepLab's stride-8 scores without an Interp
            y = resize_bilinear(y, h, w)
        dtype = np.uint8 if y.shape[1] <= 256 else np.int32
        return list(np.argmax(y, axis=1).astype(dtype))  # first max on ties, like numpy/Caffe


def preprocess(images: list[np.ndarray], pre: dict) -> np.ndarray:
    """RGB uint8 HxWx3 images -> the net's NCHW float32 input, as Caffe's transformer.

    Channels are reordered to ``channel_order`` (BGR for Caffe nets), the per-channel
    ``mean`` (given in the net's order) is subtracted from the 0-255 values, then the
    result is multiplied by ``scale`` (Caffe subtracts first, then scales).
    """
    x = np.stack(images).astype(np.float32)  # N, H, W, 3 in 0..255
    if str(pre.get("channel_order", "BGR")).upper() == "BGR":
        x = x[..., ::-1]
    if pre.get("mean") is not None:
        mean = np.asarray(pre["mean"], np.float32)
        x = x - (mean if mean.size == 3 else mean.reshape(-1)[:1])
    scale = float(pre.get("scale", 1.0) or 1.0)
    if scale != 1.0:
        x = x * np.float32(scale)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)


def resize_bilinear(x: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Align-corners bilinear resize of NCHW ``x``, computed like Caffe's Interp.

    Same formula and float32 order as DeepLab's ``caffe_gpu_interp2`` (and
    ``tf.image.resize_bilinear(..., align_corners=True)`` in the DeepLab-TF seed): source
    coordinate ``i * (in - 1) / (out - 1)``, width first, then height.
    """
    _, _, h, w = x.shape

    def taps(n_in, n_out):
        r = np.float32((n_in - 1) / (n_out - 1)) if n_out > 1 else np.float32(0)
        src = r * np.arange(n_out, dtype=np.float32)
        i0 = np.minimum(src.astype(np.int64), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)  # the last row/col has no right neighbour
        lam = (src - i0).astype(np.float32)
        return i0, i1, np.float32(1) - lam, lam

    c0, c1, cw0, cw1 = taps(w, out_w)
    t = x[..., c0] * cw0 + x[..., c1] * cw1
    r0, r1, rw0, rw1 = taps(h, out_h)
    return (t[:, :, r0, :] * rw0[:, None] + t[:, :, r1, :] * rw1[:, None]).astype(np.float32)


def find_sidecar(path: Path) -> Path | None:
    """The provenance JSON of a converted output (``<out>.json`` or inside a folder)."""
    cands = [Path(f"{path}.json"), path.with_suffix(".json")]
    if path.is_dir():
        cands += sorted(path.glob("*.json"))
    return next((c for c in cands if c.is_file() and c != path), None)


def open_model(model, framework: str | None = None, prototxt=None, fork=None,
               output: str | None = None) -> Model:
    """Load MODEL: a Caffe file (run by ``framework``'s backend, default torch) or a
    converted output with its sidecar (run by the framework it was converted to)."""
    from .backends import get_backend

    path = Path(model)
    if not path.exists():
        raise CaffeError("model not found", file=path)
    if prototxt is not None or path.suffix.lower() in CAFFE_SUFFIXES:
        from .reader import load

        fw = framework or "torch"
        backend = get_backend(fw)
        net = load(path, prototxt, fork)
        runner = lambda inputs: backend.run(net, inputs)  # noqa: E731
        pre = net.preprocessing.as_dict()
    else:
        side = find_sidecar(path)
        if side is None:
            raise CaffeError("not a .caffemodel/.prototxt and no caffe2ss sidecar JSON "
                             f"({path.name}.json) next to it; convert it with caffe2ss "
                             "convert, or pass the .caffemodel", file=path)
        try:
            meta = json.loads(side.read_text())
        except (OSError, ValueError) as e:
            raise CaffeError(f"cannot read the sidecar: {e}", file=side) from None
        fw = meta.get("framework") or framework or "torch"
        if framework and framework != fw:
            print(f"caffe2ss: note: {path.name} was converted to {fw}; running it with "
                  f"{fw}, not {framework}", file=sys.stderr)
        net, runner = get_backend(fw).load_converted(path)
        pre = meta.get("preprocessing") or net.preprocessing.as_dict()
    return Model(net, runner, pre, fw, str(path), next(iter(net.inputs)),
                 output or _score_blob(net, path))


def _score_blob(net, path) -> str:
    outs = net.outputs()
    if not outs:
        raise CaffeError("the net has no output blob", file=path)
    return outs[0] if len(outs) == 1 else next(
        (o for o in outs if o in ("score", "fc8_interp", "fc8_voc12")), outs[-1])
