"""Learning-rate policies, as Caffe's SGD solver defines them (framework-free).

* ``poly``: ``lr * (1 - step / max_steps) ** power`` (DeepLab: power 0.9);
* ``step``: ``lr * gamma ** (step // stepsize)`` (Caffe's defaults here: gamma 0.1,
  stepsize a third of the run);
* ``const``: ``lr``.
"""
from __future__ import annotations

POLICIES = ("poly", "step", "const")


def lr_at(step: int, base_lr: float, policy: str, max_steps: int, *, power: float = 0.9,
          gamma: float = 0.1, stepsize: int | None = None) -> float:
    """The learning rate for ``step`` (0-based) of ``max_steps``."""
    if policy == "const":
        return float(base_lr)
    if policy == "poly":
        return float(base_lr * max(0.0, 1.0 - step / max(max_steps, 1)) ** power)
    if policy == "step":
        size = stepsize or max(1, max_steps // 3)
        return float(base_lr * gamma ** (step // size))
    raise ValueError(f"unknown lr policy {policy!r}; choose from {', '.join(POLICIES)}")
