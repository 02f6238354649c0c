"""SSD's PriorBox and DetectionOutput against the C++ loops transcribed one element at a
time (helpers/caffe_numpy/ssd_detect.py), the fork defaults, libstdc++'s sort, and every
framework on exact inputs. (Real-Caffe cases: oracle/zoo_ssd_detection,
oracle/zoo_ssd_ties.)"""
from __future__ import annotations

import numpy as np
import pytest

from caffe2ss.converter import load
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.layers import SPECS, LayerContext, Msg
from caffe2ss.converter.layers.bbox_util import decode
from caffe2ss.converter.layers.detection import detection_output
from caffe2ss.converter.layers.priorbox import prior_boxes
from caffe2ss.converter.stdsort import std_sort
from caffe2ss.protos import inisis_pb2, ssd_pb2
from helpers.onelayer import backend  # noqa: F401 (a fixture)
from helpers.caffe_numpy import ssd_detect as loops


def params(type_name, text, fork="ssd"):
    """A spec's parameters from a parameter block written as prototxt."""
    from google.protobuf import text_format

    spec = SPECS[type_name]
    layer = text_format.Parse(f"{spec.param_field} {{ {text} }}",
                              (ssd_pb2 if fork == "ssd" else inisis_pb2).LayerParameter())
    msg = Msg(getattr(layer, spec.param_field) if layer.HasField(spec.param_field) else None,
              "l")
    return spec.parse(msg, LayerContext("l", 3, 1, fork))


PRIORS = [
    ("min_size: 6 max_size: 12 aspect_ratio: 2 variance: 0.1 variance: 0.1 variance: 0.2 "
     "variance: 0.2", (5, 4), (24, 20)),
    ("min_size: 12.7 max_size: 20.9 aspect_ratio: 2 aspect_ratio: 3 aspect_ratio: 0.5 "
     "aspect_ratio: 1.0000001 flip: true clip: true step: 4 offset: 0.25", (3, 3), (17, 19)),
    ("min_size: 30 min_size: 7 aspect_ratio: 3 flip: false img_h: 50 img_w: 40 "
     "variance: 0.3", (2, 5), (1, 1)),
    ("min_size: 8 max_size: 9 step_h: 3 step_w: 5 img_size: 33 offset: 0", (4, 2), (9, 9)),
]


@pytest.mark.parametrize("text,feat,img", PRIORS)
def test_prior_box_equals_the_loops(text, feat, img):
    p = params("PriorBox", text)
    ours = prior_boxes(p, feat, img)
    assert ours.shape == SPECS["PriorBox"].infer(p, [(1, 8) + feat, (1, 3) + img], None)[0]
    assert np.array_equal(ours, loops.prior_box(p, *feat, *img))


def test_prior_box_rules():
    p = params("PriorBox", "min_size: 10 aspect_ratio: 2 aspect_ratio: 2.0000005 "
                           "aspect_ratio: 0.5")
    # 1 first; 2 and its flip 0.5; 2.0000005 is 2 within 1e-6; 0.5 was added by the flip
    assert p.aspect_ratios == (1.0, 2.0, 0.5) and p.num_priors == 3
    assert p.clip is False and params("PriorBox", "min_size: 10", "inisis").clip is True
    assert p.variance == (float(np.float32(0.1)),) and p.offset == 0.5
    for bad, field in [("max_size: 3", "min_size"), ("min_size: 4 max_size: 3", "max_size"),
                       ("min_size: 4 variance: 1 variance: 2", "variance"),
                       ("min_size: 4 img_size: 3 img_h: 4 img_w: 4", "img_size"),
                       ("min_size: 4 step_h: 4", "step_h")]:
        with pytest.raises(CaffeError) as e:
            params("PriorBox", bad)
        assert e.value.field == field


def _bottoms(rng, num, n_prior, classes, loc_classes, ties=False):
    loc = (rng.standard_normal((num, n_prior * loc_classes * 4)) * 0.5).astype(np.float32)
    conf = rng.random((num, n_prior * classes)).astype(np.float32)
    if ties:  # a few levels: equal scores across priors and classes
        conf = (np.floor(conf * 4) / 4).astype(np.float32)
    prior = prior_boxes(params("PriorBox", "min_size: 8 max_size: 16 aspect_ratio: 2 "
                                           "variance: 0.1 variance: 0.1 variance: 0.2 "
                                           "variance: 0.2"), (3, 3), (24, 24))
    assert prior.shape[2] // 4 == n_prior
    return loc, conf, prior


DETECTIONS = [
    "num_classes: 3 nms_param { nms_threshold: 0.45 top_k: 20 } code_type: CENTER_SIZE "
    "keep_top_k: 9 confidence_threshold: 0.3",
    "num_classes: 4 share_location: false background_label_id: 2 nms_param { "
    "nms_threshold: 0.7 eta: 0.8 } confidence_threshold: 0.2",
    "num_classes: 3 code_type: CORNER_SIZE variance_encoded_in_target: true keep_top_k: 0",
    "num_classes: 2 background_label_id: -1 share_location: false code_type: CENTER_SIZE "
    "variance_encoded_in_target: true nms_param { nms_threshold: 0.2 top_k: 5 }",
    "num_classes: 3 confidence_threshold: 1.0",  # nothing: one row of -1 per image
]


@pytest.mark.parametrize("text", DETECTIONS)
def test_detection_output_equals_the_loops(text):
    p = params("DetectionOutput", text)
    rng = np.random.default_rng(len(text))
    bottoms = _bottoms(rng, 2, 36, p.num_classes, 1 if p.share_location else p.num_classes)
    ours = detection_output(p, *bottoms)
    assert ours.dtype == np.float32 and ours.shape[:2] == (1, 1) and ours.shape[3] == 7
    assert np.array_equal(ours, loops.detection_output(p, *bottoms))


def test_no_detection_rows_and_the_inisis_default_without_nms():
    p = params("DetectionOutput", "num_classes: 3 confidence_threshold: 1.0")
    out = detection_output(p, *_bottoms(np.random.default_rng(1), 2, 36, 3, 1))
    assert out.tolist() == [[[[0] + [-1] * 6, [1] + [-1] * 6]]]
    p = params("DetectionOutput", "num_classes: 3", "inisis")  # no nms_param: keep all
    assert not p.nms and params("DetectionOutput", "num_classes: 3").nms
    bottoms = _bottoms(np.random.default_rng(2), 1, 36, 3, 1)
    out = detection_output(p, *bottoms)
    assert out.shape == (1, 1, 72, 7)  # every prior of both non-background classes
    assert np.array_equal(out, loops.detection_output(p, *bottoms))


def test_detection_output_refuses_what_caffe_aborts_on():
    for bad, field in [("share_location: true", "num_classes"),
                       ("num_classes: 2 background_label_id: -1", "background_label_id"),
                       ("num_classes: 2 nms_param { eta: 1.5 }", "nms_param")]:
        with pytest.raises(CaffeError) as e:
            params("DetectionOutput", bad)
        assert e.value.field == field


#: std::sort(v, v + n, [](a, b){ return a.first > b.first; }) with g++ 12 (libstdc++):
#: the input indices in the sorted order, for scores (i * 7) % 5 / 4 (ties everywhere).
GXX_SORTED = {
    20: [2, 17, 7, 12, 19, 4, 14, 9, 1, 16, 11, 6, 8, 13, 3, 18, 10, 15, 5, 0],
    40: [17, 2, 37, 22, 7, 32, 27, 12, 9, 24, 14, 29, 19, 34, 4, 39, 21, 1, 26, 31, 36, 16,
         11, 6, 18, 23, 38, 13, 28, 3, 8, 33, 0, 20, 5, 35, 10, 30, 15, 25],
}


@pytest.mark.parametrize("n", sorted(GXX_SORTED))
def test_std_sort_orders_ties_as_libstdcxx(n):
    a = [((i * 7) % 5 / 4, i) for i in range(n)]
    std_sort(a, lambda x, y: x[0] > y[0])
    assert [i for _, i in a] == GXX_SORTED[n]


def test_keep_top_k_orders_ties_as_caffe():
    """Over 16 tied candidates: std::sort's order decides which survive keep_top_k."""
    p = params("DetectionOutput", "num_classes: 3 nms_param { nms_threshold: 1.0 } "
                                  "keep_top_k: 25")
    bottoms = _bottoms(np.random.default_rng(5), 1, 36, 3, 1, ties=True)
    out = detection_output(p, *bottoms)[0, 0]
    assert out.shape == (25, 7)
    loc, conf, prior = bottoms[0].reshape(36, 4), bottoms[1].reshape(36, 3), bottoms[2]
    boxes = decode(prior[0, 0].reshape(36, 4), prior[0, 1].reshape(36, 4), loc, 1, False)
    # NMS (threshold 1 keeps all) hands each label's indices stable-sorted by score
    pairs = [(float(conf[j, c]), c, int(j)) for c in (1, 2)
             for j in np.argsort(-conf[:, c], kind="stable")]
    std_sort(pairs, lambda x, y: x[0] > y[0])
    want = sorted(pairs[:25], key=lambda t: t[1])  # by label (std::map), stable
    assert np.array_equal(out, [[0, c, s, *boxes[j]] for s, c, j in want])


NET = """name: "det"
input: "loc" input_shape { dim: 2 dim: 144 }
input: "conf" input_shape { dim: 2 dim: 108 }
input: "feat" input_shape { dim: 2 dim: 1 dim: 3 dim: 3 }
input: "img" input_shape { dim: 2 dim: 3 dim: 24 dim: 24 }
layer { name: "prior" type: "PriorBox" bottom: "feat" bottom: "img" top: "prior"
  prior_box_param { min_size: 8 max_size: 16 aspect_ratio: 2 clip: true
    variance: 0.1 variance: 0.1 variance: 0.2 variance: 0.2 } }
layer { name: "det" type: "DetectionOutput" bottom: "loc" bottom: "conf" bottom: "prior"
  top: "det" detection_output_param { num_classes: 3 code_type: CENTER_SIZE
    nms_param { nms_threshold: 0.45 top_k: 30 } keep_top_k: 20 confidence_threshold: 0.1 } }
"""


def test_every_framework_gives_the_loops_answer(backend, tmp_path):
    (tmp_path / "det.prototxt").write_text(NET)
    net = load(tmp_path / "det.prototxt")
    assert net.fork == "ssd" and net.outputs() == ["det"]
    rng = np.random.default_rng(3)
    loc, conf, _ = _bottoms(rng, 2, 36, 3, 1)  # no ties: the loops sort stably
    feeds = {"loc": loc, "conf": conf, "feat": np.zeros((2, 1, 3, 3), np.float32),
             "img": np.zeros((2, 3, 24, 24), np.float32)}
    ours = backend.run(net, feeds, blobs=True)
    prior = loops.prior_box(net.layer("prior").params, 3, 3, 24, 24)
    assert np.array_equal(ours["prior"], prior)
    want = loops.detection_output(net.layer("det").params, loc, conf, prior)
    assert want.shape[2] == 2 * 20 and np.array_equal(ours["det"], want)
    assert list(backend.run(net, feeds)) == ["det"]
