"""Checkpoints: model, optimiser, scheduler, every RNG state and the sampler position.

Written by rank 0 only, atomically (``torch.save`` to a temporary file, then rename),
then ``last`` is pointed at it (:mod:`caffe2ss.converter.train.rundir`).
"""
from __future__ import annotations

import random

import numpy as np
import torch

from ....converter.fileio import atomic_path
from ....converter.train.rundir import checkpoint_path, mark_last


def rng_states() -> dict:
    out = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
           "python": random.getstate()}
    if torch.cuda.is_available():
        out["cuda"] = torch.cuda.get_rng_state_all()
    return out


def set_rng_states(states: dict) -> None:
    torch.set_rng_state(states["torch"])
    np.random.set_state(states["numpy"])
    random.setstate(states["python"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def save(run_dir, step: int, *, model, optimizer, scheduler, epoch: int, position: int,
         extra=None):
    """Write ``checkpoint-<step>.pt`` and point ``last`` at it; returns the path."""
    path = checkpoint_path(run_dir, step, "pt")
    blob = {"step": step, "epoch": epoch, "position": position,
            "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(), "rng": rng_states(), "extra": extra or {}}
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            torch.save(blob, f)
    mark_last(run_dir, path)
    return path


def load(path) -> dict:
    """Read a checkpoint (it holds RNG states, so not ``weights_only``: trust your runs)."""
    return torch.load(path, map_location="cpu", weights_only=False)
