"""Bad input: every broken file is one :class:`CaffeError` that says where and what.

Each case asserts the error type (never another exception), and that its message names
the file, the byte offset or the layer, and the field. A hypothesis property test then
mutates and truncates small real fixture files: ``load`` either succeeds or raises
CaffeError, never hangs, and never allocates more than a bound derived from the file
size (see :func:`test_mutated_files_raise_only_caffe_error`).
"""
from __future__ import annotations

import random
import signal
import struct
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caffe2ss.converter import CaffeError, load, load_definition
from caffe2ss.converter.reader.weights import check_weights, missing_weights
from caffe2ss.protos import caffe_pb2, deeplab_v1_pb2, deeplab_v2_pb2
from caffe2ss.converter.reader.wire import encode_len_field as field

from helpers.oracle import ORACLE, oracle

ZOO = oracle("zoo_conv_variants")


def where(err: CaffeError, path, *, layer=None) -> str:
    """Assert ``err`` names the file, a byte offset or layer, and a field."""
    text = str(err)
    assert str(path) in text, text
    assert "byte " in text or "layer '" in text, text
    if layer is not None:
        assert f"layer '{layer}'" in text, text
    assert "field '" in text, text
    return text


def write(tmp_path, name, data) -> str:
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(p)


# ------------------------------------------------------------------ byte-level damage
@pytest.mark.parametrize("cut", [1, 2, 7, 20, 100, 1000, 2500, 5118])
def test_truncated_caffemodel(tmp_path, cut):
    data = ZOO.caffemodel.read_bytes()
    path = write(tmp_path, "cut.caffemodel", data[:cut])
    with pytest.raises(CaffeError) as e:
        load(path)
    assert "truncated" in where(e.value, path)


@pytest.mark.parametrize("frac", [0.25, 0.5, 0.999])
def test_truncated_v1_caffemodel(tmp_path, frac):
    data = oracle("deeplab_v1_largefov_thin").caffemodel.read_bytes()
    path = write(tmp_path, "cut.caffemodel", data[:int(len(data) * frac)])
    with pytest.raises(CaffeError) as e:
        load(path)
    where(e.value, path)


@pytest.mark.parametrize("seed", range(6))
def test_random_bytes(tmp_path, seed):
    rng = random.Random(seed)
    path = write(tmp_path, "rand.caffemodel", bytes(rng.randrange(256) for _ in range(4000)))
    with pytest.raises(CaffeError) as e:
        load(path)
    text = str(e.value)
    assert path in text and "byte " in text and "field '" in text, text


def test_empty_file(tmp_path):
    path = write(tmp_path, "empty.caffemodel", b"")
    with pytest.raises(CaffeError, match="empty") as e:
        load(path)
    assert path in str(e.value) and "byte 0" in str(e.value)
    with pytest.raises(CaffeError, match="no layers"):
        load(None, write(tmp_path, "empty.prototxt", "# nothing\n"))


@pytest.mark.parametrize("magic,what", [(b"\x89HDF\r\n\x1a\n", "HDF5"), (b"\x1f\x8b\x08", "gzip"),
                                        (b"PK\x03\x04", "zip")])
def test_container_formats_are_named(tmp_path, magic, what):
    path = write(tmp_path, "x.caffemodel", magic + bytes(range(256)) * 4)
    with pytest.raises(CaffeError, match=what) as e:
        load(path)
    assert "field 'model'" in where(e.value, path)


def test_missing_file(tmp_path):
    with pytest.raises(CaffeError, match="cannot read") as e:
        load(tmp_path / "nope.caffemodel")
    assert "nope.caffemodel" in str(e.value)


def test_binary_given_as_prototxt():
    with pytest.raises(CaffeError, match="binary file") as e:
        load(None, prototxt=ZOO.caffemodel)
    assert "field 'prototxt'" in where(e.value, ZOO.caffemodel)


def test_text_given_as_caffemodel():
    with pytest.raises(CaffeError, match="text prototxt") as e:
        load(ZOO.prototxt, prototxt=ZOO.prototxt)
    assert "field 'model'" in where(e.value, ZOO.prototxt)


def test_text_that_is_not_a_prototxt(tmp_path):
    path = write(tmp_path, "notes.prototxt", "layer {\n  name: 'a'\n  typo here\n}\n")
    with pytest.raises(CaffeError, match=r"cannot parse.*3:") as e:
        load(path)
    assert path in str(e.value)


# ------------------------------------------------------------------- blob damage
def _zoo_message():
    net = caffe_pb2.NetParameter()
    net.ParseFromString(ZOO.caffemodel.read_bytes())
    return net


def test_blob_count_does_not_match_shape(tmp_path):
    net = _zoo_message()
    layer = next(l for l in net.layer if l.blobs)
    layer.blobs[0].shape.dim[0] += 1
    path = write(tmp_path, "count.caffemodel", net.SerializeToString())
    with pytest.raises(CaffeError, match="values stored but the shape") as e:
        load(path)
    assert "blobs[0].data" in where(e.value, path, layer=layer.name)


def test_legacy_blob_count_does_not_match(tmp_path):
    net = _zoo_message()
    layer = next(l for l in net.layer if l.blobs)
    blob = layer.blobs[1]
    blob.ClearField("shape")
    blob.num, blob.channels, blob.height, blob.width = 1, 1, 1, len(blob.data) + 3
    path = write(tmp_path, "legacy.caffemodel", net.SerializeToString())
    with pytest.raises(CaffeError, match="values stored") as e:
        load(path)
    assert "blobs[1].data" in where(e.value, path, layer=layer.name)


def test_absurd_blob_shape_is_refused_without_allocating(tmp_path):
    blob = caffe_pb2.BlobProto()
    blob.shape.dim.extend([10**6, 10**6])  # 10^12 elements declared ...
    blob.data.extend([1.0, 2.0])            # ... two stored
    layer = caffe_pb2.LayerParameter(name="big", type="Convolution", bottom=["data"],
                                     top=["big"])
    layer.blobs.append(blob)
    net = caffe_pb2.NetParameter(layer=[layer])
    path = write(tmp_path, "big.caffemodel", net.SerializeToString())
    load(ZOO.caffemodel)  # warm up lazy imports so the peak below is the reader's own
    tracemalloc.start()
    try:
        with pytest.raises(CaffeError, match="10000000000") as e:
            load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    where(e.value, path, layer="big")
    assert peak < 2**20, peak


@pytest.mark.parametrize("dims,legacy", [([0, 2**63 - 1, 2**63 - 1], False),
                                         ([0, 2**31 - 1, 2**31 - 1, 2**31 - 1], True),
                                         ([0, 2**31, 1], False)])
def test_a_zero_dim_does_not_hide_absurd_dims(tmp_path, dims, legacy):
    """Issue 12, finding 5: 0 values stored, count 0 = 0, but reshape cannot hold it."""
    blob = caffe_pb2.BlobProto()
    if legacy:
        blob.num, blob.channels, blob.height, blob.width = dims
    else:
        blob.shape.dim.extend(dims)
    layer = caffe_pb2.LayerParameter(name="zero", type="Convolution", blobs=[blob])
    path = write(tmp_path, "zero.caffemodel",
                 caffe_pb2.NetParameter(layer=[layer]).SerializeToString())
    with pytest.raises(CaffeError, match="exceeds Caffe's blob limit") as e:
        load(path)
    assert "shape" in where(e.value, path, layer="zero")


def test_too_many_axes_is_refused(tmp_path):
    blob = caffe_pb2.BlobProto()
    blob.shape.dim.extend([1] * 40)
    blob.data.append(1.0)
    layer = caffe_pb2.LayerParameter(name="axes", type="Convolution", blobs=[blob])
    path = write(tmp_path, "axes.caffemodel",
                 caffe_pb2.NetParameter(layer=[layer]).SerializeToString())
    with pytest.raises(CaffeError, match="32 axes") as e:
        load(path)
    assert "shape.dim" in where(e.value, path, layer="axes")


def test_corrupt_nested_message_is_located(tmp_path):
    """Framing is intact but convolution_param (field 106) holds a cut varint: protobuf's
    own decoder fails, and the reader says which layer and field."""
    good = caffe_pb2.LayerParameter(name="ok", type="Input", top=["data"])
    bad = field(1, b"conv") + field(2, b"Convolution") + field(106, b"\x08")
    data = field(100, good.SerializeToString()) + field(100, bad)
    path = write(tmp_path, "nested.caffemodel", data)
    with pytest.raises(CaffeError, match="not a valid Caffe NetParameter") as e:
        load(path)
    text = where(e.value, path, layer="conv")
    assert "layer[1].convolution_param" in text
    assert f"byte {len(field(100, good.SerializeToString()))}" in text


# ------------------------------------------------------------------ definitions
HEAD = 'name: "t"\ninput: "data"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 8\ninput_dim: 8\n'


def conv(name, bottom, top, extra=""):
    return (f'layer {{ name: "{name}" type: "Convolution" bottom: "{bottom}" top: "{top}"'
            f' convolution_param {{ num_output: 4 kernel_size: 3 {extra} }} }}\n')


def test_absurd_declared_input_is_refused_at_load(tmp_path):
    text = ('layer { name: "in" type: "Input" top: "data" input_param { shape { '
            'dim: 100000 dim: 100000 dim: 1000 } } }\n')
    path = write(tmp_path, "huge.prototxt", text)
    tracemalloc.start()
    try:
        with pytest.raises(CaffeError, match="over the limit") as e:
            load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "input_param.shape" in where(e.value, path, layer="in")
    assert peak < 2**20


def test_absurd_inferred_shape_is_refused(tmp_path):
    """A declared 1x3x8x8 input, but a shape asked for at infer time that is absurd."""
    net = load(write(tmp_path, "a.prototxt", HEAD + conv("c", "data", "c")))
    with pytest.raises(CaffeError, match="over the limit") as e:
        net.infer_shapes({"data": (100000, 100000, 1000, 1)})
    assert "field 'shape'" in str(e.value)


def test_missing_bottom(tmp_path):
    path = write(tmp_path, "m.prototxt", HEAD + conv("c1", "data", "c1") + conv("c2", "nope", "c2"))
    with pytest.raises(CaffeError, match="'nope' is not produced") as e:
        load(path)
    assert "field 'bottom'" in where(e.value, path, layer="c2")


def test_cycle_or_out_of_order_bottom(tmp_path):
    path = write(tmp_path, "c.prototxt", HEAD + conv("c1", "c2", "c1") + conv("c2", "c1", "c2"))
    with pytest.raises(CaffeError, match="cycle or is out of order") as e:
        load(path)
    assert "field 'bottom'" in where(e.value, path, layer="c1")


def test_top_produced_by_two_layers(tmp_path):
    # Caffe: "Top blob 'c1' produced by multiple sources"; only in-place reuse is allowed
    path = write(tmp_path, "d.prototxt", HEAD + conv("c1", "data", "c1") + conv("c2", "data", "c1"))
    with pytest.raises(CaffeError, match="produced by multiple sources") as e:
        load(path)
    assert "field 'top'" in where(e.value, path, layer="c2")


def test_in_place_on_a_blob_read_before(tmp_path):
    # Caffe's InsertSplits gives both readers of c1 a Split copy, so the in-place ReLU's
    # bottom is renamed and its top c1 gets a second producer: Caffe aborts
    relu = 'layer { name: "r" type: "ReLU" bottom: "c1" top: "c1" }\n'
    path = write(tmp_path, "i.prototxt", HEAD + conv("c1", "data", "c1") +
                 conv("c2", "c1", "c2") + relu)
    with pytest.raises(CaffeError, match="also read by another layer") as e:
        load(path)
    assert "field 'top'" in where(e.value, path, layer="r")
    ok = write(tmp_path, "ok.prototxt", HEAD + conv("c1", "data", "c1") + relu +
               conv("c2", "c1", "c2"))  # in place first, then read: fine
    assert [l.name for l in load(ok).layers] == ["c1", "r", "c2"]


@pytest.mark.parametrize("type_,param", [("AbsVal", ""), ("Flatten", ""), ("Split", ""),
                                         ("Reshape", "reshape_param { shape { dim: -1 } }")])
def test_layers_caffe_never_runs_in_place(tmp_path, type_, param):
    # Caffe CHECKs top != bottom in these layers
    layer = f'layer {{ name: "x" type: "{type_}" bottom: "c1" top: "c1" {param} }}\n'
    path = write(tmp_path, "n.prototxt", HEAD + conv("c1", "data", "c1") + layer)
    with pytest.raises(CaffeError, match="cannot compute in place"):
        load(path)


def test_unsupported_types_are_all_listed_once(tmp_path):
    text = (HEAD + conv("c1", "data", "c1")
            + 'layer { name: "ls" type: "LSTM" bottom: "c1" top: "ls" }\n'
            + 'layer { name: "py" type: "Python" bottom: "c1" top: "py" }\n'
            + 'layer { name: "fl" type: "Filter" bottom: "c1" bottom: "c1" top: "fl" }\n')
    path = write(tmp_path, "u.prototxt", text)
    with pytest.raises(CaffeError) as e:
        load(path)
    msg = where(e.value, path, layer="ls")
    for part in ("'ls' (LSTM", "'py' (Python", "'fl' (Filter", "Supported:", "Convolution",
                 "Interp", "Deconvolution"):
        assert part in msg
    assert e.value.message.count("unsupported") == 1


def test_missing_weights_for_a_conv(tmp_path):
    """A prototxt whose conv was renamed: Caffe would silently use random fillers."""
    text = ZOO.prototxt.read_text()
    layer = next(l for l in _zoo_message().layer if l.blobs and l.type == "Convolution")
    text = text.replace(f'name: "{layer.name}"', 'name: "renamed"', 1)
    net = load(ZOO.caffemodel, write(tmp_path, "r.prototxt", text))
    assert missing_weights(net) == ["renamed"]
    assert any("'renamed' (Convolution) has no weights" in w for w in net.warnings)
    assert any(f"weights for '{layer.name}' have no layer" in w for w in net.warnings)
    with pytest.raises(CaffeError, match="no weights for 'renamed'") as e:
        check_weights(net)
    assert "field 'blobs'" in str(e.value)
    check_weights(ZOO.load())  # the intact pair has every weight


def test_two_bottom_scale_needs_no_weights():
    net = load_definition(HEAD + conv("c", "data", "c") +
                          'layer { name: "s" type: "Scale" bottom: "c" bottom: "c" top: "s" }\n',
                          "bvlc")
    assert missing_weights(net) == ["c"]


def test_weight_shape_disagrees_with_prototxt(tmp_path):
    text = ZOO.prototxt.read_text().replace("kernel_size: 4", "kernel_size: 5")
    assert text != ZOO.prototxt.read_text()
    net = load(ZOO.caffemodel, write(tmp_path, "w.prototxt", text))
    with pytest.raises(CaffeError, match=r"weight blob 0 has shape \(3, 4, 4, 4\)") as e:
        net.infer_shapes()
    assert "field 'blobs[0]'" in str(e.value) and "layer 'c_s3'" in str(e.value)


def test_eltwise_shape_mismatch(tmp_path):
    text = (HEAD + conv("a", "data", "a") + conv("b", "data", "b", "pad: 1")
            + 'layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" top: "s" }\n')
    net = load(write(tmp_path, "e.prototxt", text))
    with pytest.raises(CaffeError, match="differ") as e:
        net.infer_shapes()
    assert "layer 'sum'" in str(e.value) and "field 'bottom'" in str(e.value)


def test_crop_offset_too_large(tmp_path):
    text = (HEAD + conv("a", "data", "a") +
            'layer { name: "crop" type: "Crop" bottom: "data" bottom: "a" top: "cr" '
            'crop_param { axis: 2 offset: 3 } }\n')
    net = load(write(tmp_path, "cr.prototxt", text))
    with pytest.raises(CaffeError, match="offset 3") as e:
        net.infer_shapes()
    assert "layer 'crop'" in str(e.value) and "field 'offset'" in str(e.value)


def test_input_dim_count(tmp_path):
    path = write(tmp_path, "d.prototxt", 'input: "data"\ninput_dim: 1\ninput_dim: 3\n'
                 + conv("c", "data", "c"))
    with pytest.raises(CaffeError, match="input_dim") as e:
        load(path)
    assert "field 'input_dim'" in str(e.value) and path in str(e.value)


def test_include_and_exclude_together(tmp_path):
    text = HEAD + ('layer { name: "c" type: "ReLU" bottom: "data" top: "data" '
                   'include { phase: TEST } exclude { phase: TRAIN } }\n')
    path = write(tmp_path, "ie.prototxt", text)
    with pytest.raises(CaffeError, match="not both") as e:
        load(path)
    where(e.value, path, layer="c")


# ------------------------------------------------------------- property test
def _small_fork_file(module, case, attr):
    """A real fork caffemodel with the blobs of all but one layer removed (small)."""
    net = module.NetParameter()
    net.ParseFromString(oracle(case).caffemodel.read_bytes())
    for i, layer in enumerate(getattr(net, attr)):
        if i > 1:
            del layer.blobs[:]
    return net.SerializeToString()


def _v0_file() -> bytes:
    """A V0 net (padding folded into conv, weights in V0 field 50, legacy 4-D dims)."""
    V0 = caffe_pb2.V0LayerParameter
    net = caffe_pb2.NetParameter(input=["data"], input_dim=[1, 2, 6, 6])
    net.layers.add(bottom=["data"], top=["p"], layer=V0(name="pad", type="padding", pad=1))
    conv = net.layers.add(bottom=["p"], top=["c"], layer=V0(name="c", type="conv",
                                                             num_output=2, kernelsize=3))
    for dims in ((2, 2, 3, 3), (1, 1, 1, 2)):
        blob = conv.layer.blobs.add(num=dims[0], channels=dims[1], height=dims[2],
                                    width=dims[3])
        blob.data.extend(np.linspace(-1, 1, int(np.prod(dims))))
    net.layers.add(bottom=["c"], top=["q"], layer=V0(name="q", type="pool", kernelsize=2,
                                                     stride=2))
    return net.SerializeToString()


def _double_file() -> bytes:
    net = _zoo_message()
    for layer in net.layer:
        for blob in layer.blobs:
            blob.double_data.extend(blob.data)
            blob.ClearField("data")
    return net.SerializeToString()


def _unpacked_file() -> bytes:
    """zoo_conv_variants with every float written unpacked (a key before each value)."""
    out = b""
    for layer in _zoo_message().layer:
        blobs = list(layer.blobs)
        layer.ClearField("blobs")
        payload = layer.SerializeToString()
        for blob in blobs:
            body = field(7, blob.shape.SerializeToString()) + b"".join(
                b"\x2d" + struct.pack("<f", v) for v in blob.data)
            payload += field(7, body)
        out += field(100, payload)
    return out


def _fixtures() -> list[tuple[str, bytes, bytes | None]]:
    """(name, bytes to mutate, prototxt that goes with a caffemodel or None)."""
    out = []
    for case in ("zoo_conv_variants", "zoo_eltwise_bn_scale", "zoo_pool_ceil_pad",
                 "zoo_activations_misc", "zoo_deconv_crop"):
        c = oracle(case)
        out.append((f"{case}.caffemodel", c.caffemodel.read_bytes(), None))
        out.append((f"{case}.caffemodel+prototxt", c.caffemodel.read_bytes(),
                    c.prototxt.read_bytes()))
        out.append((f"{case}.prototxt", c.prototxt.read_bytes(), None))
    out += [("v0.caffemodel", _v0_file(), None), ("double.caffemodel", _double_file(), None),
            ("unpacked.caffemodel", _unpacked_file(), None)]
    out.append(("deeplab_largefov_thin.caffemodel",  # memory-mapped (330 KB)
                oracle("deeplab_largefov_thin").caffemodel.read_bytes(), None))
    out.append(("dlv1.caffemodel", _small_fork_file(deeplab_v1_pb2, "deeplab_v1_largefov_thin",
                                                    "layers"), None))
    out.append(("dlv2.caffemodel", _small_fork_file(
        deeplab_v2_pb2, "deeplab_v2_largefov_interp_thin", "layer"), None))
    return out


FIXTURES = _fixtures() if ORACLE.is_dir() else []

#: Bound on the Python heap (tracemalloc peak) the reader may use for a file of F bytes.
#: Files under 64 KiB are read whole (1 F); the definition part (<= F) is cut out, which
#: holds a bytearray and its bytes copy (2 F), and is printed back as prototxt text (<= 2 F);
#: weights are views (0 F) or, for unpacked/double data, one float32 copy (<= F): 6 F,
#: so 8 F. The constant is the Python objects of the parsed net (protobuf wrappers, layer
#: records, parameter dataclasses: measured <= 4 KiB per layer, and these fixtures have
#: <= 40 layers) plus fixed caches: 256 KiB. It catches any allocation driven by a
#: declared length or count rather than by the bytes present.
HEAP_PER_BYTE, HEAP_CONST = 8, 256 * 2**10
#: Files of 64 KiB or more are memory-mapped (converter/reader.py `_map`), so nothing
#: proportional to them belongs on the heap: for such a file of packed float data (every
#: Caffe-saved file) the peak must stay under the constant + F / 4, while one copy of its
#: weights alone is ~F.
MAPPED, MAPPED_FRACTION = 2**16, 0.25
#: Hard per-example time bound: these are files of a few KB; loading one takes ms.
SECONDS = 10


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang(f"load did not return within {SECONDS} s")


mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 2**32), st.integers(1, 255)),
    st.tuples(st.just("insert"), st.integers(0, 2**32), st.binary(min_size=1, max_size=12)),
    st.tuples(st.just("delete"), st.integers(0, 2**32), st.integers(1, 64)),
    st.tuples(st.just("truncate"), st.integers(0, 2**32), st.just(0)),
    st.tuples(st.just("setbyte"), st.integers(0, 2**32), st.sampled_from([0, 0x7F, 0x80, 0xFF])),
)


def _mutate(data: bytes, ops) -> bytes:
    b = bytearray(data)
    for kind, pos, arg in ops:
        if not b:
            break
        pos %= len(b)
        if kind == "flip":
            b[pos] ^= arg
        elif kind == "setbyte":
            b[pos] = arg
        elif kind == "insert":
            b[pos:pos] = arg
        elif kind == "delete":
            del b[pos:pos + arg]
        else:
            del b[pos:]
    return bytes(b)


@pytest.mark.skipif(not FIXTURES, reason="oracle fixtures not available")
@settings(max_examples=200, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 10**6), ops=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_files_raise_only_caffe_error(tmp_path_factory, which, ops):
    """Mutated/truncated real files: success or CaffeError, bounded time and heap."""
    name, original, prototxt = FIXTURES[which % len(FIXTURES)]
    data = _mutate(original, ops)
    d = tmp_path_factory.mktemp("mut", numbered=True)
    path = d / "model"
    path.write_bytes(data)
    proto = None
    if prototxt is not None:
        proto = d / "deploy.prototxt"
        proto.write_bytes(prototxt)
    size = len(data) + (len(prototxt) if prototxt else 0)
    timer = hasattr(signal, "setitimer")  # POSIX; elsewhere only the deadline-free run
    if timer:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, SECONDS)
    tracemalloc.start()
    try:
        try:
            net = load(path, proto)
            if all(s is not None for s in net.inputs.values()):
                try:
                    net.infer_shapes()
                except CaffeError:
                    pass
        except CaffeError as e:
            assert str(e)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    assert peak <= HEAP_PER_BYTE * size + HEAP_CONST, (name, size, peak)
    if len(data) >= MAPPED and prototxt is None:
        assert peak <= HEAP_CONST + MAPPED_FRACTION * size, (name, size, peak)
