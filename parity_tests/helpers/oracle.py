"""The real-Caffe oracle cases shipped in parity_tests/data/oracle (and the trained
FCN-8s of examples/): paths, :class:`OracleCase`, :func:`oracle`."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data"
ORACLE = DATA / "oracle"
#: The published network definitions (verbatim copies, see data/nets/README.md).
NETS = DATA / "nets"
#: The FCN-8s trained in real Caffe ships once, as the demo's example model.
TRAINED = Path(__file__).resolve().parents[2] / "examples" / "trained_fcn8s_shapes"

#: Cases with blobs.npz (every blob after Caffe's forward pass).
ORACLE_CASES = sorted(p.name for p in ORACLE.iterdir() if (p / "blobs.npz").exists())


class OracleCase:
    """One real-Caffe reference case."""

    def __init__(self, name: str):
        self.name = name
        self.dir = TRAINED if name == TRAINED.name else ORACLE / name
        self.meta = json.loads((self.dir / "case.json").read_text())
        proto = self.dir / "deploy.prototxt"
        self.prototxt = proto if proto.exists() else None
        self.caffemodel = self.dir / "weights.caffemodel"

    def load(self):
        from caffe2ss.converter import load

        return load(self.caffemodel, self.prototxt)

    @property
    def input(self) -> np.ndarray:
        return np.load(self.dir / "input.npy")

    @property
    def blobs(self) -> dict:
        with np.load(self.dir / "blobs.npz") as z:
            return {k: z[k] for k in z.files}

    def __repr__(self):
        return f"OracleCase({self.name})"


def oracle(name: str) -> OracleCase:
    """The oracle case ``name``."""
    return OracleCase(name)
