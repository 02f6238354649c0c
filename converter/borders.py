"""Constant-border compression: skip the work on runs of identical rows (framework-free).

A convolution whose zero padding is at least its kernel extent (FCN's ``pad: 100``)
writes runs of identical rows and columns: every output row whose window lies in the
padding is the same. Later window layers keep such runs, each shortened by its window.
Computing every row of a run is wasted work: on FCN-8s at 500x500 about a fifth of all
multiply-adds (:func:`saved_fraction`).

A :class:`Plan` keeps only a few rows of each run, enough that every layer still reads
exactly what it reads in the full blob:

* a run of ``full`` rows kept as ``kept`` drops ``r = full - kept`` rows. A window layer
  of extent e and stride s reads it exactly when ``r % s == 0`` and ``kept >= e - 1 + s``
  (or ``r == 0``): a window straddling the run's edge reads at most ``e - 1`` of its
  rows, which are all still there; the rows after the run move by a whole number of
  strides; and at least one output row still lies inside the run. The output run is the
  full one less ``r / s`` rows;
* a convolution's zero padding is such a run too: it is cut the same way (a smaller
  pad, on both sides);
* where a layer needs more rows than are kept (runs shrink by ``e - 1`` per layer), it
  reads a re-gathered copy: the rows of a run are identical, so any number of them can
  be made. A layer outside the plan (Crop, Deconvolution, Eltwise...) and every graph
  output read the full blob, gathered back the same way.

Each kept row is computed from the same numbers, in the same windows, as in the full
blob, so the result is Caffe's. How many rows to keep is chosen by looking ahead along
the chain of layers reading the blob, up to the next strided one: the fewest rows that
need no re-gather until then. The backend (ONNX export) runs the plan; the layer
families say which layers it may cross (their spec's ``window`` fact).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .layers.registry import POINTWISE, SPECS, Window


@dataclass(frozen=True)
class Run:
    """``full`` identical rows from ``start`` (full-blob index), ``kept`` of them kept."""

    start: int
    full: int
    kept: int

    @property
    def removed(self) -> int:
        return self.full - self.kept


@dataclass(frozen=True)
class Axis:
    """One spatial axis of a blob: its full size and its runs of identical rows."""

    size: int
    runs: tuple[Run, ...] = ()

    @property
    def kept_size(self) -> int:
        """The axis' size in the compressed blob."""
        return self.size - sum(r.removed for r in self.runs)

    def key(self) -> tuple:
        """Equal keys: the same compressed blob (runs kept whole change nothing)."""
        return tuple((r.start, r.full, r.kept) for r in self.runs if r.removed)

    def rows(self) -> np.ndarray:
        """For each row of the compressed blob, the full-blob row it holds."""
        out, pos = [], 0
        for r in self.runs:
            out.extend(range(pos, r.start + r.kept))
            pos = r.start + r.full
        out.extend(range(pos, self.size))
        return np.asarray(out, np.int64)

    def index(self) -> np.ndarray:
        """For each full-blob row, the row of the compressed blob holding its values."""
        idx, pos, c = np.empty(self.size, np.int64), 0, 0
        for r in self.runs:
            idx[pos:r.start] = np.arange(c, c + r.start - pos)
            c += r.start - pos
            idx[r.start:r.start + r.full] = c + np.minimum(np.arange(r.full), r.kept - 1)
            c, pos = c + r.kept, r.start + r.full
        idx[pos:] = np.arange(c, c + self.size - pos)
        return idx


def gather_index(have: Axis, want: Axis) -> np.ndarray | None:
    """Rows of the ``have`` blob that make the ``want`` blob (None: nothing to do).

    ``want`` is ``have`` with other kept counts, or ``Axis(size)`` for the full blob."""
    if have.key() == want.key():
        return None
    return have.index()[want.rows()]


def gather_indices(have, want) -> tuple:
    """Per axis (H, W), the rows of the ``have`` blob making the ``want`` blob
    (:func:`gather_index`: None on an axis left as is); either layout may be None, the
    full blob."""
    have = have or full_of(want)
    want = want or full_of(have)
    return tuple(gather_index(h, w) for h, w in zip(have, want))


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _through(run: Run, e: int, s: int, p: int, out_size: int) -> Run | None | bool:
    """The top's run made by the windows lying in ``run`` (None: no such window), or
    False when ``run``'s kept rows would not be read exactly (see the module doc)."""
    if run.removed and (run.removed % s or run.kept < e - 1 + s):
        return False
    lo = max(0, _ceil_div(run.start + p, s))
    hi = min(out_size - 1, (run.start + run.full + p - e) // s)
    if hi < lo:
        return None
    full = hi - lo + 1
    return Run(lo, full, full - run.removed // s)


def _step(axis: Axis, e: int, s: int, p: int, pad_kept: int | None, out_size: int):
    """The top's axis, or None if ``axis`` (with ``pad_kept`` of a zero padding that is
    a run, else None) is not read exactly by this window."""
    sources = list(axis.runs)
    if pad_kept is not None:
        sources = [Run(-p, p, pad_kept), *sources, Run(axis.size, p, pad_kept)]
    runs = []
    for run in sources:
        out = _through(run, e, s, p, out_size)
        if out is False:
            return None
        if out is not None:
            runs.append(out)
    return Axis(out_size, tuple(runs))


def _window(layer):
    """The layer's window (a Window, POINTWISE) when the plan may cross it, else None."""
    if len(layer.bottoms) != 1 or len(layer.tops) != 1:
        return None
    return SPECS[layer.type].window(layer.params)


@dataclass
class Plan:
    """What the backend does per layer (indices into ``net.layers``).

    Attributes:
        reads: layer -> the (H, W) :class:`Axis` pair of the blob it reads; a layer not
            listed reads its bottoms in full.
        tops: layer -> the (H, W) axes its top is written with (not listed: full).
        params: layer -> the parameters a convolution runs with: Caffe's, with the
            zero pad cut.
    """

    reads: dict
    tops: dict
    params: dict

    def shape(self, i: int, full_shape) -> tuple:
        """The shape of layer i's top as computed (compressed H, W)."""
        if i not in self.tops:
            return tuple(full_shape)
        h, w = self.tops[i]
        return (*full_shape[:2], h.kept_size, w.kept_size)


class _Planner:
    def __init__(self, net, top_shapes):
        self.net, self.top_shapes = net, top_shapes

    def next_reader(self, i: int, blob: str):
        """The first layer after i reading ``blob`` (its value written by layer i)."""
        for j in range(i + 1, len(self.net.layers)):
            if blob in self.net.layers[j].bottoms:
                return j
        return None

    def chain(self, i: int):
        """Layers after i reached through first readers, crossing pointwise layers, up
        to and including the first strided window (the lookahead horizon)."""
        out, blob = [], self.net.layers[i].tops[0]
        j = self.next_reader(i, blob)
        while j is not None:
            layer = self.net.layers[j]
            win = _window(layer)
            if win is None:
                break
            if win != POINTWISE:
                out.append(j)
                if max(win.stride) > 1:
                    break
            blob = layer.tops[0]
            j = self.next_reader(j, blob)
        return out

    def out_size(self, j: int, a: int) -> int:
        return self.top_shapes[self.net.layers[j].name][0][2 + a]

    def lasts(self, run: Run, chain, a: int) -> bool:
        """True if ``run`` is read exactly through every window of ``chain``."""
        for j in chain:
            win = _window(self.net.layers[j])
            out = _through(run, win.extent[a], win.stride[a], win.pad[a], self.out_size(j, a))
            if out is False:
                return False
            if out is None:
                return not run.removed
            run = out
        return True

    def fewest(self, run: Run, step: int, chain, a: int) -> int:
        """The fewest rows of ``run`` to keep that last through ``chain`` (from its first
        layer, of stride ``step``), or all of them."""
        for kept in range(1, run.full):
            if (run.full - kept) % step == 0 and self.lasts(replace(run, kept=kept), chain, a):
                return kept
        return run.full

    def layer(self, i: int, have):
        """(read layout, pad override or None, top layout) of window layer i."""
        layer = self.net.layers[i]
        win = _window(layer)
        if win == POINTWISE:
            return have, None, have
        chain = None  # the lookahead, walked only where there is a run
        pads, tops, read = [], [], list(have)
        for a in (0, 1):
            e, s, p = win.extent[a], win.stride[a], win.pad[a]
            pad_kept = None
            if win.zeros and p >= e or have[a].runs:
                chain = chain or [i, *self.chain(i)]
            if win.zeros and p >= e:  # windows wholly in the padding: a run of zeros
                pad_kept = self.fewest(Run(-p, p, p), s, chain, a)
            top = _step(read[a], e, s, p, pad_kept, self.out_size(i, a))
            if top is None:  # the kept rows do not suffice: re-gather for this layer on
                read[a] = Axis(have[a].size, tuple(
                    replace(r, kept=self.fewest(replace(r, kept=r.full), s, chain, a))
                    for r in have[a].runs))
                top = _step(read[a], e, s, p, pad_kept, self.out_size(i, a))
            pads.append(p if pad_kept is None else pad_kept)
            tops.append(top)
        pad = tuple(pads) if tuple(pads) != tuple(win.pad) else None
        return tuple(read), pad, tuple(tops)


def plan(net, input_shapes, top_shapes) -> Plan | None:
    """The compression plan for ``net`` at these (static) input shapes, or None when no
    layer would skip a row (the net has no zero padding at least a kernel wide)."""
    p = _Planner(net, top_shapes)
    shapes = dict(input_shapes)  # each blob's current shape
    layouts, reads, tops, params = {}, {}, {}, {}
    for i, layer in enumerate(net.layers):
        win = _window(layer)
        bottom = layer.bottoms[0] if layer.bottoms else None
        shape = shapes.get(bottom, ())
        shapes.update(zip(layer.tops, top_shapes[layer.name]))
        if win is None or len(shape) != 4:
            for t in layer.tops:
                layouts.pop(t, None)
            continue
        n, c, h, w = shape
        have = layouts.get(bottom, (Axis(h), Axis(w)))
        read, pad, top = p.layer(i, have)
        reads[i] = read
        if pad is not None:
            params[i] = replace(layer.params, pad=pad)
        if any(ax.runs for ax in top):
            layouts[layer.tops[0]] = tops[i] = top
        else:
            layouts.pop(layer.tops[0], None)
    if not any(ax.key() for read in reads.values() for ax in read) and not params:
        return None
    return Plan(reads, tops, params)


def layout_key(layout):
    """Equal keys: the same compressed blob (None: the full blob)."""
    key = layout and tuple(a.key() for a in layout)
    return key if key and any(key) else None


def schedule(net, plan_: Plan):
    """What running the plan takes, layer by layer: ``(gathers, finals)``.

    ``gathers[i]``: per bottom of layer i, the ``(have, want)`` layouts (each an (H, W)
    axis pair; None = the full blob) when the value must be gathered first, else None.
    ``finals``: {blob: layout} for each blob whose final value is compressed (gather
    it to the full blob for an output)."""
    layouts, gathers = {}, []
    for i, layer in enumerate(net.layers):
        row = []
        for k, b in enumerate(layer.bottoms):
            have, want = layouts.get(b), plan_.reads.get(i) if k == 0 else None
            row.append((have, want) if layout_key(have) != layout_key(want) else None)
        gathers.append(row)
        for t in layer.tops:
            layouts[t] = plan_.tops.get(i)
    return gathers, {b: lay for b, lay in layouts.items() if compressed(lay)}


def scheduled(net, input_shapes):
    """``(plan, gathers, finals)`` (:func:`plan`, :func:`schedule`) for ``net`` at these
    input shapes, or None when no layer would skip a row."""
    plan_ = plan(net, input_shapes, net.top_shapes(input_shapes))
    return None if plan_ is None else (plan_, *schedule(net, plan_))


def compressed(layout) -> bool:
    """Whether a layout (an (H, W) axis pair, or None) drops any row."""
    return layout_key(layout) is not None


def full_of(layout) -> tuple:
    """The (H, W) axes of the full blob a layout compresses."""
    return tuple(Axis(a.size) for a in layout)


def saved_fraction(net, input_shapes, top_shapes, plan_: Plan) -> float:
    """The share of the net's convolution multiply-adds the plan skips (from shapes)."""
    shapes = dict(input_shapes)
    full = kept = 0
    for i, layer in enumerate(net.layers):
        if layer.type == "Convolution":
            weight = SPECS[layer.type].param_shapes(layer.params, [shapes[layer.bottoms[0]]])[0]
            top = top_shapes[layer.name][0]
            out = plan_.shape(i, top)
            full += int(np.prod(weight)) * top[2] * top[3]
            kept += int(np.prod(weight)) * out[2] * out[3]
        shapes.update(zip(layer.tops, top_shapes[layer.name]))
    return 1.0 - kept / full if full else 0.0
