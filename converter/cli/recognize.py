"""Converted outputs given where a Caffe file is expected: name them and the command
that takes them, instead of a misleading parse error."""
from __future__ import annotations

from pathlib import Path

from ..errors import CaffeError

#: What takes a converted output (with its sidecar <output>.json).
TAKES_CONVERTED = "caffe2ss inspect, eval and infer take it"


def converted_kind(path) -> str | None:
    """``"PyTorch .pt"`` / ``"safetensors"`` / ``"ONNX"`` / ``"TensorFlow ..."`` /
    ``"caffe2ss sidecar JSON"`` when ``path`` is a converted output, else None."""
    p = Path(path)
    name = p.name.lower()
    if not p.exists():
        if p.with_name(p.name + ".index").exists():
            return "TensorFlow checkpoint prefix"
        return None
    if p.is_dir():
        return "TensorFlow SavedModel folder" if (p / "saved_model.pb").exists() else None
    with open(p, "rb") as f:
        head = f.read(16)
    if name.endswith(".onnx"):
        return "ONNX model"
    if name.endswith(".safetensors"):
        return "safetensors state_dict"
    if name.endswith((".index", ".weights.h5")) or ".data-0" in name:
        return "TensorFlow checkpoint file"
    if head.startswith(b"PK\x03\x04") and name.endswith((".pt", ".pth")):
        return "PyTorch state_dict (.pt)"
    if name.endswith(".json") and head.lstrip().startswith(b"{"):
        return "caffe2ss sidecar JSON"
    if head.startswith(b"PK\x03\x04"):
        return "zip archive (a PyTorch .pt?)"
    return None


def _model_of(path: Path, kind: str) -> str:
    if kind == "caffe2ss sidecar JSON":
        return str(path)[: -len(".json")]
    if kind == "TensorFlow checkpoint file":
        s = str(path)
        for suffix in (".index", ".weights.h5"):
            if s.endswith(suffix):
                return s[: -len(suffix)]
        return s.split(".data-0")[0]
    return str(path)


def refuse_converted(path, command: str) -> None:
    """Raise a CaffeError naming the file's kind when ``command`` needs a Caffe file."""
    kind = converted_kind(path)
    if kind is None or kind.startswith("zip archive"):
        return
    model = _model_of(Path(path), kind)
    raise CaffeError(f"this is a {kind}, a caffe2ss output, not a Caffe file; "
                     f"`caffe2ss {command}` needs the .caffemodel/.prototxt it came from. "
                     f"{TAKES_CONVERTED}: e.g. caffe2ss infer {model} images/ -o masks",
                     file=path)


def converted_model(path) -> str | None:
    """The MODEL argument for a converted output (a sidecar or TF file -> its prefix)."""
    kind = converted_kind(path)
    return None if kind is None or kind.startswith("zip") else _model_of(Path(path), kind)
