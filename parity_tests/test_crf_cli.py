"""``eval --crf`` and ``infer --crf`` on the Caffe-trained FCN-8s, in all three frameworks.

The CRF masks are checked against :func:`dense_crf` applied to the model's logits by hand.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from caffe2ss.converter.cli.main import main  # noqa: E402
from caffe2ss.converter.seg.crf_params import CRFParams, parse_crf_params  # noqa: E402
from caffe2ss.converter.seg.crf_predict import predict_with_crf  # noqa: E402
from caffe2ss.converter.seg.predict import Model, open_model  # noqa: E402
from caffe2ss.converter.seg.prepost import resize_bilinear  # noqa: E402
from caffe2ss.converter.seg.voc import read_image, read_label  # noqa: E402
from caffe2ss.models.torch.crf import dense_crf_numpy  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MODEL = EXAMPLES / "trained_fcn8s_shapes/weights.caffemodel"
DEPLOY = EXAMPLES / "trained_fcn8s_shapes/deploy.prototxt"


def subset(tmp_path, ids=("val_00600", "val_00601", "val_00602")) -> Path:
    root = tmp_path / "voc"
    for sub, ext in (("JPEGImages", ".jpg"), ("SegmentationClass", ".png")):
        (root / sub).mkdir(parents=True)
        for i in ids:
            shutil.copy(EXAMPLES / "shapes-voc" / sub / f"{i}{ext}", root / sub / f"{i}{ext}")
    (root / "ImageSets/Segmentation").mkdir(parents=True)
    (root / "ImageSets/Segmentation/val.txt").write_text("\n".join(ids) + "\n")
    return root


@pytest.mark.parametrize("framework", ["torch", "tf", "onnx"])
def test_eval_crf_cli_json_side_by_side(tmp_path, framework, capsys):
    pytest.importorskip({"torch": "torch", "tf": "tensorflow", "onnx": "onnxruntime"}[framework])
    report = tmp_path / "r.json"
    args = [str(MODEL), "--prototxt", str(DEPLOY), "--voc-root", str(subset(tmp_path)),
            "--json", str(report), "--crf", "--crf-params", "pos_xy_std=1,bi_xy_std=20"]
    args += ["--framework", framework]  # the caffemodel run by that framework's backend
    assert main(["eval"] + args) == 0
    text = capsys.readouterr().out
    assert "with DenseCRF (bi_w=4,bi_xy_std=20,bi_rgb_std=5,pos_w=3,pos_xy_std=1" in text
    assert "+CRF %" in text
    r = json.loads(report.read_text())
    assert r["crf"]["source"] == "command line"
    assert 0 <= r["crf"]["miou"] <= 1 and r["crf"]["per_class_iou"]["background"] > 0.9
    # the CRF's labels are those of the torch CRF on this framework's logits
    m = open_model(MODEL, framework, DEPLOY)
    img = read_image(EXAMPLES / "shapes-voc/JPEGImages/val_00600.jpg")
    q = dense_crf_numpy(m.logits([img]), [img], parse_crf_params("pos_xy_std=1,bi_xy_std=20"))
    _, crf = predict_with_crf(m, [img], parse_crf_params("pos_xy_std=1,bi_xy_std=20"))
    assert (crf[0] == q[0].argmax(0)).all()


def test_infer_crf_writes_the_crf_argmax(tmp_path):
    img_path = EXAMPLES / "shapes-voc/JPEGImages/val_00601.jpg"
    assert main(["infer", str(MODEL), "--prototxt", str(DEPLOY), str(img_path),
                 "-o", str(tmp_path / "plain")]) == 0
    assert main(["infer", str(MODEL), "--prototxt", str(DEPLOY), str(img_path),
                 "-o", str(tmp_path / "crf"), "--crf"]) == 0
    plain, refined = (read_label(tmp_path / d / "val_00601.png") for d in ("plain", "crf"))
    img = read_image(img_path)
    m = open_model(MODEL, "torch", DEPLOY)
    q = dense_crf_numpy(m.logits([img]), [img], CRFParams())
    assert refined.shape == img.shape[:2]
    assert (refined == q[0].argmax(0)).all()
    assert (refined != plain).mean() > 0.001  # the CRF changed the mask


def test_crf_runs_on_upsampled_stride8_logits():
    """DeepLab without Interp: logits are resized to the image, then the CRF runs."""
    def runner(inputs):
        x = inputs["data"][:, :, ::8, ::8]
        y = np.zeros((x.shape[0], 3) + x.shape[2:], np.float32)
        y[:, 1] = x[:, 2] / 50
        return {"score": y}

    m = Model(net=None, runner=runner, preprocessing={"channel_order": "BGR", "mean":
              (100.0, 100.0, 100.0)}, framework="numpy", source="s8", input="data",
              output="score")
    img = read_image(EXAMPLES / "shapes-voc/JPEGImages/val_00602.jpg")
    plain, crf = predict_with_crf(m, [img], CRFParams())
    y = resize_bilinear(m.logits([img]), *img.shape[:2])
    assert crf[0].shape == plain[0].shape == img.shape[:2]
    assert (plain[0] == y[0].argmax(0)).all()
    assert (crf[0] == dense_crf_numpy(y, [img], CRFParams())[0].argmax(0)).all()
