"""Layer types caffe2ss itself inserts into the IR (not Caffe types)."""
from __future__ import annotations

from ..errors import CaffeError
from .registry import count, register


@register("Alias", family="internal", bottoms=(2, 2))
class Alias:
    """Not a Caffe layer: Caffe blobs that share memory (Split tops, Flatten/Reshape tops,
    one-bottom Concat, one-top Slice) all change when one of them is written in place.
    ``converter/aliasing.py`` inserts ``Alias(source, old) -> old`` after such a write:
    the new value of ``old`` is ``source``'s data in ``old``'s shape (row-major, Caffe
    order)."""

    @staticmethod
    def infer(p, shapes, ctx):
        if count(shapes[0]) != count(shapes[1]):
            raise CaffeError(f"shared blobs differ in size: {shapes}", layer=ctx.name,
                             field="bottom")
        return [tuple(shapes[1])]
