"""The VOC mIoU protocol against hand-computed confusion matrices, and the numpy pre/post
processing shared by every framework (preprocessing, align-corners resize)."""
from __future__ import annotations

import numpy as np
import pytest

from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.seg.metrics import ConfusionMatrix, argmax_agreement
from caffe2ss.converter.seg.prepost import preprocess, resize_bilinear


def scores(n, *pairs):
    cm = ConfusionMatrix(n)
    for pred, gt in pairs:
        cm.update(np.array(pred), np.array(gt))
    return cm, cm.scores()


def test_void_and_class_absent_from_both():
    # class 2 is predicted only on the void pixel (255), so after ignoring void it is
    # absent from both prediction and ground truth: IoU None, not in the mean.
    gt = [[0, 0, 1, 1], [0, 255, 1, 3]]
    pred = [[0, 1, 1, 1], [0, 2, 3, 3]]
    cm, s = scores(4, (pred, gt))
    assert cm.counts.tolist() == [[2, 1, 0, 0], [0, 2, 0, 1], [0, 0, 0, 0], [0, 0, 0, 1]]
    assert s["per_class_iou"] == pytest.approx({0: 2 / 3, 1: 2 / 4, 2: None, 3: 1 / 2})
    assert s["per_class_iou"][2] is None
    assert s["miou"] == pytest.approx((2 / 3 + 1 / 2 + 1 / 2) / 3)
    assert s["pixel_acc"] == pytest.approx(5 / 7)
    assert s["mean_acc"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    assert s["n_pixels"] == 7


def test_class_absent_only_from_ground_truth_counts_as_zero():
    # class 2 appears only in the prediction: IoU 0 and included in the mean; it is left
    # out of the mean class accuracy (which runs over the ground-truth classes).
    _, s = scores(3, ([0, 2, 0, 1], [0, 0, 0, 1]))
    assert s["per_class_iou"] == pytest.approx({0: 2 / 3, 1: 1.0, 2: 0.0})
    assert s["miou"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert s["mean_acc"] == pytest.approx((2 / 3 + 1) / 2)
    assert s["per_class_acc"][2] is None


def test_one_matrix_over_the_split_not_a_mean_of_images():
    a = ([[1, 1, 1, 1]], [[1, 1, 1, 0]])     # image 1: IoU0 = 0, IoU1 = 3/4
    b = ([[0, 0]], [[0, 0]])                 # image 2: IoU0 = 1
    _, split = scores(2, a, b)
    # over the split: class 0 TP 2, FN 1 -> 2/3; class 1 TP 3, FP 1 -> 3/4
    assert split["miou"] == pytest.approx((2 / 3 + 3 / 4) / 2)
    per_image = np.mean([scores(2, a)[1]["miou"], scores(2, b)[1]["miou"]])
    assert split["miou"] != pytest.approx(per_image)


@pytest.mark.parametrize("pred, gt, what", [
    ([0, 4], [0, 1], "prediction has class 4"),
    ([0, 1], [0, 7], "label has value 7"),
    ([0, 1, 1], [0, 1], "differs"),
])
def test_bad_values_are_errors(pred, gt, what):
    with pytest.raises(CaffeError, match=what):
        ConfusionMatrix(4).update(np.array(pred), np.array(gt), name="x.png")


def test_all_void_has_nothing_to_score():
    cm = ConfusionMatrix(3)
    cm.update(np.zeros((2, 2), np.uint8), np.full((2, 2), 255, np.uint8))
    with pytest.raises(CaffeError, match="no labelled pixels"):
        cm.scores()


def test_argmax_agreement_counts_pixels_and_needs_every_image():
    ref = {"a": np.array([[1, 2], [3, 4]]), "b": np.array([[0]])}
    assert argmax_agreement({"a": np.array([[1, 2], [0, 4]]), "b": np.array([[0]])},
                            ref) == (4, 5)
    with pytest.raises(CaffeError, match="'c'"):
        argmax_agreement({"c": np.array([[0]])}, ref)


def test_preprocess_rgb_to_bgr_minus_mean_then_scale_nchw():
    img = np.zeros((2, 3, 3), np.uint8)
    img[0, 1] = (10, 20, 30)  # R, G, B
    x = preprocess([img], {"channel_order": "BGR", "mean": (1.0, 2.0, 3.0), "scale": 0.5})
    assert x.shape == (1, 3, 2, 3) and x.dtype == np.float32
    assert x[0, :, 0, 1].tolist() == [(30 - 1) * 0.5, (20 - 2) * 0.5, (10 - 3) * 0.5]
    assert x[0, :, 1, 2].tolist() == [-0.5, -1.0, -1.5]


def test_resize_bilinear_align_corners_by_hand():
    x = np.array([[0.0, 1.0, 4.0]], np.float32)[None, None]   # 1 x 3
    y = resize_bilinear(x, 1, 5)                              # source cols 0, .5, 1, 1.5, 2
    assert y[0, 0, 0].tolist() == [0.0, 0.5, 1.0, 2.5, 4.0]
    z = resize_bilinear(np.arange(4, dtype=np.float32).reshape(1, 1, 2, 2), 3, 3)
    assert z[0, 0].tolist() == [[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]]


def test_resize_bilinear_matches_torch_align_corners():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 13, 17)).astype(np.float32)
    for size in [(97, 131), (13, 17), (5, 4), (1, 9)]:
        ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=size,
                                              mode="bilinear", align_corners=True).numpy()
        np.testing.assert_allclose(resize_bilinear(x, *size), ref, atol=1e-5)
