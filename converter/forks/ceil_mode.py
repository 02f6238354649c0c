"""The ceil_mode forks (DenseNet-Caffe, PSPNet-era builds, the reference build of
``shared/oracle``): BVLC, except that PoolingParameter field 13 is ``bool ceil_mode``
(default true) where BVLC has the ``round_mode`` enum (CEIL = 0, FLOOR = 1).

A prototxt says which it is (``ceil_mode:``); a caffemodel does not (the same byte means
the opposite), so no layer is detected here: :mod:`.pool13` decides between this fork
and BVLC when a caffemodel's pooling layers set field 13.
"""
import dataclasses
import re

from .bvlc import FORK as _BVLC

#: ``ceil_mode:`` as a word. Every detection pattern starts with a literal, so ``re`` finds
#: its candidates at C speed; a leading ``\b`` would make it try every position of a
#: multi-megabyte text (the boundary is checked behind the literal instead).
_TEXT = re.compile(r"ceil_mode(?<=\bceil_mode)\s*:")


def detect_text(body: str) -> bool:
    """Pooling's ``ceil_mode`` field, which BVLC names ``round_mode``."""
    return bool(_TEXT.search(body))


#: BVLC's V1 enum and layer types; only the schema and its detection differ
FORK = dataclasses.replace(_BVLC, name="ceil_mode", schema="ceil_mode_pb2", order=6,
                           detect_text=detect_text)
