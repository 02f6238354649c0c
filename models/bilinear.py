"""FCN's bilinear upsampling kernel (``surgery.upsample_filt``), framework-free."""
from __future__ import annotations

import numpy as np


def bilinear_kernel(cin: int, cout: int, k: int) -> np.ndarray:
    """``(cin, cout, k, k)`` float32: the bilinear filter of size ``k`` on the diagonal
    (input channel c feeds output channel c only), as FCN initialises its upscore layers."""
    factor = (k + 1) // 2
    center = factor - 1 if k % 2 == 1 else factor - 0.5
    og = np.ogrid[:k, :k]
    filt = (1 - abs(og[0] - center) / factor) * (1 - abs(og[1] - center) / factor)
    w = np.zeros((cin, cout, k, k), np.float32)
    for c in range(min(cin, cout)):
        w[c, c] = filt
    return w
