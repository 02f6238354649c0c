"""``caffe2ss infer``: VOC-palette masks (and optional overlays) for images of any size.

Each image ``<stem>.<ext>`` gives ``<stem>.png``: a palette ('P') PNG of class ids in the
VOC colormap, the size of the image; with ``overlay`` also ``<stem>_overlay.jpg``, the
image blended with the coloured mask. Every file is written atomically.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import CaffeError
from ..fileio import atomic_path
from .crf_predict import predict_with_crf, resolve_crf
from .predict import Model, open_model
from .voc import VOC_COLORMAP, image_size, pil, read_image, write_palette_png
from .evaluate import Progress

#: Weight of the mask colours in an overlay.
OVERLAY_ALPHA = 0.5


def image_files(paths, recursive: bool = False) -> list[Path]:
    """Image files from files and directories (a directory: its sorted image files; with
    ``recursive`` also those of its sub-folders).

    A directory's files are those whose extension Pillow reads; a file named directly is
    always tried. Every file's header is read now, so a bad one fails before any work.
    """
    Image = pil()
    Image.init()
    readable = set(Image.registered_extensions())
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            walk = p.rglob("*") if recursive else p.iterdir()
            found = sorted(f for f in walk if f.is_file() and not
                           f.name.startswith(".") and f.suffix.lower() in readable)
            if not found:
                hint = "" if recursive else " (add --recursive for sub-folders)"
                raise CaffeError("no image files (extensions Pillow reads) in this "
                                 f"folder{hint}", file=p)
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise CaffeError("image not found", file=p)
    for f in out:
        image_size(f)  # unreadable -> CaffeError naming the file
    return out


def infer(model, images, out_dir, framework: str | None = None, prototxt=None,
          overlay: bool = False, fork=None, progress: bool = False,
          recursive: bool = False, written: list | None = None, crf=None) -> list[Path]:
    """Write a mask (and with ``overlay`` a blended JPEG) per image; return the paths.

    ``model``: a ``.caffemodel`` (run by ``framework``, default torch), a converted output
    with its sidecar, or an opened :class:`~.predict.Model`. With ``recursive`` a
    directory's sub-folders are read too and masks keep the relative path. ``written``
    (a list) receives each path as it is written, so an interrupted run can count them.
    ``crf``: None, or ``--crf-params`` text ("" for the defaults): the masks are then the
    argmax of DeepLab's dense CRF at image resolution (see :mod:`.crf_predict`).
    """
    files = image_files(images, recursive)
    rel = _relative_stems(images, files, recursive)
    stems: dict[str, Path] = {}
    for f in files:
        if rel[f] in stems:
            raise CaffeError(f"two inputs would both write {rel[f]}.png: {stems[rel[f]]} and "
                             f"{f}; rename one or infer them into separate folders", file=f)
        stems[rel[f]] = f
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise CaffeError("the output path is a file; give a directory", file=out_dir)
    for f in files:
        if (out_dir / f"{rel[f]}.png").resolve() == f.resolve():
            raise CaffeError("its mask would overwrite this input image; give another "
                             "output folder (-o)", file=f)
    m = model if isinstance(model, Model) else open_model(model, framework, prototxt, fork)
    if crf is not None:
        crf_params = resolve_crf(m, crf)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [] if written is None else written
    bar = Progress(len(files), f"infer {m.framework}", progress)
    try:
        for f in files:
            img = read_image(f)
            if crf is None:
                pred = m.predict([img])[0]
            else:
                pred = predict_with_crf(m, [img], crf_params)[1][0]
            mask = out_dir / f"{rel[f]}.png"
            mask.parent.mkdir(parents=True, exist_ok=True)
            write_palette_png(mask, pred)
            written.append(mask)
            if overlay:
                written.append(write_overlay(out_dir / f"{rel[f]}_overlay.jpg", img, pred))
            bar.update(1)
    finally:
        bar.close()
    return written


def _relative_stems(images, files, recursive: bool) -> dict:
    """Each file's output stem: its name, or its path under the given folder (recursive)."""
    out = {f: f.stem for f in files}
    if recursive:
        for root in (Path(p) for p in images if Path(p).is_dir()):
            for f in files:
                try:
                    out[f] = str(f.relative_to(root).with_suffix(""))
                except ValueError:
                    pass
    return out


def write_overlay(path, image: np.ndarray, mask: np.ndarray) -> Path:
    """Blend the VOC colours of ``mask`` over the RGB ``image``; write a JPEG atomically."""
    colors = VOC_COLORMAP[np.asarray(mask, np.int64) % 256].astype(np.float32)
    blend = (1 - OVERLAY_ALPHA) * image.astype(np.float32) + OVERLAY_ALPHA * colors
    im = pil().fromarray(np.clip(blend + 0.5, 0, 255).astype(np.uint8))
    with atomic_path(path, suffix=".jpg") as tmp:
        im.save(tmp, format="JPEG", quality=90)
    return Path(path)
