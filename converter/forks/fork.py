"""What one Caffe fork is: its schema, how to recognise its files, and its layer types."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable


def _no(_) -> bool:
    return False


def text_patterns(types, params=()) -> tuple:
    """Patterns that find a fork's layer ``type: "T"`` or one of its ``p_param {`` blocks.

    Each starts with a literal, so ``re`` finds its candidates at C speed; a leading
    ``\\b`` would make it try every position of a multi-megabyte text (the word boundary
    is checked behind the literal instead). Use with :func:`any_match`."""
    out = [re.compile(r'type\s*:\s*"(%s)"' % "|".join(types))]
    if params:
        out.append(re.compile(r"_param(?:%s)\s*\{" % "|".join(
            rf"(?<=\b{p}_param)" for p in params)))
    return tuple(out)


def any_match(patterns, body: str) -> bool:
    """Whether any of ``patterns`` occurs in ``body``."""
    return any(rx.search(body) for rx in patterns)


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
