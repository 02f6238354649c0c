"""Issue 11: preprocessing is printed with its source and overridable (--mean, --scale,
--channel-order, --input-range), recorded in the sidecar; eval --json has the confusion
matrix and the data set's class names (--class-names renames); infer --recursive; a
fixed-size net says the image does not fit."""
from __future__ import annotations

import json

import numpy as np
import pytest

from caffe2ss.converter.seg.prepost import preprocess
from helpers.cli_run import EXAMPLE, MODEL, ROOT, VOC, cli

DATASET_NAMES = ["background", "circle", "rectangle", "triangle"]


def test_preprocess_input_range_channel_order_mean_scale():
    img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 7
    pre = {"channel_order": "RGB", "mean": [0.5, 0.25, 0.125], "scale": 2.0,
           "value_range": "0-1"}
    want = ((img.astype(np.float32) / 255 - np.float32([0.5, 0.25, 0.125])) * 2)
    np.testing.assert_allclose(preprocess([img], pre)[0], want.transpose(2, 0, 1), rtol=1e-6)
    bgr = preprocess([img], {"channel_order": "BGR", "mean": None})
    np.testing.assert_array_equal(bgr[0], img[..., ::-1].astype(np.float32).transpose(2, 0, 1))


@pytest.fixture(scope="module")
def eval_reports(tmp_path_factory):
    d = tmp_path_factory.mktemp("eval")
    names = d / "names.txt"
    names.write_text("bg\nround\nbox\ntri\n")
    out = {}
    for key, extra in {"default": [], "override": ["--mean", "0", "--channel-order", "rgb"],
                       "renamed": ["--class-names", names]}.items():
        rc, stdout, err = cli("eval", *MODEL, "--voc-root", VOC, "--json", d / f"{key}.json",
                              *extra)
        assert rc == 0, err
        out[key] = (json.loads((d / f"{key}.json").read_text()), stdout, err)
    return out


def test_eval_prints_preprocessing_and_its_source(eval_reports):
    _, _, err = eval_reports["default"]
    assert ("preprocessing: BGR, mean 104.007,116.669,122.679, scale 1, input range 0-255 "
            "(source: known model family") in err
    rep, _, err = eval_reports["override"]
    assert "preprocessing: RGB, mean 0,0,0" in err and "command line (--mean, " \
        "--channel-order) over known model family" in err
    assert rep["preprocessing"]["mean"] == [0, 0, 0]
    assert rep["preprocessing"]["channel_order"] == "RGB"
    assert rep["miou"] < eval_reports["default"][0]["miou"] - 0.01  # the override is applied


def test_eval_json_confusion_matrix_and_dataset_class_names(eval_reports):
    rep, stdout, _ = eval_reports["default"]
    cm = np.array(rep["confusion_matrix"])
    assert cm.shape == (21, 21) and cm.sum() == rep["n_pixels"]
    assert np.trace(cm) / cm.sum() == pytest.approx(rep["pixel_acc"])
    case = json.loads((EXAMPLE / "case.json").read_text())
    assert rep["miou"] == pytest.approx(case["miou"], abs=5e-4)  # Caffe's own mIoU
    assert rep["class_names"][:4] == DATASET_NAMES == case["classes"]
    assert "aeroplane" not in stdout and "circle" in stdout
    renamed, stdout, _ = eval_reports["renamed"]
    assert renamed["class_names"][:4] == ["bg", "round", "box", "tri"]
    assert renamed["per_class_iou"]["round"] == rep["per_class_iou"]["circle"]


def test_convert_records_overrides_in_the_sidecar_and_infer_reports_it(tmp_path):
    rc, _, err = cli("convert", *MODEL, "--to", "torch", "-o", tmp_path / "m.pt",
                     "--mean", "1,2,3", "--scale", "0.5", "--input-range", "0-1")
    assert rc == 0, err
    pre = json.loads((tmp_path / "m.pt.json").read_text())["preprocessing"]
    assert pre["mean"] == [1, 2, 3] and pre["scale"] == 0.5 and pre["value_range"] == "0-1"
    assert pre["source"].startswith("command line (--mean, --scale, --input-range)")
    img = sorted((VOC / "JPEGImages").iterdir())[0]
    rc, _, err = cli("infer", tmp_path / "m.pt", img, "-o", tmp_path / "masks")
    assert rc == 0, err
    assert "preprocessing: BGR, mean 1,2,3, scale 0.5, input range 0-1 (source: sidecar " \
        "m.pt.json" in err


def test_bad_mean_is_refused():
    rc, _, err = cli("eval", *MODEL, "--voc-root", VOC, "--mean", "1,2")
    assert rc == 2 and "give 1 or 3 values" in err


def test_infer_recursive_keeps_relative_paths(tmp_path):
    src = tmp_path / "imgs"
    (src / "a" / "b").mkdir(parents=True)
    files = sorted((VOC / "JPEGImages").iterdir())[:2]
    (src / "a" / files[0].name).write_bytes(files[0].read_bytes())
    (src / "a" / "b" / files[1].name).write_bytes(files[1].read_bytes())
    rc, _, err = cli("infer", *MODEL, src, "-o", tmp_path / "flat")
    assert rc == 2 and "add --recursive" in err
    rc, out, err = cli("infer", *MODEL, src, "-o", tmp_path / "masks", "--recursive")
    assert rc == 0, err
    assert (tmp_path / "masks" / "a" / f"{files[0].stem}.png").is_file()
    assert (tmp_path / "masks" / "a" / "b" / f"{files[1].stem}.png").is_file()
    assert "wrote 2 files" in out


def test_fixed_size_net_says_the_image_does_not_fit(tmp_path):
    img = sorted((VOC / "JPEGImages").iterdir())[0]
    rc, _, err = cli("infer", ROOT / "parity_tests/data/fixed_size_ip.prototxt", img,
                     "-o", tmp_path / "m")
    assert rc == 2
    assert "fixed at 8x8 by layer 'fc' (InnerProduct); resize the images" in err
    assert "source: default" in err


def test_infer_interrupted_says_how_many_files_were_written(tmp_path, monkeypatch):
    from caffe2ss.converter.seg import infer as infer_mod

    real, calls = infer_mod.write_palette_png, []

    def write_then_stop(path, pred):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(path)
        return real(path, pred)

    monkeypatch.setattr(infer_mod, "write_palette_png", write_then_stop)
    rc, _, err = cli("infer", *MODEL, VOC / "JPEGImages", "-o", tmp_path / "masks")
    assert rc == 130
    assert f"interrupted after writing 2 files to {tmp_path / 'masks'}" in err
    assert len(list((tmp_path / "masks").glob("*.png"))) == 2
