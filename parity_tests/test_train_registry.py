"""``caffe2ss train`` on registry families without a Caffe definition (fcn8,
mobilenetv2_unet), built by ``caffe2ss.models.create``: ``final.*`` holds the framework's
weights plus a provenance-v2 sidecar whose ``model`` field rebuilds the model, and
``caffe2ss eval`` opens it and reproduces the run's own validation; ``--val-crf`` scores
the DenseCRF through eval's CRF code."""
from __future__ import annotations

import json
import re

import pytest

pytest.importorskip("torch")

from helpers.training import EXAMPLES, make_voc_root, metrics, train  # noqa: E402

#: thin FCN8 (published widths / 16): a few steps take a second on CPU
THIN = '{"widths": [4, 8, 16, 32, 32], "fc_width": 32}'
FAST = ["--num-classes", 4, "--batch-size", 2, "--crop", "64,64", "--workers", 0,
        "--seed", 3, "--val-split", "val6"]
#: eval of final.* against the run's own last validation: same weights, same code
MIOU_TOL = 1e-6


@pytest.fixture(scope="module")
def voc_root(tmp_path_factory):
    """The shipped train subset and val split, plus ``val6``: 6 val images (fast)."""
    root = make_voc_root(tmp_path_factory.mktemp("voc"))
    sets = root / "ImageSets" / "Segmentation"
    names = (sets / "val.txt").read_text().split()[:6]
    (sets / "val6.txt").write_text("\n".join(names) + "\n")
    return root


def _val(run):
    return [r for r in metrics(run) if "val_miou" in r][-1]


def test_fcn8_final_pt_evals_and_val_crf(voc_root, tmp_path, capsys):
    from caffe2ss.converter.cli import main
    from caffe2ss.converter.seg.evaluate import evaluate

    run = tmp_path / "fcn8"
    assert train("fcn8", "--voc-root", voc_root, "--model-args", THIN, *FAST, "--steps", 3,
                 "--val-crf", "iterations=1", "-o", run) == 0
    side = json.loads((run / "final.pt.json").read_text())
    assert side["version"] >= 2 and side["model"]["registry"] == "fcn8"
    assert side["model"]["args"]["widths"] == [4, 8, 16, 32, 32]
    assert side["model"]["num_classes"] == 4
    val = _val(run)
    capsys.readouterr()
    assert main(["eval", str(run / "final.pt"), "--voc-root", str(voc_root),
                 "--split", "val6"]) == 0
    out = capsys.readouterr().out
    shown = float(re.search(r"mIoU ([0-9.]+)%", out).group(1)) / 100
    assert shown == pytest.approx(val["val_miou"], abs=5e-5)  # printed with 2 decimals
    report = evaluate(run / "final.pt", voc_root, split="val6", crf="iterations=1")
    assert report["miou"] == pytest.approx(val["val_miou"], abs=MIOU_TOL)
    assert report["crf"]["miou"] == pytest.approx(val["val_crf_miou"], abs=MIOU_TOL)
    assert val["val_crf_params"]["iterations"] == 1
    assert val["val_crf_miou"] != val["val_miou"]  # the CRF really ran on the logits


def test_mobilenetv2_unet_final_pt_evals(voc_root, tmp_path):
    from caffe2ss.converter.seg.evaluate import evaluate

    run = tmp_path / "unet"
    assert train("mobilenetv2_unet", "--voc-root", voc_root, *FAST, "--steps", 2,
                 "--val-split", "none", "-o", run) == 0
    side = json.loads((run / "final.pt.json").read_text())
    assert side["model"]["registry"] == "mobilenetv2_unet"
    assert side["preprocessing"]["scale"] == pytest.approx(0.017)  # the registry's
    report = evaluate(run / "final.pt", EXAMPLES / "shapes-voc", split="val")
    assert 0.0 <= report["miou"] <= 1.0 and report["n_images"] == 60  # the shipped val


def test_tf_fcn8_final_weights_h5_evals(voc_root, tmp_path):
    pytest.importorskip("tensorflow")
    from caffe2ss.converter.seg.evaluate import evaluate

    run = tmp_path / "tf"
    assert train("fcn8", "--framework", "tf", "--voc-root", voc_root, "--model-args", THIN,
                 *FAST, "--steps", 2, "-o", run) == 0
    side = json.loads((run / "final.weights.h5.json").read_text())
    assert side["framework"] == "tf" and side["model"]["input_size"] == [64, 64]
    report = evaluate(run / "final.weights.h5", voc_root, split="val6")  # whole 96x128 images
    assert report["framework"] == "tf"
    assert report["miou"] == pytest.approx(_val(run)["val_miou"], abs=MIOU_TOL)


def test_registry_run_refusals(voc_root, tmp_path, capsys):
    for argv, words in (
            (["fcn8", "--model-args", "[1]"], "JSON object"),
            (["fcn8", "--model-args", "{bad"], "not JSON"),
            (["no_such_net"], "registered: "),
            (["fcn8", "--val-crf", "bogus=1"], "bogus")):
        assert train(*argv, "--voc-root", voc_root, *FAST, "--steps", 1,
                     "-o", tmp_path / "r") == 2
        assert words in capsys.readouterr().err


def test_multipliers_come_from_the_registry():
    from caffe2ss.converter.train.lrmult import registry_mults
    from caffe2ss.models import create
    from caffe2ss.models.families.fcn import FROZEN

    m = create("fcn8s", "torch", 4, widths=(4, 8, 16, 32, 32), fc_width=32)
    assert set(m.frozen) == set(FROZEN["fcn8s"])
    assert all(not p.requires_grad for n, p in m.named_parameters()
               if n.split(".")[0] in FROZEN["fcn8s"])
    mults = registry_mults({"a.weight": (3, 3, 1, 1), "a.bias": (3,), "bn.weight": (3,)})
    assert mults == {"a.weight": (1.0, 1.0), "a.bias": (1.0, 0.0), "bn.weight": (1.0, 0.0)}
