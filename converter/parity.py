"""Compare a rebuilt net's blobs with Caffe's reference blobs (framework-agnostic).

The tolerance is per blob: ``max|ours - caffe| <= ATOL + RTOL * max(1, max|caffe|)``.
Backends only have to produce every blob by its Caffe name, NCHW, as numpy.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .errors import printable

#: Relative tolerance on float32 logits: 1e-4 of the blob's largest magnitude (or of 1).
RTOL = 1e-4
#: Absolute tolerance added to it (0 by default).
ATOL = 0.0
#: Minimum per-pixel argmax agreement (channel axis of 4-D blobs) to pass.
MIN_ARGMAX_AGREEMENT = 1.0


@dataclass
class BlobResult:
    shape: list
    max_abs: float | None
    rel: float | None
    argmax_agree: float | None
    passed: bool
    reason: str = ""

    def as_json(self) -> dict:
        d = asdict(self)
        d["pass"] = d.pop("passed")
        if not d["reason"]:
            d.pop("reason")
        return d


@dataclass
class FrameworkResult:
    framework: str
    blobs: dict = field(default_factory=dict)      # name -> BlobResult, topological order
    first_divergent: str | None = None
    first_divergent_layer: str | None = None
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and all(b.passed for b in self.blobs.values())

    def as_json(self) -> dict:
        out = {"pass": self.passed,
               "blobs": {k: v.as_json() for k, v in self.blobs.items()},
               "first_divergent": self.first_divergent,
               "first_divergent_layer": self.first_divergent_layer}
        if self.error:
            out["error"] = self.error
        return out


def compare_blob(ours, ref, atol: float = ATOL, rtol: float = RTOL,
                 min_argmax: float = MIN_ARGMAX_AGREEMENT) -> BlobResult:
    """Compare one blob; a shape mismatch or a missing blob is a FAIL with a reason."""
    ref = np.asarray(ref, dtype=np.float32)
    if ours is None:
        return BlobResult(list(ref.shape), None, None, None, False, "missing from the rebuild")
    ours = np.asarray(ours, dtype=np.float32)
    if ours.shape != ref.shape:
        return BlobResult(list(ref.shape), None, None, None, False,
                          f"shape {list(ours.shape)} != Caffe's {list(ref.shape)}")
    scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
    diff = np.abs(ours.astype(np.float64) - ref.astype(np.float64))
    finite = np.isfinite(ref)
    nan_mismatch = bool(np.any(np.isfinite(ours) != finite))
    max_abs = float(np.max(diff[finite])) if finite.any() else 0.0
    agree = None
    if ref.ndim == 4 and ref.shape[1] > 1:
        agree = float(np.mean(np.argmax(ours, 1) == np.argmax(ref, 1)))
    ok = (max_abs <= atol + rtol * scale) and not nan_mismatch
    if agree is not None and agree < min_argmax:
        # argmax may flip only where the top-2 scores tie within the tolerance
        top2 = np.sort(ref, axis=1)[:, -2:]
        gap = top2[:, 1] - top2[:, 0]
        flips = np.argmax(ours, 1) != np.argmax(ref, 1)
        if np.any(gap[flips] > 2 * (atol + rtol * scale)):
            ok = False
    reason = "" if ok else ("NaN/inf where Caffe is finite" if nan_mismatch else
                            f"max |diff| {max_abs:.3g} > {atol + rtol * scale:.3g}")
    return BlobResult(list(ref.shape), max_abs, max_abs / scale, agree, bool(ok), reason)


def compare_blobs(net, ours: dict, reference: dict, framework: str, atol: float = ATOL,
                  rtol: float = RTOL) -> FrameworkResult:
    """Compare every reference blob, in the net's topological order."""
    res = FrameworkResult(framework)
    order = [b for b in net.blob_names() if b in reference]
    order += [b for b in reference if b not in order]
    producers = net.producers()
    for name in order:
        r = compare_blob(ours.get(name), reference[name], atol, rtol)
        res.blobs[name] = r
        if not r.passed and res.first_divergent is None:
            res.first_divergent = name
            res.first_divergent_layer = producers.get(name, "(not in the net)")
    return res


def format_table(res: FrameworkResult) -> str:
    """A plain-text table of one framework's comparison."""
    rows = [f"== {res.framework}: {'PASS' if res.passed else 'FAIL'}"]
    if res.error:
        rows.append(f"   error: {res.error}")
    w = max([len(n) for n in res.blobs] + [4])
    rows.append(f"   {'blob':<{w}}  {'shape':<18} {'max|diff|':>10} {'rel':>10} "
                f"{'argmax':>8}  result")
    for name, b in res.blobs.items():
        fmt = (lambda v, f: f"{v:{f}}" if v is not None else "-")
        rows.append(f"   {name:<{w}}  {str(tuple(b.shape)):<18} {fmt(b.max_abs, '10.3g'):>10} "
                    f"{fmt(b.rel, '10.3g'):>10} "
                    f"{(f'{100 * b.argmax_agree:.2f}%' if b.argmax_agree is not None else '-'):>8}"
                    f"  {'PASS' if b.passed else 'FAIL ' + b.reason}")
    if res.first_divergent:
        rows.append(f"   first divergent blob: '{res.first_divergent}' "
                    f"(produced by layer '{res.first_divergent_layer}')")
    return "\n".join(map(printable, rows))  # blob and layer names come from the file
