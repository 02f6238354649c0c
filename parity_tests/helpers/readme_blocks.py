"""The fenced code blocks of README.md, with their skip markers.

A block is skipped only when the line just before it is
``<!-- readme-test: skip (REASON) -->`` with a reason (installs, the full suite, the
3-minute demo, or files the user brings).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = re.compile(r"<!-- readme-test: skip \((?P<reason>[^)]{10,})\) -->")


@dataclass
class Block:
    lang: str
    code: str
    line: int
    skip: str | None


def readme_blocks(path=ROOT / "README.md") -> list[Block]:
    """Every fenced block with a language (``bash``/``python``/...), in order."""
    lines = Path(path).read_text().splitlines()
    out, i = [], 0
    while i < len(lines):
        m = re.match(r"^```(\w+)\s*$", lines[i])
        if m:
            j = i + 1
            while not lines[j].startswith("```"):
                j += 1
            prev = lines[i - 1] if i else ""
            sk = SKIP.match(prev.strip())
            out.append(Block(m.group(1), "\n".join(lines[i + 1:j]), i + 1,
                             sk.group("reason") if sk else None))
            i = j + 1
        else:
            i += 1
    return out
