"""The README's layout section and docs/architecture.md name the tree as it is."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _layout_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Layout"):]
    return section[section.index("```") + 3:section.index("```", section.index("```") + 3)]


def _named_paths(block: str) -> set:
    """Paths named in the tree's first column (nested by indentation), e.g. ``layers/``
    under ``converter/``, or several at once: ``ir.py, shapes.py``."""
    paths, parents = set(), {}
    for line in block.splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        head = re.split(r"\s{2,}", line.strip())[0]
        if not re.fullmatch(r"[\w.]+/?(, [\w.]+/?)*", head):
            continue  # a continuation line of a description
        parent = parents.get(indent - 2, "") if indent else ""
        for name in head.split(", "):
            paths.add(parent + name)
            if name.endswith("/"):
                parents[indent] = parent + name
    return paths


def test_readme_layout_names_existing_paths():
    named = _named_paths(_layout_block())
    assert "converter/reader/" in named and "models/vgg16.py" in named
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, missing


def test_readme_layout_names_every_package_folder():
    named = _named_paths(_layout_block())
    for top in ("converter", "models"):
        for d in sorted((ROOT / top).iterdir()):
            if d.is_dir() and (d / "__init__.py").exists() and d.name not in ("families",):
                assert f"{top}/{d.name}/" in named, d


def test_architecture_page_names_existing_paths():
    text = (ROOT / "docs" / "architecture.md").read_text()
    paths = set(re.findall(r"`((?:converter|models|parity_tests|protos|tools|docs)/[\w/.]*)", text))
    paths = {re.sub(r"<\w+>.*$", "", p).rstrip("/") for p in paths}
    assert len(paths) > 10
    missing = sorted(p for p in paths if p and not (ROOT / p).exists()
                     and not any((ROOT / p).parent.glob(Path(p).name + "*")))
    assert not missing, missing
