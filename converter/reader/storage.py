"""How a caffemodel stores its weights, for ``caffe2ss inspect``.

Real files mix encodings: legacy 4-D ``num/channels/height/width`` dims (pre-2015 files,
DeepLab v1), ``double_data`` (float64 weights), and OpenCV's half-precision
``raw_data`` (``raw_data_type`` FLOAT16). :func:`summarize` counts each per blob and
names the layers that use the unusual ones.
"""
from __future__ import annotations

#: encoding word (from :func:`.blobs.read_blob`) -> words for the report
LABELS = {"data": "float32 data", "double_data": "double_data (float64, read as float32)",
          "raw_data:FLOAT16": "fp16 raw_data (OpenCV half precision, widened to float32)",
          "raw_data:FLOAT": "float32 raw_data", "raw_data:DOUBLE": "float64 raw_data"}


def summarize(layers) -> dict:
    """``{"blobs": n, "encodings": {word: n}, "legacy_dims": n, "layers": {word: [names]}}``.

    ``layers``: the scanned layers (:class:`.scan.ScannedLayer`). ``layers`` lists, for
    every encoding other than plain ``data`` and for ``legacy_dims``, the layers using it.
    """
    out = {"blobs": 0, "encodings": {}, "legacy_dims": 0, "layers": {}}
    for l in layers:
        for (_, legacy), word in zip(l.blobs, l.storage):
            out["blobs"] += 1
            out["encodings"][word] = out["encodings"].get(word, 0) + 1
            marks = ([word] if word != "data" else []) + (["legacy_dims"] if legacy else [])
            out["legacy_dims"] += bool(legacy)
            for m in marks:
                names = out["layers"].setdefault(m, [])
                if l.name not in names:
                    names.append(l.name)
    return out


def render(storage: dict) -> list[str]:
    """Text lines for :func:`summarize`'s output (none without a caffemodel)."""
    if not storage or not storage.get("blobs"):
        return []
    lines = [f"storage: {storage['blobs']} weight blobs"]
    for word, n in storage["encodings"].items():
        lines.append(f"  {n} as {LABELS.get(word, word)}" + _who(storage, word))
    if storage["legacy_dims"]:
        lines.append(f"  {storage['legacy_dims']} with legacy 4-D dims "
                     "(num/channels/height/width)" + _who(storage, "legacy_dims"))
    return lines


def _who(storage: dict, word: str) -> str:
    names = storage["layers"].get(word, [])
    if not names:
        return ""
    more = f", ... ({len(names)} layers)" if len(names) > 4 else ""
    return ": " + ", ".join(names[:4]) + more
