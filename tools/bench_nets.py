"""Random full-size weights for a deploy prototxt, written by the project's wire encoder.

``write_weights(prototxt, path)`` infers Caffe's parameter shapes for every weighted
layer (``converter.layers`` specs) and streams a BVLC caffemodel holding only those
weights (He-scaled normal values, seeded), so every benchmark engine reads the same file.
"""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NETS = REPO / "parity_tests" / "data" / "nets"
#: benchmark nets: name -> (deploy prototxt, input shape)
BENCH_NETS = {
    "DeepLab-LargeFOV": (NETS / "tensorflow-deeplab-lfov__util__deploy.prototxt", (1, 3, 321, 321)),
    "FCN-8s": (NETS / "fcn.berkeleyvision.org__voc-fcn8s__deploy.prototxt", (1, 3, 500, 500)),
}


def _key(number: int, length: int) -> bytes:
    from caffe2ss.converter.reader.wire import encode_varint

    return encode_varint(number << 3 | 2) + encode_varint(length)


def param_shapes(prototxt) -> list[tuple[str, str, list[tuple]]]:
    """(layer name, type, Caffe's weight shapes) for every weighted layer, in order."""
    from caffe2ss.converter import load
    from caffe2ss.converter.layers import SPECS

    net = load(prototxt=prototxt)
    shapes = net.infer_shapes()
    out = []
    for layer in net.layers:
        bottoms = [shapes[b] for b in layer.bottoms]
        ps = SPECS[layer.type].param_shapes(layer.params, bottoms)
        if ps:
            out.append((layer.name, layer.type, [tuple(int(d) for d in s) for s in ps]))
    return out


def write_weights(prototxt, path, seed: int = 0, thin: int = 1) -> int:
    """Stream a weights-only caffemodel for ``prototxt`` into ``path``; return #params."""
    import numpy as np

    from caffe2ss.converter.reader.wire import encode_varint

    rng = np.random.default_rng(seed)
    total = 0
    with open(path, "wb") as f:
        f.write(_key(1, 7) + b"weights")
        for name, type_, shapes in param_shapes(prototxt):
            head = _key(1, len(name.encode())) + name.encode()
            head += _key(2, len(type_.encode())) + type_.encode()
            blobs = []
            for shape in shapes:
                dims = b"".join(encode_varint(d) for d in shape)
                n = int(np.prod(shape)) if shape else 1
                blob_head = _key(7, len(_key(1, len(dims)) + dims)) + _key(1, len(dims)) + dims
                blobs.append((blob_head + _key(5, 4 * n), shape, n))
            payload = len(head) + sum(len(_key(7, len(h) + 4 * n)) + len(h) + 4 * n
                                      for h, _, n in blobs)
            f.write(_key(100, payload) + head)
            for i, (h, shape, n) in enumerate(blobs):
                f.write(_key(7, len(h) + 4 * n) + h)
                fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
                scale = np.float32((2.0 / fan_in) ** 0.5 if i == 0 else 0.01)
                data = rng.standard_normal(n, dtype=np.float32) * scale
                f.write(memoryview(data.astype("<f4", copy=False)))
                total += n
    return total
