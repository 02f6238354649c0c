"""Parameters of DeepLab's fully connected CRF post-processing (framework-free).

:class:`CRFParams` holds the two Potts kernels of Krähenbühl & Koltun's dense CRF as
DeepLab uses them: appearance ``bi_w * exp(-|dp|^2 / 2 bi_xy_std^2 - |dI|^2 / 2
bi_rgb_std^2)`` and smoothness ``pos_w * exp(-|dp|^2 / 2 pos_xy_std^2)``, positions in
image pixels and colours in 0-255 RGB, plus the number of mean-field iterations. The
defaults are DeepLab-LargeFOV's VOC values (DeepLab v1 paper and its ``run_densecrf.sh``).
The torch implementation is :func:`caffe2ss.models.torch.crf.dense_crf`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..errors import CaffeError


@dataclass(frozen=True)
class CRFParams:
    """Dense CRF settings; a weight of 0 switches its kernel off."""

    bi_w: float = 4.0
    bi_xy_std: float = 121.0
    bi_rgb_std: float = 5.0
    pos_w: float = 3.0
    pos_xy_std: float = 3.0
    iterations: int = 10
    #: where the values came from ("default", "net 'crf' (DenseCRF)", "command line").
    source: str = dataclasses.field(default="default", compare=False)

    def __post_init__(self):
        for name in ("bi_xy_std", "bi_rgb_std", "pos_xy_std"):
            if not getattr(self, name) > 0:
                raise CaffeError(f"CRF {name} must be > 0, got {getattr(self, name)}",
                                 field="crf-params")
        for name in ("bi_w", "pos_w"):
            if not getattr(self, name) >= 0:
                raise CaffeError(f"CRF {name} must be >= 0, got {getattr(self, name)}",
                                 field="crf-params")
        if int(self.iterations) != self.iterations or self.iterations < 0:
            raise CaffeError(f"CRF iterations must be a whole number >= 0, got "
                             f"{self.iterations}", field="crf-params")

    def as_dict(self) -> dict:
        """The numeric settings (JSON-ready)."""
        d = dataclasses.asdict(self)
        d.pop("source")
        return d

    def text(self) -> str:
        """``bi_w=4,bi_xy_std=121,...``: the form :func:`parse_crf_params` reads."""
        return ",".join(f"{k}={v:g}" for k, v in self.as_dict().items())


KEYS = tuple(f.name for f in dataclasses.fields(CRFParams) if f.name != "source")


def parse_crf_params(text: str | None, base: CRFParams | None = None) -> CRFParams:
    """``"bi_w=4,pos_xy_std=3"`` -> :class:`CRFParams`; keys not given keep ``base``'s
    values (default: DeepLab-LargeFOV's). Unknown keys and bad numbers are errors."""
    base = base or CRFParams()
    if not text or not text.strip():
        return base
    values: dict = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, eq, val = part.partition("=")
        key = key.strip()
        if not eq or key not in KEYS:
            raise CaffeError(f"bad --crf-params entry '{part.strip()}': use key=value with "
                             f"keys {', '.join(KEYS)}", field="crf-params")
        try:
            values[key] = int(val) if key == "iterations" else float(val)
        except ValueError:
            raise CaffeError(f"bad --crf-params value '{part.strip()}': not a number"
                             f"{' (whole)' if key == 'iterations' else ''}",
                             field="crf-params") from None
    src = "command line" if base.source == "default" else f"{base.source} + command line"
    return dataclasses.replace(base, source=src, **values)
