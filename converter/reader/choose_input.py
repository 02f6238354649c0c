"""Which tops of a net's data layers are its inputs: chosen by use, not by position.

A train net's data layer has a data top and label tops, in any order (the MTCNN
caffemodels embed an HDF5Data layer with tops ``[label12face, data12face]``). The data
top is the one that reaches a weighted layer (Convolution, InnerProduct, ...) through
layers that survive; a label only reaches losses and accuracy. Each data top gets a
rank ``(reaches a weighted layer, reaches a layer that is kept)``; the tops of the
highest rank are the inputs. When several tops tie (two images, a siamese net), the
user names them with ``--input NAME[,NAME]``.
"""
from __future__ import annotations

from ..errors import CaffeError
from ..layers import SPECS
from ..layers.registry import LayerSpec
from ..forks import DATA_TYPES, DROP_TYPES, POSTPROCESS_TYPES


def is_data(raw) -> bool:
    """A layer that feeds the net (a Python layer with bottoms is a compute layer)."""
    return raw.type in DATA_TYPES and not (raw.type == "Python" and raw.bottoms)


def may_have_weights(raw, weighted_src=()) -> bool:
    """True if the layer carries weights in the caffemodel, or its type can have some
    (its spec declares parameter tensors)."""
    spec = SPECS.get(raw.type)
    return raw.name in weighted_src or (
        spec is not None and spec.param_names is not LayerSpec.param_names)


def _consumers(raws) -> dict:
    out: dict[str, list] = {}
    for raw in raws:
        if is_data(raw):
            continue
        for b in raw.bottoms:
            out.setdefault(b, []).append(raw)
    return out


def _rank(top: str, consumers: dict, weighted_src) -> tuple[bool, bool]:
    """(reaches a weighted layer, reaches a kept layer) through kept layers."""
    weighted = kept = False
    seen, todo = {top}, [top]
    while todo:
        for raw in consumers.get(todo.pop(), []):
            if raw.type in DROP_TYPES or raw.type in POSTPROCESS_TYPES:
                continue
            kept = True
            weighted = weighted or may_have_weights(raw, weighted_src)
            for t in raw.tops:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
    return weighted, kept


def _feeds(top: str, consumers: dict) -> str:
    names = [f"'{r.name}' ({r.type})" for r in consumers.get(top, [])]
    return f"feeds {', '.join(names[:3])}" if names else "feeds nothing"


def choose_inputs(data_raws, all_raws, wanted=None, weighted_src=()) -> tuple[set, list]:
    """The data-layer tops that become inputs, and notes saying why.

    ``data_raws``: the data layers kept (``Input`` layers excluded: their tops are
    always inputs). ``wanted``: the names given with ``--input`` (or None).
    ``weighted_src``: names of the caffemodel's layers that carry weights.
    """
    tops = [t for raw in data_raws for t in raw.tops]
    if not tops:
        return set(), []
    consumers = _consumers(all_raws)
    if wanted:
        return set(t for t in tops if t in wanted), []
    ranks = {t: _rank(t, consumers, weighted_src) for t in tops}
    best = max(ranks.values())
    if best == (False, False):  # nothing is kept: the first top, as Caffe lists it
        return {data_raws[0].tops[0]}, []
    chosen = [t for t in tops if ranks[t] == best]
    if len(chosen) > 1:
        listed = "; ".join(f"'{t}' {_feeds(t, consumers)}" for t in chosen)
        raise CaffeError(f"the data layers have several candidate inputs: {listed}. Name "
                         f"the input with --input NAME (several: --input "
                         f"{','.join(chosen)})", layer=data_raws[0].name, field="top")
    notes = []
    first = data_raws[0].tops[0]
    if chosen[0] != first:
        notes.append(f"input '{chosen[0]}' chosen by use: it {_feeds(chosen[0], consumers)}"
                     f"; '{first}' (the first top) only reaches losses/accuracy or nothing "
                     "(override with --input NAME)")
    return set(chosen), notes


def check_wanted(wanted, net_inputs, data_raws) -> None:
    """Refuse an ``--input`` name that is neither a declared input nor a data top."""
    known = list(net_inputs) + [t for raw in data_raws for t in raw.tops]
    for name in wanted or ():
        if name not in known:
            raise CaffeError(f"--input '{name}' is not an input of this net; candidates: "
                             f"{', '.join(known) or '(none)'}", field="input")
