"""What a run writes as it goes: ``metrics.jsonl``, ``curves.png`` and the progress line.

Only rank 0 creates a :class:`RunLog`. ``curves.png`` is drawn with Pillow (already a
dependency of every framework extra): training loss on the left, val mIoU on the right,
both against the step.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from ..fileio import atomic_path
from ..seg.voc import pil


class RunLog:
    """Appends JSON lines to ``metrics.jsonl`` and redraws ``curves.png``."""

    def __init__(self, run_dir, total_steps: int, start_step: int = 0, tty=None):
        self.dir = Path(run_dir)
        self.path = self.dir / "metrics.jsonl"
        self.total, self.start_step = total_steps, start_step
        self.t0 = time.perf_counter()
        self.tty = (sys.stderr.isatty() and not os.environ.get("CI")) if tty is None else tty
        if start_step and self.path.is_file():  # resume: drop lines past the checkpoint
            keep = [line for line in self.path.read_text().splitlines()
                    if line.strip() and json.loads(line)["step"] <= start_step]
            self.path.write_text("".join(k + "\n" for k in keep))

    def write(self, record: dict) -> None:
        with open(self.path, "a") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")

    def step(self, step: int, loss: float, lr: float, images_per_s: float) -> None:
        """Log a training step (and show it)."""
        self.write({"step": step, "loss": loss, "lr": lr, "images_per_s": images_per_s})
        done = step - self.start_step
        eta = (time.perf_counter() - self.t0) / max(done, 1) * (self.total - step)
        text = (f"step {step}/{self.total} loss {loss:.4f} lr {lr:.3g} "
                f"{images_per_s:.1f} img/s ETA {_hms(eta)}")
        if self.tty:
            bar = "#" * int(20 * step / max(self.total, 1))
            sys.stderr.write(f"\r[{bar:<20}] {text}  ")
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def validation(self, step: int, report: dict) -> None:
        """Log a validation (mIoU, pixel accuracy, per-class IoU) and redraw the curves."""
        self.write({"step": step, "val_miou": report["miou"],
                    "val_pixel_acc": report["pixel_acc"],
                    "val_per_class_iou": report["per_class_iou"],
                    **_crf_fields(report)})
        if self.tty:
            sys.stderr.write("\n")
        sys.stderr.write(f"val step {step}: mIoU {100 * report['miou']:.2f}% pixel acc "
                         f"{100 * report['pixel_acc']:.2f}%"
                         + (f"; with DenseCRF mIoU {100 * report['crf']['miou']:.2f}%"
                            if "crf" in report else "") + "\n")
        draw_curves(self.path, self.dir / "curves.png")

    def close(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


def _crf_fields(report: dict) -> dict:
    """``--val-crf``: the DenseCRF scores of the same validation (``val_crf_*``)."""
    c = report.get("crf")
    if not c:
        return {}
    return {"val_crf_miou": c["miou"], "val_crf_pixel_acc": c["pixel_acc"],
            "val_crf_per_class_iou": c["per_class_iou"], "val_crf_params": c["params"]}


def _hms(s: float) -> str:
    s = int(max(s, 0))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def read_metrics(path) -> list[dict]:
    """The records of a ``metrics.jsonl``."""
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def draw_curves(metrics_path, out_png, size=(800, 320)) -> None:
    """Loss and val mIoU against step, as a PNG (Pillow only), written atomically."""
    Image = pil()
    from PIL import ImageDraw

    recs = read_metrics(metrics_path)
    loss = [(r["step"], r["loss"]) for r in recs if "loss" in r]
    miou = [(r["step"], r["val_miou"]) for r in recs if "val_miou" in r]
    w, h = size
    im = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(im)
    smax = max([s for s, _ in loss + miou] + [1])
    for i, (title, pts, top, colour) in enumerate((
            ("train loss", loss, max([v for _, v in loss] + [1e-9]), (31, 119, 180)),
            ("val mIoU", miou, 1.0, (214, 39, 40)))):
        x0, x1, y0, y1 = i * w // 2 + 40, (i + 1) * w // 2 - 10, 25, h - 25
        d.rectangle([x0, y0, x1, y1], outline="black")
        d.text((x0, 5), f"{title} (max {top:.3g}) vs step (0..{smax})", fill="black")
        xy = [(x0 + (x1 - x0) * s / smax, y1 - (y1 - y0) * min(v / top, 1.0)) for s, v in pts]
        if len(xy) > 1:
            d.line(xy, fill=colour, width=2)
        for x, y in xy if len(xy) < 50 else []:
            d.ellipse([x - 2, y - 2, x + 2, y + 2], fill=colour)
    with atomic_path(out_png, suffix=".png") as tmp:
        im.save(tmp, format="PNG")
