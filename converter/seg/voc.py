"""PASCAL VOC files: class names, the colormap, palette-PNG labels, images and splits.

numpy + Pillow only. Pillow ships with every framework extra and is imported lazily.
Labels are read as class indices from palette ('P') PNGs, never converted to RGB.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import CaffeError
from ..fileio import atomic_path

#: The 21 PASCAL VOC segmentation classes, index = class id (255 is "void").
VOC_CLASSES = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat",
    "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant",
    "sheep", "sofa", "train", "tvmonitor")
IGNORE_LABEL = 255
IMAGE_EXTS = (".jpg", ".jpeg", ".png")


def voc_colormap(n: int = 256) -> np.ndarray:
    """The standard VOC colormap, ``(n, 3)`` uint8: bits of the id interleaved into RGB."""
    ids, cmap = np.arange(n), np.zeros((n, 3), np.uint8)
    for j in range(8):  # bits 3j, 3j+1, 3j+2 of the id -> bit 7-j of R, G, B
        for ch in range(3):
            cmap[:, ch] |= (((ids >> (3 * j + ch)) & 1) << (7 - j)).astype(np.uint8)
    return cmap


VOC_COLORMAP = voc_colormap()


def pil():
    """Import Pillow, or say how to install it."""
    try:
        from PIL import Image
    except ImportError:
        raise CaffeError("Pillow is needed to read and write images; install it with "
                         "pip install 'caffe2ss[torch]' (or [tf], [onnx]: every framework "
                         "extra includes it)") from None
    return Image


def _open(path, what: str, decode: bool = True):
    Image = pil()
    path = Path(path)
    if not path.is_file():
        raise CaffeError(f"{what} not found", file=path)
    try:
        im = Image.open(path)
        if decode:
            im.load()  # decode now, so a truncated or corrupt file fails here
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise CaffeError(f"cannot read {what} ({e}); is it an image Pillow can read?",
                         file=path) from None
    return im


def read_label(path) -> np.ndarray:
    """A VOC label PNG as ``(H, W)`` uint8 class indices (255 = void).

    Palette ('P') PNGs give their indices; 8-bit grayscale ('L') is accepted as-is. An RGB
    label is refused: its colours are not class ids.
    """
    im = _open(path, "label")
    if im.mode not in ("P", "L"):
        raise CaffeError(f"label is a '{im.mode}' image, not class indices; save labels as "
                         "palette ('P') PNGs whose pixel values are class ids, like VOC's "
                         "SegmentationClass (caffe2ss.converter.seg.voc.write_palette_png)",
                         file=path)
    return np.asarray(im, dtype=np.uint8).copy()  # P: indices, never converted to RGB


def write_palette_png(path, mask) -> None:
    """Write ``(H, W)`` class ids (0-255) as a palette PNG in the VOC colormap, atomically."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise CaffeError(f"a mask must be 2-D (H, W), got shape {mask.shape}", file=path)
    if mask.size and (mask.min() < 0 or mask.max() > 255):
        raise CaffeError("mask values must be class ids in 0..255", file=path)
    im = pil().fromarray(np.ascontiguousarray(mask, dtype=np.uint8))
    im.putpalette(VOC_COLORMAP.tobytes())  # 'L' -> 'P', indices kept
    with atomic_path(path, suffix=".png") as tmp:
        im.save(tmp, format="PNG")


def read_image(path) -> np.ndarray:
    """Any image Pillow reads, as RGB ``(H, W, 3)`` uint8 (grayscale/RGBA/palette converted)."""
    im = _open(path, "image")
    if im.mode != "RGB":
        im = im.convert("RGB")
    return np.asarray(im, dtype=np.uint8)


def image_size(path) -> tuple[int, int]:
    """``(H, W)`` of an image, from its header only."""
    with _open(path, "image", decode=False) as im:
        return im.size[1], im.size[0]


def read_split(root, split: str) -> list[str]:
    """Image ids listed in ``ROOT/ImageSets/Segmentation/<split>.txt``."""
    root = Path(root)
    if not root.is_dir():
        raise CaffeError("VOC root not found; pass the folder holding JPEGImages/, "
                         "SegmentationClass/ and ImageSets/Segmentation/", file=root)
    sets = root / "ImageSets" / "Segmentation"
    f = sets / f"{split}.txt"
    if not f.is_file():
        have = sorted(p.stem for p in sets.glob("*.txt")) if sets.is_dir() else []
        hint = f"; splits here: {', '.join(have)}" if have else \
            "; is this a VOC root (ImageSets/Segmentation/<split>.txt)?"
        raise CaffeError(f"split '{split}' not found{hint}", file=f)
    ids = [line.split()[0] for line in f.read_text().splitlines() if line.strip()]
    if not ids:
        raise CaffeError(f"split '{split}' lists no images", file=f)
    return ids


@dataclass(frozen=True)
class VOCSample:
    """One image of a VOC split: its id, image file and label file."""

    id: str
    image: Path
    label: Path

    def load(self) -> tuple[np.ndarray, np.ndarray]:
        """``(RGB image (H, W, 3) uint8, label (H, W) uint8)``; sizes must match."""
        img, lab = read_image(self.image), read_label(self.label)
        if img.shape[:2] != lab.shape:
            raise CaffeError(f"label is {lab.shape[0]}x{lab.shape[1]} (HxW) but its image "
                             f"{self.image} is {img.shape[0]}x{img.shape[1]}; a label must "
                             "have its image's size", file=self.label)
        return img, lab


def voc_samples(root, split: str = "val") -> list[VOCSample]:
    """The samples of a split; a missing image or label fails now, naming the file."""
    root = Path(root)
    out = []
    for i in read_split(root, split):
        cands = [root / "JPEGImages" / f"{i}{e}" for e in IMAGE_EXTS]
        image = next((p for p in cands if p.is_file()), None)
        if image is None:
            raise CaffeError(f"image '{i}' of split '{split}' not found", file=cands[0])
        label = root / "SegmentationClass" / f"{i}.png"
        if not label.is_file():
            raise CaffeError(f"label of image '{i}' (split '{split}') not found", file=label)
        out.append(VOCSample(i, image, label))
    return out
