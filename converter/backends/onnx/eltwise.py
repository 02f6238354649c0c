"""Eltwise: SUM with coefficients as Mul + Add, PROD as Mul, MAX as Greater + Where."""
from __future__ import annotations

from .registry import register


@register("Eltwise")
def eltwise(g, layer, xs, ys):
    """Caffe accumulates in bottom order: ``((c0*x0 + c1*x1) + c2*x2) ...``."""
    p = layer.params
    if p.op == "MAX":  # Caffe's loop: a > b ? a : b, then x > top ? x : top (NaN order)
        acc = xs[0]
        for i, x in enumerate(xs[1:], start=1):
            new, old = (acc, x) if i == 1 else (x, acc)
            out = ys if i == len(xs) - 1 else [g.fresh(f"{layer.name}/Max")]
            acc = g.node("Where", [g.op("Greater", [new, old]), new, old], out)[0]
        return
    if p.op == "PROD":
        terms = xs
    else:
        # coeff 1 is a plain add in Caffe (axpy with 1); others scale the bottom first
        terms = [x if c == 1.0 else g.op("Mul", [x, g.scalar(c, "coeff")])
                 for x, c in zip(xs, p.coeffs)]
    op = "Mul" if p.op == "PROD" else "Add"
    acc = terms[0]
    for i, t in enumerate(terms[1:], start=2):
        acc = g.node(op, [acc, t], ys if i == len(terms) else [g.fresh(f"{layer.name}/{op}")])[0]
