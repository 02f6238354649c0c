"""What one Caffe fork is: its schema, how to recognise its files, and its layer types."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


def _no(_) -> bool:
    return False


@dataclass(frozen=True)
class Fork:
    """One Caffe fork; each ``converter/forks/<name>.py`` defines ``FORK = Fork(...)``.

    Attributes:
        name: the ``--fork`` value.
        schema: the generated module in ``caffe2ss.protos`` (``caffe_pb2`` ...).
        order: position in the fork list (BVLC, the default, first).
        detect_text: ``(prototxt text without comments) -> bool``: the text uses this
            fork's syntax.
        detect_layer: ``(scan.ScannedLayer) -> bool``: a caffemodel layer that only this
            fork writes.
        v1_types: V1 ``LayerType`` enum names this fork adds -> V2 type strings.
        data_types: layer types that feed the net (their first top becomes an input).
        drop_types: training/evaluation layers, dropped with a note.
        postprocess_types: post-processing not converted, dropped with a warning.
        includes: forks whose every field this one reads too (inisis: ssd); a caffemodel
            detected as one of them is this fork's if any layer is.
    """

    name: str
    schema: str
    order: int
    detect_text: Callable[[str], bool] = _no
    detect_layer: Callable[[object], bool] = _no
    v1_types: dict = field(default_factory=dict)
    data_types: frozenset = frozenset()
    drop_types: frozenset = frozenset()
    postprocess_types: frozenset = frozenset()
    includes: frozenset = frozenset()
