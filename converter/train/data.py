"""Training samples: a VOC split or a DeepLab list, and the checks made before training.

A DeepLab list has one ``/JPEGImages/x.jpg /SegmentationClassAug/x.png`` pair a line,
relative to ``--voc-root`` (a leading '/' is relative to the root too, as in DeepLab's
``train_aug.txt``). Labels may be palette or single-channel PNGs: both are read as class
indices (:func:`caffe2ss.converter.voc.read_label`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import CaffeError
from ..seg.voc import IGNORE_LABEL, VOCSample, image_size, read_label, voc_samples


def read_list(root, list_file) -> list[VOCSample]:
    """The samples of a DeepLab list file; missing files fail now, naming the line."""
    root, list_file = Path(root), Path(list_file)
    if not list_file.is_file():
        raise CaffeError("data list not found", file=list_file)
    out = []
    for n, line in enumerate(list_file.read_text().splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2:
            raise CaffeError(f"line {n}: expected '<image> <label>' (DeepLab list format, "
                             f"e.g. /JPEGImages/x.jpg /SegmentationClassAug/x.png), got "
                             f"{len(parts)} fields", file=list_file)
        img, lab = (root / p.lstrip("/") for p in parts)
        for p, what in ((img, "image"), (lab, "label")):
            if not p.is_file():
                raise CaffeError(f"line {n}: {what} {p} not found (paths are relative to "
                                 "--voc-root)", file=list_file)
        out.append(VOCSample(img.stem, img, lab))
    if not out:
        raise CaffeError("the data list names no images", file=list_file)
    return out


def training_samples(root, split: str = "train", data_list=None) -> list[VOCSample]:
    """``--data-list`` if given, else ``ROOT/ImageSets/Segmentation/<split>.txt``."""
    if data_list:
        return read_list(root, data_list)
    return voc_samples(root, split)  # an empty or missing split fails with the fix


def check_samples(samples, num_classes: int, *, crop=None, min_scale: float = 1.0,
                  pad: bool = True) -> None:
    """Refuse, before training, labels outside ``[0, num_classes) U {255}``, a label
    whose size differs from its image's, and (``pad=False``) a crop larger than the
    smallest scaled image. Reads every label once (headers only for images)."""
    for s in samples:
        lab = read_label(s.label)
        h, w = image_size(s.image)
        if lab.shape != (h, w):
            raise CaffeError(f"label is {lab.shape[0]}x{lab.shape[1]} (HxW) but its image "
                             f"{s.image} is {h}x{w}; a label must have its image's size",
                             file=s.label)
        bad = lab[(lab >= num_classes) & (lab != IGNORE_LABEL)]
        if bad.size:
            raise CaffeError(f"label value {int(bad.max())} is outside 0..{num_classes - 1} "
                             f"and not the ignore label {IGNORE_LABEL}; set --num-classes "
                             "to the data set's class count", file=s.label)
        if crop is not None and not pad:
            sh, sw = int(h * min_scale), int(w * min_scale)
            if crop[0] > sh or crop[1] > sw:
                raise CaffeError(f"crop {crop[0]}x{crop[1]} is larger than the image scaled "
                                 f"by {min_scale} ({sh}x{sw}) and padding is disabled; "
                                 "use a smaller --crop or a larger --scale-range minimum",
                                 file=s.image)


def label_values(samples) -> np.ndarray:
    """The sorted distinct label values over ``samples`` (for reports)."""
    vals = set()
    for s in samples:
        vals.update(np.unique(read_label(s.label)).tolist())
    return np.array(sorted(vals))
