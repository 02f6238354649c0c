"""DeepLab-LargeFOV fine-tunes from a DeepLab v2 caffemodel alone (the oracle's thin
net, random weights, ``fc8_interp`` zoom 8): the loss falls, and final.pt runs in
``caffe2ss eval`` with the same mIoU as the run's own validation."""
from __future__ import annotations

import pytest

pytest.importorskip("torch")

from helpers.training import DEEPLAB, last_miou, losses, make_voc_root, metrics, train  # noqa: E402

#: The mean loss of the last 3 logged steps must be below this fraction of the first 3's
#: (measured: 40.4 -> 0.39, ratio 0.01; the thin net has random, large weights).
LOSS_RATIO = 0.1


def test_deeplab_largefov_finetune_and_eval(tmp_path):
    from caffe2ss.converter.seg.evaluate import evaluate

    voc, run = make_voc_root(tmp_path / "voc"), tmp_path / "run"
    assert train("deeplab_largefov", "--voc-root", voc, "--init", DEEPLAB, "--steps", 30,
                 "--batch-size", 4, "--crop", "97,97", "--scale-range", "0.75,1.25",
                 "--lr", "1e-3", "--log-every", 1, "--workers", 0, "-o", run) == 0
    ls = losses(run)
    assert len(ls) == 30
    first, last = sum(ls[:3]) / 3, sum(ls[-3:]) / 3
    assert last < LOSS_RATIO * first, ls
    report = evaluate(run / "final.pt", voc, split="val")
    assert report["miou"] == pytest.approx(last_miou(run), abs=1e-9)
    assert metrics(run)[-1]["step"] == 30
