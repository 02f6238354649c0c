"""The options of ``caffe2ss train``, checked once, and ``config.json``.

Defaults follow DeepLab's solver where the issue leaves them open: SGD, momentum 0.9,
weight decay 5e-4, poly policy (power 0.9), crop 321x321, scale 0.5-1.5, mirror on.
The learning rate defaults to 1e-3 for SGD and 1e-4 for Adam.
"""
from __future__ import annotations

import platform
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import CaffeError
from ..fileio import _version, write_json_atomic
from ..seg.crf_params import CRFParams, parse_crf_params
from .schedule import POLICIES


@dataclass
class TrainConfig:
    """Every option of a training run (the CLI's namespace, parsed and checked)."""

    model: str
    voc_root: str
    out: str
    split: str = "train"
    val_split: str | None = "val"
    data_list: str | None = None
    init: str = "none"
    prototxt: str | None = None
    train_prototxt: str | None = None
    framework: str = "torch"
    num_classes: int | None = None
    reinit_classifier: bool = False
    steps: int | None = None
    epochs: int | None = None
    batch_size: int = 8
    crop: tuple | None = (321, 321)
    scale_range: tuple = (0.5, 1.5)
    mirror: bool = True
    pad: bool = True
    optimizer: str = "sgd"
    lr: float | None = None
    lr_policy: str = "poly"
    momentum: float = 0.9
    weight_decay: float = 5e-4
    val_every: int = 0
    checkpoint_every: int = 0
    log_every: int = 10
    seed: int = 0
    workers: int = 2
    nproc: int = 1
    resume: bool = False
    deterministic: bool = False
    no_dropout: bool = False
    extra: dict = field(default_factory=dict)

    def base_lr(self) -> float:
        return self.lr if self.lr is not None else (1e-4 if self.optimizer == "adam" else 1e-3)

    def as_json(self) -> dict:
        d = asdict(self)
        d["base_lr"] = self.base_lr()
        return d


def _pair(text, what, cast):
    try:
        a, b = (cast(v) for v in str(text).replace("x", ",").split(","))
    except ValueError:
        raise CaffeError(f"bad --{what} '{text}': give two numbers, e.g. "
                         f"{'321,321' if cast is int else '0.5,1.5'}", field=what) from None
    return a, b


def from_args(args) -> TrainConfig:
    """A checked :class:`TrainConfig` from the ``train`` subcommand's namespace."""
    crop = None if args.crop in (None, "none") else _pair(args.crop, "crop", int)
    scale = _pair(args.scale_range, "scale-range", float)
    cfg = TrainConfig(
        model=args.model_name, voc_root=args.voc_root, out=args.output, split=args.split,
        val_split=None if args.val_split in ("", "none") else args.val_split,
        data_list=args.data_list, init=args.init, prototxt=args.prototxt,
        train_prototxt=args.train_prototxt, framework=args.framework,
        num_classes=args.num_classes, reinit_classifier=args.reinit_classifier,
        steps=args.steps, epochs=args.epochs, batch_size=args.batch_size, crop=crop,
        scale_range=scale, mirror=not args.no_mirror, pad=not args.no_pad,
        optimizer=args.optimizer, lr=args.lr, lr_policy=args.lr_policy,
        momentum=args.momentum, weight_decay=args.weight_decay, val_every=args.val_every,
        checkpoint_every=args.checkpoint_every, log_every=args.log_every, seed=args.seed,
        workers=args.workers, nproc=args.nproc, resume=args.resume,
        deterministic=args.deterministic, no_dropout=args.no_dropout,
        extra={"model_args": _json_object(getattr(args, "model_args", None)),
               "val_crf": _crf_text(getattr(args, "val_crf", None))})
    check(cfg)
    return cfg


def _crf_text(value):
    """``--val-crf [PARAMS]``: None (off), "" (the defaults) or ``K=V,...``, checked now
    so bad parameters fail before training."""
    if value is None:
        return None
    text = "" if value == "default" else value
    parse_crf_params(text, CRFParams())
    return text


def _json_object(text) -> dict:
    """``--model-args``: a JSON object of builder keyword arguments (default none)."""
    if not text:
        return {}
    import json

    try:
        value = json.loads(text)
    except ValueError as e:
        raise CaffeError(f"--model-args is not JSON ({e}); write e.g. "
                         "'{\"widths\": [4, 8, 16, 32, 32]}'", field="model-args") from None
    if not isinstance(value, dict):
        raise CaffeError("--model-args must be a JSON object of builder arguments",
                         field="model-args")
    return value


def check(cfg: TrainConfig) -> None:
    """Refuse inconsistent options with the fix (before anything is read)."""
    if cfg.steps is not None and cfg.epochs is not None:
        raise CaffeError("give --steps or --epochs, not both", field="steps")
    for name in ("steps", "epochs", "batch_size", "nproc"):
        v = getattr(cfg, name)
        if v is not None and v < 1:
            raise CaffeError(f"--{name.replace('_', '-')} must be >= 1, got {v}", field=name)
    if cfg.crop is not None and min(cfg.crop) < 1:
        raise CaffeError(f"--crop must be positive, got {cfg.crop}", field="crop")
    lo, hi = cfg.scale_range
    if not 0 < lo <= hi:
        raise CaffeError(f"--scale-range needs 0 < min <= max, got {lo},{hi}",
                         field="scale-range")
    if cfg.lr_policy not in POLICIES:
        raise CaffeError(f"unknown --lr-policy {cfg.lr_policy}", field="lr-policy")
    if cfg.batch_size % cfg.nproc:
        raise CaffeError(f"--batch-size {cfg.batch_size} is the global batch and must "
                         f"divide evenly over --nproc {cfg.nproc} processes",
                         field="batch-size")
    if cfg.crop is None and cfg.batch_size > 1:
        raise CaffeError("--crop none needs --batch-size 1 (images of different sizes "
                         "cannot be batched)", field="crop")


def versions() -> dict:
    """Versions of Python, caffe2ss and the frameworks that are already imported."""
    out = {"python": sys.version.split()[0], "platform": platform.platform(),
           "caffe2ss": _version()}
    for mod in ("numpy", "torch", "tensorflow", "keras", "PIL"):
        m = sys.modules.get(mod)
        if m is not None:
            out[mod] = getattr(m, "__version__", "unknown")
    return out


def write_config(cfg: TrainConfig, run_dir: Path, **more) -> None:
    """``config.json``: every option, the package versions and ``more`` (e.g. world size)."""
    write_json_atomic(Path(run_dir) / "config.json",
                      {"args": cfg.as_json(), "versions": versions(), **more})
