"""``caffe2ss models``: the registry as a table or as JSON (framework-free)."""
from __future__ import annotations

import json

from .registry import list_models


def models_json() -> str:
    """Every registered family's :meth:`~caffe2ss.models.registry.ModelEntry.describe`."""
    return json.dumps({"models": [e.describe() for e in list_models()]}, indent=2)


def models_text() -> str:
    """One line per family: name, parameters (2 classes), input constraint, init sources."""
    rows = [("name", "params (2 classes)", "input", "init from")]
    for e in list_models():
        d = e.describe()
        n = d["params_2_classes"]
        rows.append((d["name"], f"{n:,}" if n else "-", d["input"],
                     ", ".join(s["name"] for s in d["init_sources"]) or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3]
                     for r in rows)


def main(as_json: bool = False) -> int:
    """Print the listing; the CLI's ``models`` subcommand calls this."""
    print(models_json() if as_json else models_text())
    return 0
