"""``caffe2ss inspect`` on a converted output: its sidecar's provenance and the Caffe
layer -> parameter-name map (``--json``: the whole validated sidecar)."""
from __future__ import annotations

from pathlib import Path

from ..errors import CaffeError, printable
from ..provenance import find_sidecar
from ..sidecar_schema import read_sidecar
from .preproc import describe_preprocessing


def converted_report(model: str, kind: str) -> dict:
    """The validated sidecar of ``model`` with ``kind`` and ``sidecar`` added."""
    side = find_sidecar(Path(model))
    if side is None:
        raise CaffeError(f"this is a {kind} but its sidecar ({Path(model).name}.json) is "
                         "missing; inspect needs it, or inspect the .caffemodel", file=model)
    meta = dict(read_sidecar(side))
    meta.update(kind=kind, sidecar=str(side), model=str(model))
    return meta


def render_converted(meta: dict) -> str:
    """Text: what the file is, where it came from, its input, and the parameter map."""
    src = ", ".join(f"{role} {s.get('path')} (sha256 {str(s.get('sha256'))[:12]}...)"
                    for role, s in (meta.get("source") or {}).items())
    inp = meta.get("input") or {}
    out = [f"file:    {meta['model']} ({meta['kind']}, framework {meta.get('framework')})",
           f"sidecar: {meta['sidecar']} (schema version {meta.get('version', 0)})",
           f"source:  {src or 'unknown'}",
           f"fork:    {meta.get('fork')}",
           f"input:   {inp.get('blob')} {inp.get('shape')} ({inp.get('layout')})",
           f"outputs: {', '.join(meta.get('outputs') or [])}",
           describe_preprocessing(meta.get("preprocessing") or {}), "",
           "Caffe layer -> parameters"]
    layers = meta.get("layers") or {}
    width = max((len(k) for k in layers), default=0)
    out += [f"  {k.ljust(width)}  {', '.join(map(str, v))}" for k, v in layers.items()]
    return "\n".join(map(printable, out))


def render_unsupported(model, layers: list, message: str) -> str:
    """Every layer of a net that cannot be converted, unsupported ones marked and listed."""
    rows = [("layer", "type", "bottoms -> tops", "")]
    rows += [(l["name"], l["type"], f"{','.join(l['bottoms'])} -> {','.join(l['tops'])}",
              "" if l["supported"] else "UNSUPPORTED") for l in layers]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    out = [f"net:     {model} (cannot be converted: it has unsupported layers)", ""]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    bad = [f"{l['name']} ({l['type']})" for l in layers if not l["supported"]]
    out += ["", f"unsupported layers ({len(bad)}): {', '.join(bad)}", f"error: {message}"]
    return "\n".join(map(printable, out))
