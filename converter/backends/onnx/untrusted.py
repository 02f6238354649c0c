"""Read a user-supplied ``.onnx`` as data: no external files, no custom operators.

An ONNX file can name external data files (``location`` may point anywhere on disk)
and operators from custom domains (run by whatever library a runtime registers). A
caffe2ss export has neither: all weights inline, only the default ``ai.onnx`` domain.
Anything else is refused before onnxruntime sees the file.
"""
from __future__ import annotations

from pathlib import Path

from caffe2ss.converter.errors import CaffeError

#: Operator domains a caffe2ss export uses ('' is the default ai.onnx domain).
ALLOWED_DOMAINS = ("", "ai.onnx")


def load_untrusted(path: Path):
    """``onnx.ModelProto`` of ``path`` (a regular file) after the checks above."""
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
    graphs = [model.graph]
    while graphs:
        g = graphs.pop()
        for t in list(g.initializer) + [a.t for n in g.node for a in n.attribute]:
            if t.data_location == onnx.TensorProto.EXTERNAL or len(t.external_data):
                raise CaffeError(f"tensor '{t.name}' refers to external data; caffe2ss "
                                 "exports keep all weights inside the .onnx file, convert "
                                 "again with caffe2ss", file=path)
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
    return model
