"""Read a user-supplied ``.onnx`` as data: no stray external files, no custom operators.

An ONNX file can name external data files (``location`` may point anywhere on disk)
and operators from custom domains (run by whatever library a runtime registers). A
caffe2ss export uses only the default ``ai.onnx`` domain and keeps its weights inline,
except a model too large for one protobuf message (see :mod:`.stream`): its weights
are in one file next to it. External data is therefore accepted only as caffe2ss
writes it, and refused otherwise before onnxruntime sees the file:

* every external tensor names the same ``location``, a plain file name (no folder
  part, no ``..``, no NUL) of a regular file (not a link) in the model's own folder;
* only the keys ``location``, ``offset`` and ``length``; ``offset + length`` within that
  file, and ``length`` the tensor's size;
* the model's metadata ``external_data`` (written by caffe2ss after the data file) names
  that file and its size and quick hash (:func:`...generation.fingerprint`), which it
  must match: a data file from another conversion is refused.

Nodes' tensor attributes may never be external.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.generation import verify

#: Operator domains a caffe2ss export uses ('' is the default ai.onnx domain).
ALLOWED_DOMAINS = ("", "ai.onnx")
#: The metadata key recording the external data file: {"file", "size", "quick_hash"}.
EXTERNAL_KEY = "external_data"
_KEYS = {"location", "offset", "length"}


def load_untrusted(path: Path):
    """``onnx.ModelProto`` of ``path`` (a regular file) after the checks above; its
    external data (if any) is checked, not loaded: :func:`external_file` names it."""
    import onnx
    from google.protobuf.message import DecodeError

    if not path.is_file():
        raise CaffeError("not a regular file; pass the .onnx written by caffe2ss convert",
                         file=path)
    try:
        model = onnx.load(str(path), load_external_data=False)
    except (DecodeError, ValueError, RuntimeError) as e:
        raise CaffeError(f"not a readable ONNX file ({type(e).__name__}); convert the "
                         "caffemodel again with caffe2ss convert --to onnx",
                         file=path) from None
    graphs, external = [model.graph], []
    while graphs:
        g = graphs.pop()
        for t in [a.t for n in g.node for a in n.attribute]:
            if t.data_location == onnx.TensorProto.EXTERNAL or len(t.external_data):
                raise CaffeError(f"tensor '{t.name}' refers to external data; caffe2ss "
                                 "exports never do so for a node attribute, convert "
                                 "again with caffe2ss", file=path)
        external += [t for t in g.initializer
                     if t.data_location == onnx.TensorProto.EXTERNAL or len(t.external_data)]
        for n in g.node:
            if n.domain not in ALLOWED_DOMAINS:
                raise CaffeError(f"node '{n.name}' uses operator domain '{n.domain}'; only "
                                 "standard ONNX operators are run, convert again with "
                                 "caffe2ss", file=path)
            graphs += [a.g for a in n.attribute if a.HasField("g")]
            graphs += [sub for a in n.attribute for sub in a.graphs]
    if len(model.functions):
        raise CaffeError("the file defines ONNX functions; caffe2ss exports have none, "
                         "convert again with caffe2ss", file=path)
    if external:
        _check_external(path, model, external)
    return model


def external_file(model) -> str | None:
    """The external data file name a checked model uses (None: all weights inline)."""
    for t in model.graph.initializer:
        for e in t.external_data:
            if e.key == "location":
                return e.value
    return None


def _refuse(path, what: str):
    raise CaffeError(f"{what}; caffe2ss reads external data only from the file it wrote "
                     "next to the model (<model>.onnx.data), convert again with caffe2ss",
                     file=path)


def _check_external(path: Path, model, tensors) -> None:
    import onnx

    meta = {p.key: p.value for p in model.metadata_props}
    try:
        record = json.loads(meta.get(EXTERNAL_KEY, "null"))
    except ValueError:
        record = None
    if not isinstance(record, dict) or not isinstance(record.get("file"), str) or \
            "quick_hash" not in record:
        _refuse(path, f"tensor '{tensors[0].name}' refers to external data the model's "
                f"metadata does not record")
    name = record["file"]
    if name in ("", ".", "..") or any(c in name for c in "/\\\0") or Path(name).name != name:
        _refuse(path, f"the external data file '{name}' is not a plain file name")
    data = path.parent / name
    try:
        st = os.lstat(data)
    except OSError:
        _refuse(path, f"the external data file {name} is missing")
    if not stat.S_ISREG(st.st_mode):
        _refuse(path, f"the external data file {name} is not a regular file")
    for t in tensors:
        fields = {e.key: e.value for e in t.external_data}
        if set(fields) - _KEYS or fields.get("location") != name or \
                len(t.external_data) != len(fields):
            _refuse(path, f"tensor '{t.name}' refers to external data outside {name}")
        try:
            offset, length = int(fields.get("offset", 0)), int(fields["length"])
        except (KeyError, ValueError):
            _refuse(path, f"tensor '{t.name}' has no valid external offset and length")
        try:
            itemsize = onnx.helper.tensor_dtype_to_np_dtype(t.data_type).itemsize
        except (KeyError, ValueError, TypeError):
            _refuse(path, f"tensor '{t.name}' has an unknown data type")
        count = 1
        for d in t.dims:
            count *= d
        if offset < 0 or length != count * itemsize or offset + length > st.st_size:
            _refuse(path, f"tensor '{t.name}' has external data outside {name}'s "
                    f"{st.st_size} bytes or of the wrong size")
    verify(data, record, path)  # size and quick hash: the data file of this model
