"""Checks of the protobuf schemas in protos/ against real Caffe files.

(a) the committed ``*_pb2.py`` are what ``tools/gen_protos.py`` produces;
(b) they import with the installed protobuf runtime, whose version agrees
    with the generated code's;
(c) each schema parses the real files it is meant for: BVLC (FCN, VGG16,
    DrSleep's DeepLab deploy, the oracle cases), DeepLab v1 and DeepLab v2.

The real files are the project's verbatim copies in ``parity_tests/data`` (``nets/``
and ``oracle/``, see ``parity_tests/data/README.md``).
"""

import importlib
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import text_format
from google.protobuf.unknown_fields import UnknownFieldSet

from caffe2ss.protos import SCHEMAS, caffe_pb2, deeplab_v1_pb2, deeplab_v2_pb2

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / "parity_tests" / "data"   # the project's copies of the real files
NETS = SHARED / "nets"
ORACLE = SHARED / "oracle"

DLV1_CASE = "deeplab_v1_largefov_thin"
DLV2_CASE = "deeplab_v2_largefov_interp_thin"

# The DeepLab prototxts are templates filled in by DeepLab's run scripts.
_TEMPLATE_VALUES = {"NET_ID": "DeepLab-LargeFOV", "NUM_LABELS": "21", "EXP": "voc12"}
_TEMPLATE_VAR = re.compile(r"\$\{(\w+)\}")


def _require(path):
    """Return ``path``, or skip the test when the shared reference files are absent."""
    if not SHARED.is_dir():
        pytest.skip(f"reference files not available: {SHARED} does not exist")
    if not path.exists():
        pytest.skip(f"reference file not available: {path}")
    return path


def _fill_template(text):
    """Substitute ``${VAR}``: the values above, any other variable (paths) by "x"."""
    return _TEMPLATE_VAR.sub(lambda m: _TEMPLATE_VALUES.get(m.group(1), "x"), text)


def _parse_text(path, module, fill=False):
    text = _require(path).read_text(encoding="utf-8")
    if fill:
        text = _fill_template(text)
    return text_format.Parse(text, module.NetParameter())


def _parse_binary(path, module):
    net = module.NetParameter()
    net.ParseFromString(_require(path).read_bytes())
    return net


def _unknown_fields(message, path="net"):
    """[(path, field number)] of every field the schema did not recognise."""
    found = [(path, field.field_number) for field in UnknownFieldSet(message)]
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None:
            continue
        if descriptor.is_repeated:
            for index, item in enumerate(value):
                found += _unknown_fields(item, f"{path}.{descriptor.name}[{index}]")
        else:
            found += _unknown_fields(value, f"{path}.{descriptor.name}")
    return found


def _blob_dims(blob):
    if blob.HasField("shape"):
        return list(blob.shape.dim)
    if any(blob.HasField(f) for f in ("num", "channels", "height", "width")):
        return [blob.num, blob.channels, blob.height, blob.width]
    return []  # a 0-axis blob (a scalar Scale, a shared PReLU slope): Caffe writes no shape


def _derived(case) -> bool:
    """True for a case re-encoded in an older layout (``derived_from`` in case.json)."""
    meta = ORACLE / case / "case.json"
    return meta.exists() and "derived_from" in json.loads(meta.read_text())


def _oracle_cases(filename, exclude=(), new_style=False):
    """Oracle case names having ``filename`` (``new_style``: not derived ones, which use
    V1 layers, legacy dims or double_data); a placeholder when none are found."""
    names = sorted(p.parent.name for p in ORACLE.glob("*/" + filename))
    names = [name for name in names if name not in exclude and not (new_style and _derived(name))]
    return names or ["<no oracle cases found>"]


def _oracle_file(case, filename):
    if case.startswith("<"):
        _require(ORACLE)
        pytest.skip(f"no oracle cases with {filename} under {ORACLE}")
    return ORACLE / case / filename


# ---------------------------------------------------------------------------
# (a) generated code is current


def test_generated_code_is_current():
    pytest.importorskip("grpc_tools")
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "gen_protos.py"), "--check"],
        capture_output=True, text=True, cwd=str(REPO),
    )
    assert result.returncode == 0, (
        "protos/*_pb2.py differ from protos/*.proto; run python tools/gen_protos.py\n"
        + result.stdout + result.stderr
    )


# ---------------------------------------------------------------------------
# (b) generated modules import, versions agree


def _version_tuple(text):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_generated_module_matches_runtime(name):
    from google.protobuf import __version__ as runtime_version

    module = SCHEMAS[name]
    assert hasattr(module, "NetParameter")
    source = Path(module.__file__).read_text(encoding="utf-8")
    match = re.search(r"^# Protobuf Python Version: (\S+)$", source, re.MULTILINE)
    assert match, f"{module.__file__} has no '# Protobuf Python Version' line"
    gencode = _version_tuple(match.group(1))
    runtime = _version_tuple(runtime_version)
    # protobuf's compatibility rule: same major, runtime not older than gencode.
    assert gencode[0] == runtime[0], (gencode, runtime)
    assert runtime >= gencode, (gencode, runtime)


def test_schema_packages_and_imports():
    assert caffe_pb2.DESCRIPTOR.package == "caffe"
    assert deeplab_v1_pb2.DESCRIPTOR.package == "caffe_dlv1"
    assert deeplab_v2_pb2.DESCRIPTOR.package == "caffe_dlv2"
    for module in (deeplab_v1_pb2, deeplab_v2_pb2):
        assert [dep.name for dep in module.DESCRIPTOR.dependencies] == ["caffe.proto"]
    # A few numbers that distinguish the forks.
    conv_v1 = deeplab_v1_pb2.ConvolutionParameter.DESCRIPTOR.fields_by_name
    assert [conv_v1[n].number for n in ("hole", "hole_h", "hole_w")] == [17, 18, 19]
    assert deeplab_v1_pb2.LayerParameter.LayerType.Value("IMAGE_SEG_DATA") == 39
    assert "DECONVOLUTION" not in deeplab_v1_pb2.LayerParameter.LayerType.keys()
    assert caffe_pb2.V1LayerParameter.LayerType.Value("DECONVOLUTION") == 39
    layer_v2 = deeplab_v2_pb2.LayerParameter.DESCRIPTOR.fields_by_name
    assert layer_v2["interp_param"].number == 143
    assert caffe_pb2.LayerParameter.DESCRIPTOR.fields_by_name["input_param"].number == 143
    assert caffe_pb2.PoolingParameter.DESCRIPTOR.fields_by_name["round_mode"].number == 13
    assert "round_mode" not in deeplab_v2_pb2.PoolingParameter.DESCRIPTOR.fields_by_name


# ---------------------------------------------------------------------------
# (c) BVLC schema on real files

FCN_FILES = [
    "fcn.berkeleyvision.org__voc-fcn8s__deploy.prototxt",
    "fcn.berkeleyvision.org__voc-fcn8s__val.prototxt",
    "fcn.berkeleyvision.org__voc-fcn8s__train.prototxt",
    "fcn.berkeleyvision.org__voc-fcn8s-atonce__val.prototxt",
    "fcn.berkeleyvision.org__voc-fcn16s__val.prototxt",
    "fcn.berkeleyvision.org__voc-fcn32s__val.prototxt",
    "fcn.berkeleyvision.org__voc-fcn-alexnet__val.prototxt",
]


@pytest.mark.parametrize("filename", FCN_FILES)
def test_bvlc_parses_fcn_prototxt(filename):
    net = _parse_text(NETS / filename, caffe_pb2)
    assert net.layer and not net.layers
    types = {layer.type for layer in net.layer}
    assert {"Convolution", "Pooling", "Deconvolution", "Crop"} <= types
    if filename.endswith("__deploy.prototxt"):
        assert net.layer[0].type == "Input"
        assert list(net.layer[0].input_param.shape[0].dim) == [1, 3, 500, 500]
    else:
        data = net.layer[0]
        assert data.type == "Python"
        assert data.python_param.module == "voc_layers"
        assert data.python_param.param_str


def test_bvlc_parses_vgg16_v1_prototxt():
    net = _parse_text(NETS / "VGG_ILSVRC_16_layers_deploy.prototxt", caffe_pb2)
    assert not net.layer
    assert list(net.input) == ["data"]
    assert list(net.input_dim) == [10, 3, 224, 224]
    types = [caffe_pb2.V1LayerParameter.LayerType.Name(layer.type) for layer in net.layers]
    assert types.count("CONVOLUTION") == 13
    assert types.count("INNER_PRODUCT") == 3
    assert types[-1] == "SOFTMAX"


def test_bvlc_parses_drsleep_deeplab_deploy():
    net = _parse_text(NETS / "tensorflow-deeplab-lfov__util__deploy.prototxt", caffe_pb2)
    assert list(net.input_dim) == [1, 3, 321, 321]
    dilations = {layer.name: list(layer.convolution_param.dilation)
                 for layer in net.layer if layer.convolution_param.dilation}
    assert dilations == {"conv5_1": [2], "conv5_2": [2], "conv5_3": [2], "fc6": [12]}


#: cases using the reference build's own layers (the inisis fork's fields 202-507)
INISIS_CASES = ("zoo_fork_inisis", "zoo_pool_mask_unpool", "zoo_ssd_normalize_permute",
                "zoo_ssd_detection", "zoo_ssd_ties")
#: the cases with only the SSD fork's layers (202-206), which its own schema reads
SSD_CASES = ("zoo_ssd_normalize_permute", "zoo_ssd_detection")


@pytest.mark.parametrize("schema,case", [("inisis_pb2", c) for c in INISIS_CASES]
                         + [("ssd_pb2", c) for c in SSD_CASES])
def test_fork_schema_parses_its_real_caffe_cases(schema, case):
    """The reference build's cases through its own schema, and the SSD-only ones through
    the SSD fork's: text and caffemodel agree, no field left unknown."""
    module = importlib.import_module(f"caffe2ss.protos.{schema}")
    text = _parse_text(_oracle_file(case, "deploy.prototxt"), module)
    binary = _parse_binary(_oracle_file(case, "weights.caffemodel"), module)
    assert [l.type for l in text.layer] == [l.type for l in binary.layer
                                            if l.type != "Split"]
    assert _unknown_fields(binary) == []


@pytest.mark.parametrize("case", _oracle_cases("deploy.prototxt", exclude=INISIS_CASES,
                                               new_style=True))
def test_bvlc_parses_oracle_deploy(case):
    net = _parse_text(_oracle_file(case, "deploy.prototxt"), caffe_pb2)
    assert net.layer
    assert net.layer[0].type == "Input" and list(net.layer[0].top) == ["data"]


@pytest.mark.parametrize(
    "case", _oracle_cases("weights.caffemodel", exclude=(DLV1_CASE, DLV2_CASE) + INISIS_CASES,
                          new_style=True))
def test_bvlc_parses_oracle_caffemodel(case):
    net = _parse_binary(_oracle_file(case, "weights.caffemodel"), caffe_pb2)
    assert net.layer and not net.layers
    assert _unknown_fields(net) == []
    params = {}
    for layer in net.layer:
        for blob in layer.blobs:
            # Caffe's ToProto writes no shape for a 0-axis blob (one value)
            assert blob.HasField("shape") or len(blob.data) == 1
            assert len(blob.data) == math.prod(blob.shape.dim)
        if layer.blobs:
            params[layer.name] = [_blob_dims(blob) for blob in layer.blobs]
    case_json = ORACLE / case / "case.json"
    if case_json.exists():
        expected = json.loads(case_json.read_text()).get("param_shapes")
        if expected is not None:
            assert params == expected


# ---------------------------------------------------------------------------
# (c) DeepLab v1 schema on real files

DLV1_FILES = [
    "deeplab-v1__DeepLab-LargeFOV__test.prototxt",
    "deeplab-v1__DeepLab-LargeFOV__train.prototxt",
    "deeplab-public__corenel__exper__voc12__config__deeplab_largeFOV__test.prototxt",
]


@pytest.mark.parametrize("filename", DLV1_FILES)
def test_deeplab_v1_parses_prototxt(filename):
    net = _parse_text(NETS / filename, deeplab_v1_pb2, fill=True)
    layer_type = deeplab_v1_pb2.LayerParameter.LayerType
    types = [layer_type.Name(layer.type) for layer in net.layers]
    assert types[0] == "IMAGE_SEG_DATA"
    assert "INTERP" in types
    holes = {layer.name: layer.convolution_param.hole
             for layer in net.layers if layer.convolution_param.HasField("hole")}
    assert holes == {"conv5_1": 2, "conv5_2": 2, "conv5_3": 2, "fc6": 12}
    if "train" in filename:
        assert {"SOFTMAX_LOSS", "SEG_ACCURACY"} <= set(types)
        data = net.layers[0].image_data_param
        assert data.label_type == deeplab_v1_pb2.ImageDataParameter.PIXEL
    else:
        assert "MAT_WRITE" in types
        not_strict = [layer.name for layer in net.layers
                      if layer.HasField("strict_dim") and not layer.strict_dim]
        assert not_strict == ["fc6", "fc7", "fc8_voc12"]
    if filename == "deeplab-v1__DeepLab-LargeFOV__test.prototxt":
        crf = next(layer for layer in net.layers if layer.type == layer_type.Value("DENSE_CRF"))
        assert list(crf.dense_crf_param.bi_xy_std) == [50]


def test_bvlc_cannot_text_parse_deeplab_v1():
    """Why a separate schema: BVLC's V1 enum has no IMAGE_SEG_DATA and no `hole`."""
    with pytest.raises(text_format.ParseError):
        _parse_text(NETS / DLV1_FILES[0], caffe_pb2, fill=True)


def test_deeplab_v1_parses_caffemodel():
    path = ORACLE / DLV1_CASE / "weights.caffemodel"
    net = _parse_binary(path, deeplab_v1_pb2)
    assert net.layers and not net.input
    layer_type = deeplab_v1_pb2.LayerParameter.LayerType
    types = {layer.name: layer_type.Name(layer.type) for layer in net.layers}
    assert types["data"] == "IMAGE_SEG_DATA"
    assert types["label_shrink"] == "INTERP"
    assert types["loss"] == "SOFTMAX_LOSS"
    assert types["accuracy"] == "SEG_ACCURACY"
    by_name = {layer.name: layer for layer in net.layers}
    assert list(by_name["data"].transform_param.mean_value) == pytest.approx(
        [104.008, 116.669, 122.675])
    assert by_name["data"].transform_param.crop_size == 321
    assert by_name["label_shrink"].interp_param.shrink_factor == 8
    holes = {layer.name: layer.convolution_param.hole
             for layer in net.layers if layer.convolution_param.HasField("hole")}
    assert holes == {"conv5_1": 2, "conv5_2": 2, "conv5_3": 2, "fc6": 12}
    assert [layer.name for layer in net.layers if not layer.strict_dim] == [
        "fc6", "fc7", "fc8_voc12"]
    for layer in net.layers:
        for blob in layer.blobs:
            assert not blob.HasField("shape")  # legacy 4-D dims
            assert len(blob.data) == math.prod(_blob_dims(blob))
    # The layer structure is fully known to the DLv1 schema. The only
    # unrecognised fields are in the TRAIN-only loss/accuracy parameters: this
    # file stores `255` (an ignore label) under field 1 of softmaxloss_param and
    # seg_accuracy_param, where DLv1 has ignore_label at field 2 (field 1 of
    # SegAccuracyParameter is the `metric` enum, which has no value 255).
    unknown = {(path.rsplit(".", 1)[-1], number) for path, number in _unknown_fields(net)}
    assert unknown <= {("softmaxloss_param", 1), ("seg_accuracy_param", 1)}


def test_bvlc_misreads_deeplab_v1_caffemodel():
    """The cross-fork hazard the DLv1 schema exists for."""
    net = _parse_binary(ORACLE / DLV1_CASE / "weights.caffemodel", caffe_pb2)
    assert net.layers[0].type == caffe_pb2.V1LayerParameter.DECONVOLUTION
    fc6 = next(layer for layer in net.layers if layer.name == "fc6")
    assert fc6.convolution_param.force_nd_im2col and not fc6.convolution_param.dilation


# ---------------------------------------------------------------------------
# (c) DeepLab v2 schema on real files

DLV2_FILES = [
    "deeplab-public-ver2__talent518__exper__voc12__config__vgg16__test.prototxt",
    "deeplab-public-ver2__talent518__exper__voc12__config__vgg16__train.prototxt",
]


@pytest.mark.parametrize("filename", DLV2_FILES)
def test_deeplab_v2_parses_prototxt(filename):
    net = _parse_text(NETS / filename, deeplab_v2_pb2, fill=True)
    by_type = {}
    for layer in net.layer:
        by_type.setdefault(layer.type, []).append(layer)
    data = by_type["ImageSegData"][0]
    assert data.transform_param.crop_size in (321, 513)
    dilations = sorted(layer.convolution_param.dilation[0]
                       for layer in net.layer if layer.convolution_param.dilation)
    assert dilations == [2, 2, 2, 6, 12, 18, 24]
    interp = by_type["Interp"][0].interp_param
    if "train" in filename:
        assert interp.shrink_factor == 8
        assert by_type["SegAccuracy"][0].seg_accuracy_param.ignore_label == [255]
    else:
        assert interp.zoom_factor == 8
        assert data.image_data_param.label_type == deeplab_v2_pb2.ImageDataParameter.NONE
        assert by_type["MatWrite"][0].mat_write_param.prefix


def test_deeplab_v2_parses_caffemodel():
    net = _parse_binary(ORACLE / DLV2_CASE / "weights.caffemodel", deeplab_v2_pb2)
    assert list(net.input) == ["data"] and len(net.input_dim) == 4
    assert _unknown_fields(net) == []
    last = net.layer[-1]
    assert last.type == "Interp"
    assert last.interp_param.zoom_factor == 8
    by_name = {layer.name: layer for layer in net.layer}
    assert list(by_name["fc6"].convolution_param.dilation) == [12]
    assert by_name["pool5a"].pooling_param.pool == deeplab_v2_pb2.PoolingParameter.AVE
