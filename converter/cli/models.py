"""``caffe2ss models``: list the model registry (logic in ``caffe2ss.models.listing``)."""
from __future__ import annotations

from ...models.listing import main as list_models

HELP = "list the trainable model families: parameters, input constraint, init sources"
EXAMPLES = """  caffe2ss models
  caffe2ss models --json"""


def add_arguments(p) -> None:
    """The ``models`` options."""
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args) -> int:
    """Print the registry (imports no framework)."""
    return list_models(as_json=args.json)
