"""Pooling field 13 in a caffemodel: BVLC ``round_mode`` or the forks' ``ceil_mode``?

BVLC master declares ``RoundMode round_mode = 13`` (CEIL = 0, FLOOR = 1); the
ceil_mode forks (DenseNet-Caffe, PSPNet-era builds, the reference build of
``shared/oracle``) declare ``bool ceil_mode = 13`` (default true). The same byte means
the opposite: ``ceil_mode: false`` is 13 = 0, BVLC's CEIL. A caffemodel does not say
which schema wrote it, so the meaning is decided from evidence, in this order:

1. ``--fork`` (bvlc or ceil_mode) settles it;
2. a shape check: the net is built with both meanings and its shapes inferred from the
   declared input; a meaning under which a weight shape (an InnerProduct after the
   pool) or a layer's shape rule fails is ruled out;
3. the fork's other fields: LayerParameter numbers only the inisis fork (the oracle's
   build, which declares ``ceil_mode``) uses (:data:`.foreign.LAYER_FIELDS`);
4. otherwise, what an explicit value says: Caffe writes field 13 only when the
   prototxt set it, and people write the non-default. 13 = 0 is BVLC's default
   (``round_mode: CEIL``, rarely written) but the ceil_mode forks' reason to write the
   field (``ceil_mode: false``), so any 0 means ceil_mode; only 1s mean BVLC FLOOR.

The chosen meaning and the reason are returned for the caller to state.
"""
from __future__ import annotations

from ..errors import CaffeError
from .foreign import LAYER_FIELDS, ORACLE


def pool13_layers(scanned) -> dict[str, int]:
    """Pooling layer name -> its field 13 value, for the layers that set it."""
    return {l.name: l.pool13 for l in scanned.layers if l.pool13 is not None}


def _describe(values: dict[str, int]) -> str:
    items = [f"'{k}' = {v}" for k, v in list(values.items())[:4]]
    more = f" and {len(values) - 4} more" if len(values) > 4 else ""
    return ", ".join(items) + more


def _inisis_fields(scanned) -> list[int]:
    """LayerParameter numbers in the file that only the inisis fork uses."""
    own = {n for n, (fork, _) in LAYER_FIELDS.items() if fork == ORACLE}
    return sorted({n for l in scanned.layers if l.v2_type is not None
                   for n in l.fields & own})


def _shape_verdict(build) -> dict[str, bool | None]:
    """fork -> True (shapes and weights agree), False (they do not), None (unknown)."""
    out: dict[str, bool | None] = {}
    for fork in ("bvlc", "ceil_mode"):
        try:
            build(fork).infer_shapes()
            out[fork] = True
        except CaffeError as e:
            out[fork] = None if "has no declared shape" in e.message else False
    return out


def choose_pool13(scanned, build) -> tuple[str, str]:
    """(fork, reason) for a caffemodel whose pooling layers set field 13.

    ``build(fork)`` returns the :class:`Net` read with that schema.
    """
    values = pool13_layers(scanned)
    where = _describe(values)
    verdict = _shape_verdict(build)
    fits = [f for f, ok in verdict.items() if ok]
    if len(fits) == 1 and any(ok is False for ok in verdict.values()):
        fork = fits[0]
        why = ("only this meaning gives shapes that agree with the weights and the "
               "declared input")
    elif _inisis_fields(scanned):
        fork = "ceil_mode"
        why = (f"the file has LayerParameter fields {_inisis_fields(scanned)[:4]} of "
               f"{ORACLE}, which declares ceil_mode")
    elif any(v == 0 for v in values.values()):
        fork = "ceil_mode"
        why = ("13 = 0 is written explicitly, which BVLC's default round_mode CEIL never "
               "needs: it is the ceil_mode forks' `ceil_mode: false`")
    else:
        fork = "bvlc"
        why = "13 = 1 is BVLC's explicit round_mode FLOOR"
    meaning = ("ceil_mode (13 = 0: round down, 1: round up)" if fork == "ceil_mode" else
               "BVLC round_mode (0 = CEIL, 1 = FLOOR)")
    other = "bvlc" if fork == "ceil_mode" else "ceil_mode"
    return fork, (f"pooling field 13 ({where}) read as {meaning}: {why}; "
                  f"--fork {other} reads it the other way")
