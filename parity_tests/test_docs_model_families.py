"""The README's model-family examples run as printed, with the shipped files."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECTION = "### MobileNetV2-UNet and FC-DenseNet"


def _blocks() -> list:
    text = (ROOT / "README.md").read_text()
    body = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", body, re.S)


def test_section_has_one_example_per_family():
    blocks = _blocks()
    assert len(blocks) == 2
    assert "mobilenetv2_unet" in blocks[0] and "fc_densenet121" in blocks[1]


@pytest.mark.parametrize("i", [0, 1])
def test_example_runs_as_printed(i):
    pytest.importorskip("torch" if i == 0 else "keras")
    code = _blocks()[i] + ("\nassert tuple(logits.shape) == (1, 21, 224, 224)\n" if i == 0
                           else "\nassert tuple(logits.shape) == (1, 224, 224, 21)\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                       text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr[-2000:]
