"""OpenCV's half-precision caffemodels (``shrinkCaffeModel``): weights in ``raw_data``.

Regression for issue 16: such a file was reported as "0 values stored ... corrupt or
truncated blob". The look-alikes have OpenCV's wire layout: ``data`` cleared, the shape
fields kept, ``raw_data_type`` (10) = FLOAT16 and little-endian halves in ``raw_data`` (12).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from caffe2ss.converter import CaffeError, load
from caffe2ss.converter.cli import main
from caffe2ss.converter.reader.wire import encode_len_field

from helpers.lookalike import fp16_blob, mtcnn_det1, with_fp16_blobs

SHRUNK = ("Convolution", "InnerProduct")  # shrinkCaffeModel's default layer types


def halves(model: bytes) -> dict:
    """Layer name -> its weights as OpenCV keeps them (float16 for the shrunk types)."""
    net = load_bytes(model)
    return {l.name: [b.astype(np.float16).astype(np.float32) if l.type in SHRUNK else b
                     for b in l.blobs] for l in net.param_layers()}


def load_bytes(data: bytes, tmp=None):
    import tempfile
    from pathlib import Path

    d = Path(tmp or tempfile.mkdtemp())
    p = d / "m.caffemodel"
    p.write_bytes(data)
    return load(p)


@pytest.mark.parametrize("legacy", [False, True])
def test_fp16_weights_read_exactly(tmp_path, legacy):
    src = mtcnn_det1()
    net = load_bytes(with_fp16_blobs(src, legacy=legacy), tmp_path)
    want = halves(src)
    assert [l.name for l in net.param_layers()] == list(want)
    for l in net.param_layers():
        for got, ref in zip(l.blobs, want[l.name]):
            assert got.dtype == np.float32 and got.shape == ref.shape
            assert got.tobytes() == ref.tobytes(), l.name  # float16 -> float32 is exact
    convs = [l.name for l in net.param_layers() if l.type == "Convolution"]
    assert net.storage["layers"]["raw_data:FLOAT16"] == convs
    assert net.storage["encodings"] == {"raw_data:FLOAT16": 10, "data": 3}
    assert net.storage["legacy_dims"] == (10 if legacy else 0)


def test_float_raw_data_is_a_view(tmp_path):
    from caffe2ss.converter.reader.blobs import read_blob

    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    body = fp16_blob(arr, dtype_code=1)
    got, legacy = read_blob(body, 0, len(body))
    assert not legacy and got.base is not None and np.array_equal(got, arr)


def test_truncated_raw_data_is_an_error(tmp_path):
    arr = np.ones((4, 3, 3, 3), np.float32)
    body = encode_len_field(7, fp16_blob(arr, nbytes=2 * arr.size - 2))
    from caffe2ss.protos import caffe_pb2
    lp = caffe_pb2.LayerParameter(name="conv1", type="Convolution", bottom=["data"],
                                  top=["conv1"])
    lp.convolution_param.num_output = 4
    lp.convolution_param.kernel_size.append(3)
    lp.convolution_param.bias_term = False
    model = tmp_path / "bad.caffemodel"
    model.write_bytes(encode_len_field(100, lp.SerializeToString() + body))
    with pytest.raises(CaffeError) as e:
        load(model)
    msg = str(e.value)
    assert "raw_data holds 214 bytes = 107 FLOAT16 values" in msg and "needs 108" in msg
    assert "conv1" in msg and "truncated" in msg


def test_integer_raw_data_is_refused():
    from caffe2ss.converter.reader.blobs import read_blob

    body = fp16_blob(np.zeros(3, np.float32), dtype_code=3)
    with pytest.raises(CaffeError, match="raw_data_type is INT"):
        read_blob(body, 0, len(body))


def test_inspect_states_the_storage(tmp_path, capsys):
    model = tmp_path / "det1_fp16.caffemodel"
    model.write_bytes(with_fp16_blobs(mtcnn_det1(), legacy=True))
    assert main(["inspect", str(model)]) == 0
    out = capsys.readouterr().out
    assert "storage: 13 weight blobs" in out
    assert "10 as fp16 raw_data (OpenCV half precision, widened to float32): conv1" in out
    assert "10 with legacy 4-D dims" in out
    assert main(["inspect", str(model), "--json"]) == 0
    storage = json.loads(capsys.readouterr().out)["storage"]
    assert storage["encodings"]["raw_data:FLOAT16"] == 10 and storage["legacy_dims"] == 10
