"""Input-size checks shared by the PyTorch and Keras builders (framework-free)."""
from __future__ import annotations


def check_multiple(model: str, h: int, w: int, multiple: int) -> None:
    """Raise ``ValueError`` with the fix unless H and W are multiples of ``multiple``."""
    if h % multiple or w % multiple:
        m = multiple
        raise ValueError(f"{model}: input height and width must be multiples of {m}, "
                         f"got {h}x{w}; resize or pad to e.g. "
                         f"{-(-h // m) * m}x{-(-w // m) * m}")
