"""mIoU parity with real Caffe on shapes-voc val, for every framework.

The model is the FCN-8s trained in real Caffe (``examples/trained_fcn8s_shapes``):
``case.json`` holds Caffe's val mIoU and ``caffe_predictions.npz`` Caffe's argmax map for
each val image, keyed by image id (input convention: RGB -> BGR float minus the VOC
mean, NCHW, blob ``score``). Each framework evaluates the *converted output* (convert,
then ``load_converted``), as a user of converted weights would, and the ``.caffemodel``
converted on the fly.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.seg.metrics import (MIN_ARGMAX_AGREEMENT, MIOU_TOL_POINTS,
                                        ConfusionMatrix, argmax_agreement)
from caffe2ss.converter.seg.voc import read_label, voc_samples

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MODEL = EXAMPLES / "trained_fcn8s_shapes"
VOC_ROOT = EXAMPLES / "shapes-voc"
CASE = json.loads((MODEL / "case.json").read_text())
OUT_NAME = {"torch": "m.pt", "tf": "m", "onnx": "m.onnx"}


def caffe_predictions() -> dict:
    with np.load(MODEL / "caffe_predictions.npz") as z:
        return {k: z[k] for k in z.files}


def test_our_protocol_on_caffes_predictions_gives_caffes_recorded_scores():
    """Framework-free: Caffe's own argmax maps, scored by our protocol, give the numbers
    Caffe's run recorded (so the protocol matches, independently of any rebuild)."""
    ref = caffe_predictions()
    samples = voc_samples(VOC_ROOT, "val")
    assert sorted(ref) == sorted(s.id for s in samples) and len(samples) == 60
    cm = ConfusionMatrix(CASE["n_classes_head"])
    for s in samples:
        cm.update(ref[s.id], read_label(s.label))
    sc = cm.scores()
    assert sc["miou"] == pytest.approx(CASE["miou"], abs=1e-12)
    assert sc["pixel_acc"] == pytest.approx(CASE["pixel_acc"], abs=1e-12)
    ious = [sc["per_class_iou"][k] for k in range(len(CASE["classes"]))]
    assert ious == pytest.approx(CASE["iou_per_class"], abs=1e-12)
    assert all(v is None for k, v in sc["per_class_iou"].items() if k >= 4)


@pytest.mark.parametrize("framework", ["torch", "tf", "onnx"])
def test_miou_equals_caffes(framework, tmp_path):
    from caffe2ss.converter import load
    from caffe2ss.converter.backends import get_backend
    from caffe2ss.converter.seg.evaluate import evaluate

    try:
        backend = get_backend(framework)
    except CaffeError as e:
        pytest.skip(str(e))
    if not hasattr(backend, "convert"):
        pytest.skip(f"{framework} backend not available yet")
    net = load(MODEL / "weights.caffemodel", MODEL / "deploy.prototxt")
    target = tmp_path / OUT_NAME[framework]
    backend.convert(net, target)
    ours: dict = {}
    rep = evaluate(target, VOC_ROOT, "val", framework=framework, batch_size=1,
                   on_prediction=lambda i, pred, _label: ours.__setitem__(i, pred))
    assert rep["framework"] == framework and rep["n_images"] == 60
    equal, total = argmax_agreement(ours, caffe_predictions())
    assert total == 60 * 96 * 128
    assert equal / total >= MIN_ARGMAX_AGREEMENT, f"argmax agreement {equal / total:.6f}"
    diff_points = abs(rep["miou"] - CASE["miou"]) * 100
    assert diff_points <= MIOU_TOL_POINTS, f"mIoU {rep['miou']} vs Caffe {CASE['miou']}"
    assert list(rep["per_class_iou"])[:4] == CASE["classes"]  # the data set's names (class_names.txt)

    # the .caffemodel converted on the fly (backend.run) gives the same maps
    direct: dict = {}
    rep2 = evaluate(MODEL / "weights.caffemodel", VOC_ROOT, "val", framework=framework,
                    prototxt=MODEL / "deploy.prototxt", batch_size=6,
                    on_prediction=lambda i, pred, _label: direct.__setitem__(i, pred))
    assert rep2["framework"] == framework
    assert argmax_agreement(direct, ours)[0] == total


def test_cli_eval_writes_the_json_report(tmp_path, capsys):
    pytest.importorskip("torch")
    from caffe2ss.converter.cli import main

    report = tmp_path / "miou.json"
    args = ["eval", str(MODEL / "weights.caffemodel"), "--prototxt",
            str(MODEL / "deploy.prototxt"), "--framework", "torch", "--batch-size", "8"]
    assert main(args + ["--voc-root", str(VOC_ROOT), "--json", str(report)]) == 0
    r = json.loads(report.read_text())
    assert abs(r["miou"] - CASE["miou"]) * 100 <= MIOU_TOL_POINTS
    assert 0 <= r["miou"] <= 1 and r["pixel_acc"] == pytest.approx(CASE["pixel_acc"], abs=1e-4)
    assert 0 < r["mean_acc"] <= 1 and r["n_images"] == 60 and r["framework"] == "torch"
    assert len(r["per_class_iou"]) == 21 and r["per_class_iou"]["class_15"] is None  # head > data set
    assert r["per_class_iou"]["background"] == pytest.approx(CASE["iou_per_class"][0], abs=1e-4)
    assert r["images_per_s"] > 0
    (tmp_path / "empty/ImageSets/Segmentation").mkdir(parents=True)
    (tmp_path / "empty/ImageSets/Segmentation/val.txt").write_text("")
    capsys.readouterr()
    assert main(args + ["--voc-root", str(tmp_path / "empty")]) == 2
    assert "val.txt: split 'val' lists no images" in capsys.readouterr().err


def test_parity_voc_gate_passes_and_fails_as_a_ci_gate(tmp_path, capsys):
    """`caffe2ss parity --voc-root ... --caffe-predictions ...`: exit 0, then 1 when
    Caffe's predictions are made to disagree, with the same JSON report."""
    pytest.importorskip("torch")
    from caffe2ss.converter.cli import main

    args = ["parity", str(MODEL / "weights.caffemodel"), "--prototxt",
            str(MODEL / "deploy.prototxt"), "--frameworks", "torch",
            "--voc-root", str(VOC_ROOT), "--json", str(tmp_path / "gate.json")]
    preds = MODEL / "caffe_predictions.npz"
    assert main(args + ["--caffe-predictions", str(preds)]) == 0
    rep = json.loads((tmp_path / "gate.json").read_text())
    assert rep["pass"] is True and rep["miou"]["pass"] is True
    fw = rep["miou"]["frameworks"]["torch"]
    assert fw["argmax_agreement"] == 1.0 and fw["miou_diff_points"] <= MIOU_TOL_POINTS
    assert abs(rep["miou"]["caffe_miou"] - CASE["miou"]) < 1e-9

    # Caffe's maps with one image's object pixels relabelled: agreement drops below 99.9%
    with np.load(preds) as z:
        bad = {k: z[k].copy() for k in z.files}
    first = sorted(bad)[0]
    bad[first][bad[first] > 0] = 3
    bad[first][:, :40] = 2
    np.savez(tmp_path / "bad.npz", **bad)
    assert main(args + ["--caffe-predictions", str(tmp_path / "bad.npz")]) == 1
    rep = json.loads((tmp_path / "gate.json").read_text())
    assert rep["pass"] is False and rep["miou"]["frameworks"]["torch"]["pass"] is False
