"""``caffe2ss demo`` finds its embedded example model and data set (a path bug would only
show when a user runs it)."""
from __future__ import annotations

from caffe2ss.converter.seg import demo


def test_demo_inputs_exist():
    for need in (demo.MODEL / "weights.caffemodel", demo.MODEL / "caffe_predictions.npz",
                 demo.VOC_ROOT / "ImageSets/Segmentation/val.txt"):
        assert need.exists(), need
