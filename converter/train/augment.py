"""numpy data augmentation for segmentation training (the same in every framework).

Order, as DeepLab's ImageSegData layer: random scale (bilinear image, nearest label),
random mirror, then a random crop. Where the crop overflows the image, the image is
padded with the mean and the label with 255 (ignored), never with 0: padding labels with
0 teaches "background" on pixels that do not exist (the DeepLab-TF seed's bug).

Randomness comes only from the ``rng`` passed in; the training loops derive it from
(seed, epoch, sample index), so a sample's augmentation does not depend on the number of
DataLoader workers or processes, and a resumed run sees the same crops.
"""
from __future__ import annotations

import numpy as np

from ..seg.voc import IGNORE_LABEL, pil


def sample_rng(seed: int, epoch: int, index: int) -> np.random.Generator:
    """The generator for one sample of one epoch."""
    return np.random.default_rng([int(seed), int(epoch), int(index)])


def rescale(image: np.ndarray, label: np.ndarray, factor: float):
    """Scale by ``factor``: bilinear image (float32 out), nearest label."""
    Image = pil()
    h, w = label.shape
    nh, nw = max(1, int(round(h * factor))), max(1, int(round(w * factor)))
    if (nh, nw) == (h, w):
        return image.astype(np.float32), label
    img = np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(image[..., c], np.float32),
                                               mode="F").resize((nw, nh), Image.BILINEAR))
                    for c in range(image.shape[2])], axis=-1)
    lab = np.asarray(Image.fromarray(label).resize((nw, nh), Image.NEAREST))
    return img.astype(np.float32), lab


def pad_to(image: np.ndarray, label: np.ndarray, h: int, w: int, mean_rgb):
    """Pad bottom/right to at least ``h`` x ``w``: the image with ``mean_rgb``, the label
    with 255."""
    ih, iw = label.shape
    ph, pw = max(h - ih, 0), max(w - iw, 0)
    if not ph and not pw:
        return image, label
    img = np.empty((ih + ph, iw + pw, 3), np.float32)
    img[...] = np.asarray(mean_rgb, np.float32)
    img[:ih, :iw] = image
    lab = np.full((ih + ph, iw + pw), IGNORE_LABEL, np.uint8)
    lab[:ih, :iw] = label
    return img, lab


def augment(image: np.ndarray, label: np.ndarray, rng: np.random.Generator, *,
            crop=None, scale_range=(1.0, 1.0), mirror=True, mean_rgb=(0, 0, 0)):
    """One training sample: RGB ``(H, W, 3)`` (any dtype, 0-255) and ``(H, W)`` uint8 label
    -> float32 RGB image and uint8 label, both ``crop`` sized (or scaled size if None).

    Draws, in order: the scale factor (uniform in ``scale_range``), the mirror coin, the
    crop offsets; always all three, so the stream does not depend on the options' effect.
    """
    factor = rng.uniform(*scale_range) if scale_range[0] != scale_range[1] else scale_range[0]
    flip = rng.random() < 0.5
    oy, ox = rng.random(), rng.random()
    img, lab = rescale(image, label, float(factor))
    if mirror and flip:
        img, lab = img[:, ::-1], lab[:, ::-1]
    if crop is not None:
        ch, cw = crop
        img, lab = pad_to(img, lab, ch, cw, mean_rgb)
        y0 = int(oy * (lab.shape[0] - ch + 1))
        x0 = int(ox * (lab.shape[1] - cw + 1))
        img, lab = img[y0:y0 + ch, x0:x0 + cw], lab[y0:y0 + ch, x0:x0 + cw]
    return np.ascontiguousarray(img, np.float32), np.ascontiguousarray(lab, np.uint8)


def mean_rgb(preprocessing: dict):
    """The mean in RGB 0-255 order (what padding uses, so it becomes 0 after preprocessing)."""
    mean = preprocessing.get("mean")
    if mean is None:
        return (0.0, 0.0, 0.0)
    m = [float(v) for v in np.asarray(mean).reshape(-1)]
    m = m * 3 if len(m) == 1 else m[:3]
    return tuple(m[::-1]) if str(preprocessing.get("channel_order", "BGR")).upper() == "BGR" \
        else tuple(m)
