"""Every wire/text format found in real published Caffe files, built from real data.

The files are built in the tests from the real-Caffe oracle caffemodels (re-encoded with
protobuf in an older layout, or byte by byte where protobuf cannot write the layout)
and from the published prototxts in ``../shared/reference/nets`` (skipped when absent).
Expected values are the original Caffe-saved weights and shapes computed by hand.
"""
from __future__ import annotations

import re
import struct
from pathlib import Path

import numpy as np
import pytest

from caffe2ss.converter import CaffeError, load, load_definition
from caffe2ss.converter.forks import detect_text_fork
from caffe2ss.protos import caffe_pb2
from caffe2ss.converter.reader.wire import encode_len_field as len_field, encode_varint as varint

from helpers.oracle import OracleCase

REPO = Path(__file__).resolve().parents[1]
NETS = REPO / "parity_tests" / "data" / "nets"
VOC_MEAN = (104.00699, 116.66877, 122.67892)
DL_MEAN = (104.008, 116.669, 122.675)


def net_file(name: str, fill: bool = False) -> str:
    """A published prototxt's text (``${VAR}`` templates filled like DeepLab's scripts)."""
    path = NETS / name
    if not path.exists():
        pytest.skip(f"reference file not available: {path}")
    text = path.read_text(encoding="utf-8")
    if fill:
        values = {"NET_ID": "DeepLab-LargeFOV", "NUM_LABELS": "21", "EXP": "voc12"}
        text = re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), "x"), text)
    return text


def write(tmp_path, name, data) -> Path:
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return p


def message(case: str) -> caffe_pb2.NetParameter:
    net = caffe_pb2.NetParameter()
    net.ParseFromString(OracleCase(case).caffemodel.read_bytes())
    return net


def same_weights(a, b) -> None:
    """Bit-for-bit equal weights, layer by layer (a, b: Nets)."""
    assert [l.name for l in a.param_layers()] == [l.name for l in b.param_layers()]
    for layer in a.param_layers():
        other = b.layer(layer.name).blobs
        assert [x.shape for x in layer.blobs] == [x.shape for x in other], layer.name
        for x, y in zip(layer.blobs, other):
            assert x.dtype == y.dtype == np.float32 and x.tobytes() == y.tobytes(), layer.name


# ---------------------------------------------------------------- wire encoding
def unpacked_blob(blob: caffe_pb2.BlobProto) -> bytes:
    """A BlobProto whose data is half packed, half one key per value (field 5, I32)."""
    values = np.asarray(blob.data, np.float32)
    half = len(values) // 2
    out = len_field(7, blob.shape.SerializeToString())
    out += len_field(5, values[:half].astype("<f4").tobytes())
    for v in values[half:]:
        out += varint(5 << 3 | 5) + struct.pack("<f", v)
    return out


# ------------------------------------------------------------------- new style
def test_new_style_layers():
    text = net_file("fcn.berkeleyvision.org__voc-fcn8s__deploy.prototxt")
    net = load_definition(text, "bvlc")
    assert net.layer_format == "V2" and net.fork == "bvlc"
    assert net.inputs == {"data": (1, 3, 500, 500)}
    assert net.infer_shapes()["score"] == (1, 21, 500, 500)


# ------------------------------------------------------------------- legacy V1
def test_vgg16_v1_prototxt():
    net = load_definition(net_file("VGG_ILSVRC_16_layers_deploy.prototxt"), "bvlc")
    assert detect_text_fork(net_file("VGG_ILSVRC_16_layers_deploy.prototxt")) == "bvlc"
    assert net.layer_format == "V1"
    assert net.inputs == {"data": (10, 3, 224, 224)}
    types = {l.type for l in net.layers}
    assert types == {"Convolution", "ReLU", "Pooling", "InnerProduct", "Dropout", "Softmax"}
    assert len([l for l in net.layers if l.type == "Convolution"]) == 13
    s = net.infer_shapes()
    # the published net pools with kernel 2, stride 2: 224 -> 112 -> 56 -> 28 -> 14 -> 7
    assert net.layer("pool1").params.stride == (2, 2)
    assert [s[f"pool{i}"][2] for i in range(1, 6)] == [112, 56, 28, 14, 7]
    assert s["pool5"] == (10, 512, 7, 7) and s["fc6"] == (10, 4096)
    assert s["fc8"] == s["prob"] == (10, 1000)


V1_ENUM = {"Convolution": "CONVOLUTION", "Deconvolution": "DECONVOLUTION",
           "Pooling": "POOLING", "ReLU": "RELU", "Dropout": "DROPOUT", "Split": "SPLIT",
           "InnerProduct": "INNER_PRODUCT", "Softmax": "SOFTMAX", "Concat": "CONCAT",
           "Eltwise": "ELTWISE", "LRN": "LRN"}


def to_v1(case: str, legacy_dims: bool) -> bytes:
    """Re-encode a Caffe-saved V2 caffemodel as a V1 (`layers`, enum type) file."""
    src = message(case)
    out = caffe_pb2.NetParameter(name=src.name)
    for layer in src.layer:
        if layer.type == "Input":
            for top, shape in zip(layer.top, layer.input_param.shape):
                out.input.append(top)
                out.input_dim.extend(shape.dim)
            continue
        v1 = out.layers.add(name=layer.name, bottom=layer.bottom, top=layer.top)
        v1.type = caffe_pb2.V1LayerParameter.LayerType.Value(V1_ENUM[layer.type])
        for fd, value in layer.ListFields():
            if fd.name.endswith("_param"):
                getattr(v1, fd.name).CopyFrom(value)
        for blob in layer.blobs:
            b = v1.blobs.add()
            b.data.extend(blob.data)
            if legacy_dims:   # (num, channels, height, width), leading 1s
                dims = [1] * (4 - len(blob.shape.dim)) + list(blob.shape.dim)
                b.num, b.channels, b.height, b.width = dims
            else:
                b.shape.CopyFrom(blob.shape)
    return out.SerializeToString()


@pytest.mark.parametrize("case", ["deeplab_largefov_thin", "zoo_conv_variants",
                                  "zoo_pool_ceil_pad"])
@pytest.mark.parametrize("legacy_dims", [True, False])
def test_v1_reencoding_of_oracle_model(tmp_path, case, legacy_dims):
    oc = OracleCase(case)
    path = write(tmp_path, "v1.caffemodel", to_v1(case, legacy_dims))
    net = load(path)
    assert net.layer_format == "V1" and net.fork == "bvlc" and net.format == "caffemodel"
    original = load(oc.caffemodel)
    same_weights(original, net)
    shape = {"data": tuple(oc.meta["input_shape"])}
    ours, ref = net.infer_shapes(shape), original.infer_shapes(shape)
    assert ours == ref
    for name, dims in oc.meta["blob_shapes"].items():
        assert ours[name] == tuple(dims)
    if legacy_dims:
        biases = [l.blobs[1] for l in net.layers if l.type == "Convolution" and len(l.blobs) > 1]
        assert biases and all(b.ndim == 1 for b in biases)  # (1,1,1,O) -> (O,)


def test_v1_weights_with_a_v2_prototxt(tmp_path):
    """Weights are matched by name whatever the layout: V1 caffemodel + V2 prototxt."""
    oc = OracleCase("deeplab_largefov_thin")
    path = write(tmp_path, "v1.caffemodel", to_v1(oc.name, legacy_dims=True))
    net = load(path, oc.prototxt)
    assert net.format == "prototxt+caffemodel" and not net.warnings
    same_weights(oc.load(), net)


def test_deeplab_v1_caffemodel_with_a_bvlc_prototxt():
    """DrSleep's route: the DLv1-format weights under a BVLC-syntax prototxt (by name)."""
    base = OracleCase("deeplab_largefov_thin")
    net = load(OracleCase("deeplab_v1_largefov_thin").caffemodel, base.prototxt)
    assert net.fork == "bvlc" and net.format == "prototxt+caffemodel"
    assert not net.warnings
    net.infer_shapes({"data": tuple(base.meta["input_shape"])})
    same_weights(base.load(), net)


@pytest.mark.parametrize("legacy", [True, False])
def test_legacy_dims_resolved_against_the_wanted_shape(tmp_path, legacy):
    """Caffe's ShapeEquals: legacy (num, channels, height, width) match any shape of at
    most 4 axes that they left-pad with 1s, e.g. a two-bottom Scale's (4, 5) bias as
    1x1x4x5 (found by the real-Caffe campaign); a new-style shape must match exactly."""
    net = caffe_pb2.NetParameter()
    for top, dims in (("data", (2, 3, 4, 5)), ("s", (4, 5))):
        net.input.append(top)
        net.input_shape.add().dim.extend(dims)
    layer = net.layer.add(name="sc", type="Scale", bottom=["data", "s"], top=["out"])
    layer.scale_param.axis, layer.scale_param.bias_term = 2, True
    beta = np.arange(20, dtype=np.float32)
    blob = layer.blobs.add(data=beta)
    if legacy:
        blob.num, blob.channels, blob.height, blob.width = 1, 1, 4, 5
    else:
        blob.shape.dim.extend([1, 4, 5])  # Caffe: "shape mismatch"
    path = write(tmp_path, "legacy.caffemodel", net.SerializeToString())
    if not legacy:
        with pytest.raises(CaffeError, match="has shape"):
            load(path).infer_shapes()
        return
    loaded = load(path)
    loaded.infer_shapes()
    got = loaded.layer("sc").blobs[0]
    assert got.shape == (4, 5) and got.tobytes() == beta.tobytes()


# ------------------------------------------------------------ blob encodings
def test_double_data(tmp_path):
    src = message("zoo_conv_variants")
    expected = {}
    for layer in src.layer:
        for i, blob in enumerate(layer.blobs):
            # values that float32 cannot hold exactly: Caffe casts double -> float
            d = np.asarray(blob.data, np.float64) * (1 + 2.0**-40) + 1e-9
            expected[layer.name, i] = d.astype(np.float32)
            blob.ClearField("data")
            blob.double_data.extend(d)
            if i == 0:  # with both present, Caffe uses double_data
                blob.data.extend(np.full(d.size, 7.0, np.float32))
    net = load(write(tmp_path, "double.caffemodel", src.SerializeToString()))
    assert len(expected) == sum(len(l.blobs) for l in net.layers) > 0
    for (name, i), want in expected.items():
        got = net.layer(name).blobs[i]
        assert got.dtype == np.float32 and got.tobytes() == want.tobytes(), (name, i)
    net.infer_shapes()


def test_unpacked_float_data(tmp_path):
    """Non-packed `data` (one key per float), mixed with a packed run, in wire order."""
    src = message("zoo_conv_variants")
    data = b""
    for layer in src.layer:
        blobs = list(layer.blobs)
        layer.ClearField("blobs")
        payload = layer.SerializeToString() + b"".join(len_field(7, unpacked_blob(b))
                                                      for b in blobs)
        data += len_field(100, payload)
    net = load(write(tmp_path, "unpacked.caffemodel", data))
    same_weights(OracleCase("zoo_conv_variants").load(), net)


@pytest.mark.parametrize("double", [False, True])
def test_unpacked_runs_interrupted_by_other_fields(tmp_path, double):
    """Unpacked values, a packed run and a `diff` value in between: wire order kept."""
    rng = np.random.default_rng(2)
    vals = rng.standard_normal(300_001).astype(np.float64 if double else np.float32)
    number, wire, fmt = (8, 1, "<d") if double else (5, 5, "<f")
    key = varint(number << 3 | wire)
    a, b, c = vals[:100_000], vals[100_000:100_010], vals[100_010:]
    blob = len_field(7, len_field(1, varint(len(vals))))            # shape { dim: N }
    blob += b"".join(key + struct.pack(fmt, v) for v in a)          # unpacked run
    blob += varint(6 << 3 | 5) + struct.pack("<f", 9.0)             # a diff value
    blob += len_field(number, b.astype(fmt).tobytes())              # a packed run
    blob += b"".join(key + struct.pack(fmt, v) for v in c)          # unpacked again
    layer = caffe_pb2.LayerParameter(name="ip", type="InnerProduct", bottom=["data"],
                                     top=["ip"])
    layer.inner_product_param.num_output = 1
    layer.inner_product_param.bias_term = False
    data = len_field(100, layer.SerializeToString() + len_field(7, blob))
    net = load(write(tmp_path, "u.caffemodel", len_field(3, b"data") + data))  # input: data
    got = net.layer("ip").blobs[0]
    assert got.shape == (len(vals),) and got.tobytes() == vals.astype(np.float32).tobytes()


def test_packed_data_in_several_runs(tmp_path):
    """A repeated field may be split into several packed runs: they concatenate."""
    src = message("zoo_conv_variants")
    data = b""
    for layer in src.layer:
        blobs = list(layer.blobs)
        layer.ClearField("blobs")
        payload = layer.SerializeToString()
        for b in blobs:
            v = np.asarray(b.data, "<f4")
            k = len(v) // 3
            payload += len_field(7, len_field(7, b.shape.SerializeToString()) + b"".join(
                len_field(5, part.tobytes()) for part in (v[:k], v[k:2 * k], v[2 * k:])))
        data += len_field(100, payload)
    same_weights(OracleCase("zoo_conv_variants").load(),
                 load(write(tmp_path, "runs.caffemodel", data)))


# ------------------------------------------------------------------------- V0
def _legacy(arr) -> caffe_pb2.BlobProto:
    dims = [1] * (4 - arr.ndim) + list(arr.shape)
    b = caffe_pb2.BlobProto(num=dims[0], channels=dims[1], height=dims[2], width=dims[3])
    b.data.extend(arr.ravel())
    return b


def test_v0_net(tmp_path):
    rng = np.random.default_rng(0)
    w1, b1 = rng.standard_normal((4, 3, 3, 3), np.float32), rng.standard_normal(4, np.float32)
    w2, b2 = rng.standard_normal((5, 64), np.float32), rng.standard_normal(5, np.float32)
    V0 = caffe_pb2.V0LayerParameter
    net = caffe_pb2.NetParameter(name="v0", input=["data"], input_dim=[1, 3, 8, 8])

    def add(bottom, top, **v0):
        blobs = v0.pop("blobs", [])
        layer = net.layers.add(bottom=[bottom], top=[top], layer=V0(**v0))
        layer.layer.blobs.extend(_legacy(b) for b in blobs)   # V0 weights: field 50

    add("data", "data_pad", name="pad1", type="padding", pad=1)
    add("data_pad", "conv1", name="conv1", type="conv", num_output=4, kernelsize=3,
        blobs=[w1, b1])
    add("conv1", "conv1", name="relu1", type="relu")
    add("conv1", "pool1", name="pool1", type="pool", pool=V0.MAX, kernelsize=2, stride=2)
    add("pool1", "fc", name="fc", type="innerproduct", num_output=5, blobs=[w2, b2])
    loaded = load(write(tmp_path, "v0.caffemodel", net.SerializeToString()))
    assert loaded.layer_format == "V0"
    assert [(l.name, l.type) for l in loaded.layers] == [
        ("conv1", "Convolution"), ("relu1", "ReLU"), ("pool1", "Pooling"),
        ("fc", "InnerProduct")]
    conv = loaded.layer("conv1")
    assert conv.bottoms == ["data"] and conv.params.pad == (1, 1)  # padding folded in
    assert loaded.layer("pool1").params.method == "MAX"
    s = loaded.infer_shapes()
    assert s["conv1"] == (1, 4, 8, 8)      # 8 + 2*1 - 3 + 1
    assert s["pool1"] == (1, 4, 4, 4)      # ceil((8 - 2) / 2) + 1
    assert s["fc"] == (1, 5)
    for got, want in zip(conv.blobs + loaded.layer("fc").blobs, [w1, b1, w2, b2]):
        assert got.shape == want.shape and got.tobytes() == want.tobytes()


def test_v0_padding_into_innerproduct_is_refused(tmp_path):
    V0 = caffe_pb2.V0LayerParameter
    net = caffe_pb2.NetParameter(input=["data"], input_dim=[1, 3, 8, 8])
    net.layers.add(bottom=["data"], top=["p"], layer=V0(name="pad", type="padding", pad=1))
    net.layers.add(bottom=["p"], top=["fc"], layer=V0(name="fc", type="innerproduct",
                                                      num_output=2))
    with pytest.raises(CaffeError, match="folds padding") as e:
        load(write(tmp_path, "v0.caffemodel", net.SerializeToString()))
    assert "layer 'fc'" in str(e.value)


# ------------------------------------------------------------------ inputs
RELU = 'layer { name: "r" type: "ReLU" bottom: "%s" top: "r_%s" }\n'


def test_input_dim_header():
    net = load_definition('input: "a" input_dim: 1 input_dim: 3 input_dim: 4 input_dim: 5\n'
                          'input: "b" input_dim: 2 input_dim: 1 input_dim: 6 input_dim: 7\n'
                          + RELU % ("a", "a") + RELU.replace('"r"', '"r2"') % ("b", "b"),
                          "bvlc")
    assert net.inputs == {"a": (1, 3, 4, 5), "b": (2, 1, 6, 7)}
    assert net.infer_shapes()["r_b"] == (2, 1, 6, 7)


def test_input_shape_header():
    net = load_definition('input: "data" input_shape { dim: 1 dim: 3 dim: 10 dim: 12 }\n'
                          + RELU % ("data", "data"), "bvlc")
    assert net.inputs == {"data": (1, 3, 10, 12)}


def test_input_without_dims_needs_a_shape():
    net = load_definition('input: "data"\n' + RELU % ("data", "data"), "bvlc")
    assert net.inputs == {"data": None}
    with pytest.raises(CaffeError, match="no declared shape"):
        net.infer_shapes()
    assert net.infer_shapes({"data": (1, 3, 5, 5)})["r_data"] == (1, 3, 5, 5)


def test_input_layer_one_shape_for_several_tops():
    net = load_definition('layer { name: "in" type: "Input" top: "a" top: "b" input_param '
                          '{ shape { dim: 1 dim: 3 dim: 4 dim: 5 } } }\n', "bvlc")
    assert net.inputs == {"a": (1, 3, 4, 5), "b": (1, 3, 4, 5)}
    net = load_definition('layer { name: "in" type: "Input" top: "a" top: "b" input_param '
                          '{ shape { dim: 1 dim: 3 } shape { dim: 2 dim: 7 } } }\n', "bvlc")
    assert net.inputs == {"a": (1, 3), "b": (2, 7)}
    with pytest.raises(CaffeError, match="2 shapes for 3 tops"):
        load_definition('layer { name: "in" type: "Input" top: "a" top: "b" top: "c" '
                        'input_param { shape { dim: 1 } shape { dim: 2 } } }\n', "bvlc")


# --------------------------------------------------------- train-time nets
@pytest.mark.parametrize("name", [
    "fcn.berkeleyvision.org__voc-fcn8s__val.prototxt",
    "fcn.berkeleyvision.org__voc-fcn8s__train.prototxt",
    "fcn.berkeleyvision.org__voc-fcn32s__val.prototxt",
    "fcn.berkeleyvision.org__voc-fcn16s__val.prototxt",
    "fcn.berkeleyvision.org__voc-fcn8s-atonce__val.prototxt",
    "fcn.berkeleyvision.org__voc-fcn-alexnet__val.prototxt"])
def test_fcn_train_val_prototxts(name):
    text = net_file(name)
    net = load_definition(text, detect_text_fork(text))
    assert list(net.inputs) == ["data"] and net.inputs["data"] is None
    assert "label" not in net.blob_names()
    assert any("'loss' (SoftmaxWithLoss)" in n for n in net.notes)
    assert any("(Python) -> input 'data'" in n and "label" in n for n in net.notes)
    assert "loss" not in {l.name for l in net.layers}
    assert net.preprocessing.mean == VOC_MEAN
    assert "param_str" in net.preprocessing.source
    shapes = net.infer_shapes({"data": (1, 3, 500, 500)})
    assert net.outputs() == ["score"] and shapes["score"] == (1, 21, 500, 500)


# -------------------------------------------------------------- phase rules
HEADER = 'input: "data" input_dim: 1 input_dim: 1 input_dim: 2 input_dim: 2\n'


def _relu(name, rule=""):
    return (f'layer {{ name: "{name}" type: "ReLU" bottom: "data" top: "{name}" {rule} }}\n')


def test_phase_rules():
    text = HEADER + "".join([
        _relu("train_only", "include { phase: TRAIN }"),
        _relu("test_only", "include { phase: TEST }"),
        _relu("not_in_test", "exclude { phase: TEST }"),
        _relu("not_in_train", "exclude { phase: TRAIN }"),
        _relu("either", "include { phase: TRAIN } include { phase: TEST }"),
        _relu("needs_stage", 'include { stage: "deploy" }'),
        _relu("not_stage", 'include { not_stage: "deploy" }'),
        _relu("level1", "include { min_level: 1 }"),
        _relu("max_level0", "include { max_level: 0 }"),
        _relu("plain")])
    kept = {l.name for l in load_definition(text, "bvlc").layers}
    assert kept == {"test_only", "not_in_train", "either", "not_stage", "max_level0", "plain"}
    # the file's NetState supplies stages and level (the phase is always TEST)
    staged = load_definition('state { phase: TRAIN stage: "deploy" level: 1 }\n' + text, "bvlc")
    kept = {l.name for l in staged.layers}
    assert kept == {"test_only", "not_in_train", "either", "needs_stage", "level1", "plain"}
    notes = " ".join(load_definition(text, "bvlc").notes)
    assert "'train_only'" in notes and "excluded from the TEST phase" in notes


def test_v1_phase_rules():
    text = HEADER + ('layers { name: "t" type: RELU bottom: "data" top: "t" '
                     'include { phase: TRAIN } }\n'
                     'layers { name: "k" type: RELU bottom: "data" top: "k" '
                     'include { phase: TEST } }\n')
    assert [l.name for l in load_definition(text, "bvlc").layers] == ["k"]


# ------------------------------------------------------------- DeepLab v1
DLV1_TEST = ["deeplab-v1__DeepLab-LargeFOV__test.prototxt",
             "deeplab-public__corenel__exper__voc12__config__deeplab_largeFOV__test.prototxt"]


@pytest.mark.parametrize("name", DLV1_TEST)
def test_deeplab_v1_test_prototxt(name):
    text = net_file(name, fill=True)
    assert detect_text_fork(text) == "deeplab_v1"
    net = load_definition(text, "deeplab_v1")
    assert net.fork == "deeplab_v1" and net.layer_format == "V1"
    assert net.inputs == {"data": (1, 3, 513, 513)}          # IMAGE_SEG_DATA crop 513
    assert net.preprocessing.mean == pytest.approx(DL_MEAN, abs=1e-4)
    for conv in ("conv5_1", "conv5_2", "conv5_3"):
        assert net.layer(conv).params.dilation == (2, 2)     # hole: 2
    assert net.layer("fc6").params.dilation == (12, 12)      # hole: 12
    assert net.layer("conv4_3").params.dilation == (1, 1)
    assert [l.name for l in net.layers if not l.strict_dim] == ["fc6", "fc7", "fc8_voc12"]
    assert net.layer("fc8_interp").params.zoom_factor == 8
    assert net.layer("pool5a").params.method == "AVE"
    names = {l.name for l in net.layers}
    assert not names & {"fc8_mat", "crf_mat", "silence", "crf", "data"}
    notes = " ".join(net.notes)
    for dropped in ("fc8_mat", "silence"):
        assert f"'{dropped}'" in notes
    if "DENSE_CRF" in re.sub(r"#[^\n]*", "", text):  # commented out in the corenel copy
        assert any("'crf' (DenseCRF)" in w and "fc8_interp" in w for w in net.warnings)
        assert "'crf_mat'" in notes
    s = net.infer_shapes()
    assert [s[p][2] for p in ("pool1", "pool2", "pool3", "pool4", "pool5a")] == \
           [257, 129, 65, 65, 65]
    assert s["fc8_voc12"] == (1, 21, 65, 65) and s["fc8_interp"] == (1, 21, 513, 513)
    assert net.outputs() == ["fc8_interp"]


def test_deeplab_v1_crf_is_dropped_with_a_warning():
    net = load_definition(net_file(DLV1_TEST[0], fill=True), "deeplab_v1")
    assert any("'crf' (DenseCRF)" in w and "use 'fc8_interp'" in w for w in net.warnings)
    assert "crf_inf" not in net.blob_names()


def test_deeplab_v1_train_prototxt():
    """TRAIN-only data layer: its top still becomes the input; loss/accuracy dropped."""
    text = net_file("deeplab-v1__DeepLab-LargeFOV__train.prototxt", fill=True)
    net = load_definition(text, detect_text_fork(text))
    assert net.fork == "deeplab_v1" and net.inputs == {"data": (1, 3, 321, 321)}
    notes = " ".join(net.notes)
    for dropped in ("label_shrink", "loss", "accuracy"):
        assert f"'{dropped}'" in notes and dropped not in {l.name for l in net.layers}
    s = net.infer_shapes()
    assert [s[p][2] for p in ("pool1", "pool2", "pool3")] == [161, 81, 41]
    assert net.outputs() == ["fc8_voc12"] and s["fc8_voc12"] == (1, 21, 41, 41)


def test_deeplab_v1_strict_dim_false_reshapes_weights(tmp_path):
    """strict_dim: false (fc6/7/8): equal element count suffices, data is reshaped."""
    text = net_file(DLV1_TEST[0], fill=True)
    rng = np.random.default_rng(1)
    fc8 = rng.standard_normal((21, 1024), np.float32)     # stored as an IP weight
    conv = rng.standard_normal((64, 3, 3, 3), np.float32)
    net = caffe_pb2.NetParameter()
    for name, w in (("fc8_voc12", fc8), ("conv1_1", conv)):
        layer = net.layer.add(name=name, type="Convolution")
        for arr in (w, np.zeros(w.shape[0], np.float32)):
            b = layer.blobs.add()
            b.shape.dim.extend(arr.shape)
            b.data.extend(arr.ravel())
    model = write(tmp_path, "w.caffemodel", net.SerializeToString())
    proto = write(tmp_path, "test.prototxt", text)
    loaded = load(model, proto)
    assert loaded.fork == "deeplab_v1"
    loaded.infer_shapes()
    got = loaded.layer("fc8_voc12").blobs[0]
    assert got.shape == (21, 1024, 1, 1) and got.tobytes() == fc8.tobytes()
    # conv1_1 is strict: a (64, 27) blob would not load in Caffe either
    bad = caffe_pb2.NetParameter()
    bad.CopyFrom(net)
    bad.layer[1].blobs[0].shape.ClearField("dim")
    bad.layer[1].blobs[0].shape.dim.extend([64, 27])
    loaded = load(write(tmp_path, "bad.caffemodel", bad.SerializeToString()), proto)
    with pytest.raises(CaffeError, match="weight blob 0") as e:
        loaded.infer_shapes()
    assert "layer 'conv1_1'" in str(e.value)


# ------------------------------------------------------------- DeepLab v2
def test_deeplab_v2_test_prototxt():
    text = net_file("deeplab-public-ver2__talent518__exper__voc12__config__vgg16__test"
                    ".prototxt", fill=True)
    assert detect_text_fork(text) == "deeplab_v2"
    net = load_definition(text, "deeplab_v2")
    assert net.fork == "deeplab_v2" and net.layer_format == "V2"
    assert net.inputs == {"data": (1, 3, 513, 513)}
    assert not {"label", "data_dim"} & set(net.blob_names())
    assert [net.layer(f"fc6_{k}").params.dilation for k in (1, 2, 3, 4)] == \
           [(6, 6), (12, 12), (18, 18), (24, 24)]
    fuse = net.layer("fc8_voc12")
    assert fuse.type == "Eltwise" and fuse.params.op == "SUM" and len(fuse.bottoms) == 4
    interp = net.layer("fc8_interp")
    assert interp.type == "Interp" and interp.params.zoom_factor == 8
    notes = " ".join(net.notes)
    assert "'fc8_mat' (MatWrite)" in notes and "'silence' (Silence)" in notes
    s = net.infer_shapes()
    assert s["fc8_voc12"] == (1, 21, 65, 65) and s["fc8_interp"] == (1, 21, 513, 513)


def test_deeplab_v2_train_prototxt():
    text = net_file("deeplab-public-ver2__talent518__exper__voc12__config__vgg16__train"
                    ".prototxt", fill=True)
    net = load_definition(text, detect_text_fork(text))
    assert net.inputs == {"data": (1, 3, 321, 321)}
    assert net.infer_shapes()["fc8_voc12"] == (1, 21, 41, 41)


# ------------------------------------------------------------- fork override
def test_fork_override_on_text(tmp_path):
    dlv1 = write(tmp_path, "v1.prototxt", net_file(DLV1_TEST[0], fill=True))
    with pytest.raises(CaffeError, match="--fork deeplab_v1") as e:
        load(dlv1, fork="bvlc")
    assert str(dlv1) in str(e.value)
    assert load(dlv1, fork="deeplab_v1").fork == "deeplab_v1"
    dlv2 = write(tmp_path, "v2.prototxt", net_file(
        "deeplab-public-ver2__talent518__exper__voc12__config__vgg16__test.prototxt",
        fill=True))
    with pytest.raises(CaffeError, match="--fork deeplab_v2"):
        load(dlv2, fork="bvlc")
    with pytest.raises(CaffeError, match="unknown fork"):
        load(dlv2, fork="caffe2")


def test_drsleep_bvlc_rewrite_of_largefov():
    """DeepLab-LargeFOV in BVLC syntax: `dilation` instead of `hole`, detected as BVLC."""
    text = net_file("tensorflow-deeplab-lfov__util__deploy.prototxt")
    assert detect_text_fork(text) == "bvlc"
    net = load_definition(text, "bvlc")
    assert net.layer("fc6").params.dilation == (12, 12)
    assert net.infer_shapes()["fc8_voc12"] == (1, 21, 41, 41)  # declared 321x321


# ------------------------------------------------------ weights bookkeeping
def test_unmatched_weights_and_missing_weights_are_warned(tmp_path):
    oc = OracleCase("deeplab_largefov_thin")
    text = oc.prototxt.read_text().replace('"fc8_voc12"', '"fc8_new"')
    net = load(oc.caffemodel, write(tmp_path, "renamed.prototxt", text))
    assert any("weights for 'fc8_voc12' have no layer" in w for w in net.warnings)
    assert any("'fc8_new' (Convolution) has no weights" in w for w in net.warnings)
    assert len(net.warnings) == 2
    assert not oc.load().warnings


def test_unsupported_v1_types_listed_together():
    text = HEADER + ('layers { name: "th" type: THRESHOLD bottom: "data" top: "th" }\n'
                     'layers { name: "am" type: ARGMAX bottom: "data" top: "am" }\n'
                     'layers { name: "mvn" type: MVN bottom: "data" top: "mvn" }\n')
    with pytest.raises(CaffeError) as e:
        load_definition(text, "bvlc")
    msg = e.value.message
    assert "'th' (Threshold)" in msg and "'am' (ArgMax)" in msg and "'mvn' (MVN)" in msg
    assert "Supported:" in msg and "Pooling" in msg and msg.count("unsupported") == 1


def test_caffe_saved_split_layers_are_read():
    """Caffe-saved caffemodels embed the Split layers Caffe inserted; alone they load."""
    net = load(OracleCase("zoo_eltwise_bn_scale").caffemodel)
    assert any(l.type == "Split" for l in net.layers)
    oc = OracleCase("zoo_eltwise_bn_scale")
    shapes = net.infer_shapes({"data": tuple(oc.meta["input_shape"])})
    for name, dims in oc.meta["blob_shapes"].items():
        assert shapes[name] == tuple(dims)
