"""The README's model-family examples run as printed, on the files that ship."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _examples() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Trainable model families"):text.index("### MobileNetV2-UNet")]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    return [b for b in blocks if "init=" in b and "**builder_args" not in b]


@pytest.mark.parametrize("index", range(2))
def test_readme_model_example_runs(index, monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    examples = _examples()
    assert len(examples) == 2
    monkeypatch.chdir(ROOT)
    scope: dict = {}
    exec(compile(examples[index], f"README example {index}", "exec"), scope)  # noqa: S102
    shape = tuple(scope["logits"].shape)
    assert shape == ((1, 2, 224, 224) if index == 0 else (1, 96, 128, 21))
    assert os.getcwd() == str(ROOT)
