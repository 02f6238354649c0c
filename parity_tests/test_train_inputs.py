"""``caffe2ss train`` refuses bad input with one line naming the fix, before training
(exit 2, no checkpoint written); and ``--reinit-classifier`` fine-tunes to a new class
count, whose final.pt loads in ``caffe2ss eval``."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

pytest.importorskip("torch")

from helpers.training import FCN_INIT, FCN_NONE, make_voc_root, train  # noqa: E402

FAST = ["--steps", 1, "--batch-size", 2, "--crop", "64,64", "--workers", 0,
        "--val-split", "none"]


@pytest.fixture
def voc_root(tmp_path):
    return make_voc_root(tmp_path / "voc")


def _refused(capsys, run_dir, *argv) -> str:
    assert train(*argv, "-o", run_dir) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("caffe2ss: error:")
    assert not list(run_dir.glob("checkpoint-*")) if run_dir.exists() else True
    return err


def test_empty_split(voc_root, tmp_path, capsys):
    (voc_root / "ImageSets" / "Segmentation" / "train.txt").write_text("\n")
    err = _refused(capsys, tmp_path / "r", "fcn8s", "--voc-root", voc_root, *FCN_INIT, *FAST)
    assert "lists no images" in err


def test_label_out_of_range(voc_root, tmp_path, capsys):
    # the data holds classes 0..3; a 3-class head cannot learn class 3
    err = _refused(capsys, tmp_path / "r", "fcn8s", "--voc-root", voc_root, *FCN_NONE,
                   "--num-classes", 3, *FAST)
    assert "label value 3 is outside 0..2" in err and "--num-classes" in err


def test_label_size_mismatch(voc_root, tmp_path, capsys):
    from caffe2ss.converter.seg.voc import read_label, write_palette_png

    lab = voc_root / "SegmentationClass" / "train_00005.png"
    write_palette_png(lab, read_label(lab)[:-2])
    err = _refused(capsys, tmp_path / "r", "fcn8s", "--voc-root", voc_root, *FCN_INIT, *FAST)
    assert "train_00005.png" in err and "94x128" in err and "96x128" in err


def test_crop_too_large_without_padding(voc_root, tmp_path, capsys):
    err = _refused(capsys, tmp_path / "r", "fcn8s", "--voc-root", voc_root, *FCN_INIT,
                   *FAST, "--crop", "120,120", "--scale-range", "0.5,1.0", "--no-pad")
    assert "padding is disabled" in err and "--crop" in err


def test_crop_not_a_multiple_the_model_needs(voc_root, tmp_path, capsys, monkeypatch):
    from caffe2ss.models import registry

    registry.list_models()  # load the families first, then add a constrained entry
    monkeypatch.setitem(registry.MODELS, "fcn8s_mult32", registry.ModelEntry(
        name="fcn8s_mult32", torch="x:y", tf="x:y", input_multiple=32))
    err = _refused(capsys, tmp_path / "r", "fcn8s_mult32", "--voc-root", voc_root,
                   *FCN_INIT, *FAST, "--crop", "72,72")
    assert "multiples of 32" in err and "96x96" in err


def test_class_count_mismatch_offers_reinit(voc_root, tmp_path, capsys):
    err = _refused(capsys, tmp_path / "r", "fcn8s", "--voc-root", voc_root, *FCN_INIT,
                   *FAST, "--num-classes", 4)
    assert "21 classes" in err and "--reinit-classifier" in err


def test_reinit_classifier_trains_new_head(voc_root, tmp_path):
    import torch

    from caffe2ss.converter.seg.evaluate import evaluate

    run = tmp_path / "r"
    assert train("fcn8s", "--voc-root", voc_root, *FCN_INIT, *FAST, "--num-classes", 4,
                 "--reinit-classifier", "-o", run) == 0
    w = torch.load(run / "final.pt", weights_only=True)
    assert w["score_fr.weight"].shape[0] == 4 and w["upscore8.weight"].shape[:2] == (4, 4)
    # trunk weights kept from the caffemodel (1 step of lr 1e-3 moves them only a little)
    from caffe2ss.converter import load

    ref = load(FCN_INIT[1], FCN_INIT[3]).layer("conv1_1").blobs[0]
    assert np.abs(w["conv1_1.weight"].numpy() - ref).max() < 0.05 * np.abs(ref).max()
    report = evaluate(run / "final.pt", voc_root, split="val")
    assert report["n_classes"] == 4


def test_existing_run_needs_resume(voc_root, tmp_path, capsys):
    run = tmp_path / "r"
    run.mkdir()
    (run / "metrics.jsonl").write_text("")
    err = _refused(capsys, run, "fcn8s", "--voc-root", voc_root, *FCN_INIT, *FAST)
    assert "--resume" in err
    shutil.rmtree(run)
