"""Look-alikes of real third-party Caffe files (which cannot ship), built byte by byte.

Each builder reproduces the wire layout of a published file that caffe2ss once misread,
with small random weights (not a test file):

* :func:`mtcnn_det1`: kpzhang93's MTCNN det1 caffemodel, whose embedded train net has
  an HDF5Data layer with tops ``[label12face, data12face]`` (label first), a Slice of
  the label and two losses;
* :func:`densenet_like`: DenseNet-Caffe's ``pool1`` with ``ceil_mode: false`` (pooling
  field 13 = 0), as saved by a ceil_mode fork (BVLC reads 13 = 0 as round_mode CEIL);
* :func:`fp16_blob`: a BlobProto as OpenCV's ``shrinkCaffeModel`` writes it
  (``data`` cleared, ``raw_data_type`` 10 = FLOAT16, bytes in ``raw_data`` 12).
"""
from __future__ import annotations

import numpy as np

from caffe2ss.converter.reader.wire import LEN, VARINT, encode_len_field, encode_varint
from caffe2ss.protos import caffe_pb2


def key(number: int, wtype: int) -> bytes:
    return encode_varint(number << 3 | wtype)


def blob_proto(arr: np.ndarray) -> caffe_pb2.BlobProto:
    b = caffe_pb2.BlobProto()
    b.shape.dim.extend(arr.shape)
    b.data.extend(np.asarray(arr, np.float32).ravel().tolist())
    return b


def layer(net, name, type_, bottoms=(), tops=(), blobs=(), **params):
    """Append a V2 layer; ``params``: ``{param_field: {field: value or list}}``."""
    lp = net.layer.add(name=name, type=type_)
    lp.bottom.extend(bottoms)
    lp.top.extend(tops)
    for pname, fields in params.items():
        msg = getattr(lp, pname)
        for k, v in fields.items():
            if isinstance(v, (list, tuple)):
                getattr(msg, k).extend(v)
            else:
                setattr(msg, k, v)
    for arr in blobs:
        lp.blobs.add().CopyFrom(blob_proto(arr))
    return lp


def _conv(net, rng, name, bottom, c_in, c_out, k, prelu=True):
    w = rng.standard_normal((c_out, c_in, k, k)).astype(np.float32) * 0.3
    b = rng.standard_normal(c_out).astype(np.float32) * 0.1
    layer(net, name, "Convolution", [bottom], [name], [w, b],
          convolution_param={"num_output": c_out, "kernel_size": [k]})
    if prelu:
        slopes = rng.uniform(0, 0.3, c_out).astype(np.float32)
        layer(net, f"PReLU_{name}", "PReLU", [name], [name], [slopes])


def mtcnn_det1(seed: int = 0) -> bytes:
    """MTCNN det1 (P-Net) as its caffemodel embeds it: label top first."""
    rng = np.random.default_rng(seed)
    net = caffe_pb2.NetParameter(name="PNet")
    hdf5 = layer(net, "hdf_data", "HDF5Data", [], ["label12face", "data12face"],
                 hdf5_data_param={"source": "train12.txt", "batch_size": 64})
    hdf5.include.add(phase=caffe_pb2.TRAIN)
    _conv(net, rng, "conv1", "data12face", 3, 10, 3)
    layer(net, "pool1", "Pooling", ["conv1"], ["pool1"],
          pooling_param={"pool": 0, "kernel_size": 2, "stride": 2})
    _conv(net, rng, "conv2", "pool1", 10, 16, 3)
    _conv(net, rng, "conv3", "conv2", 16, 32, 3)
    _conv(net, rng, "conv4-1", "conv3", 32, 2, 1, prelu=False)
    _conv(net, rng, "conv4-2", "conv3", 32, 4, 1, prelu=False)
    layer(net, "slicer_label", "Slice", ["label12face"], ["label1", "roi1"],
          slice_param={"axis": 1, "slice_point": [1]})
    layer(net, "cls_loss", "SoftmaxWithLoss", ["conv4-1", "label1"], ["cls_loss"])
    layer(net, "roi_loss", "EuclideanLoss", ["conv4-2", "roi1"], ["roi_loss"])
    return net.SerializeToString()


def fp16_blob(arr: np.ndarray, legacy: bool = False, dtype_code: int = 2,
              nbytes: int | None = None) -> bytes:
    """BlobProto bytes as OpenCV's shrinkCaffeModel writes them (shape kept, data gone).

    ``legacy``: the source kept num/channels/height/width (OpenCV keeps whatever shape
    fields the blob had). ``nbytes`` truncates raw_data (a corrupt file).
    """
    out = b""
    if legacy:
        dims = (1,) * (4 - arr.ndim) + arr.shape
        for n, d in zip((1, 2, 3, 4), dims):
            out += key(n, VARINT) + encode_varint(d)
    else:
        out += encode_len_field(7, encode_len_field(1, b"".join(encode_varint(d)
                                                                for d in arr.shape)))
    raw = np.asarray(arr, "<f2" if dtype_code == 2 else "<f4").tobytes()
    out += key(10, VARINT) + encode_varint(dtype_code)
    out += encode_len_field(12, raw if nbytes is None else raw[:nbytes])
    return out


def with_fp16_blobs(model: bytes, types=("Convolution", "InnerProduct"),
                    legacy: bool = False) -> bytes:
    """Re-encode a V2 caffemodel like shrinkCaffeModel: blobs of ``types`` to float16."""
    net = caffe_pb2.NetParameter()
    net.ParseFromString(model)
    layers = list(net.layer)
    del net.layer[:]
    out = net.SerializeToString()  # every other field; `layer` (100) comes last anyway
    for lp in layers:
        if lp.type in types and lp.blobs:
            blobs = [np.asarray(b.data, np.float32).reshape(tuple(b.shape.dim))
                     for b in lp.blobs]
            del lp.blobs[:]
            body = lp.SerializeToString()
            body += b"".join(encode_len_field(7, fp16_blob(a, legacy)) for a in blobs)
        else:
            body = lp.SerializeToString()
        out += encode_len_field(100, body)
    return out


__all__ = ["LEN", "blob_proto", "fp16_blob", "key", "layer", "mtcnn_det1",
           "with_fp16_blobs"]
