"""The framework-free parts of ``caffe2ss train``: padding with mean/255, the lr policies,
per-layer multipliers (defaults and ``--train-prototxt``), the DeepLab list format."""
from __future__ import annotations

import numpy as np
import pytest

from helpers.training import FCN_INIT, make_voc_root


def test_crop_pads_image_with_mean_and_label_with_255():
    from caffe2ss.converter.seg.prepost import preprocess
    from caffe2ss.converter.train.augment import augment, mean_rgb

    pre = {"channel_order": "BGR", "mean": (104.0, 117.0, 123.0)}
    img = np.full((10, 12, 3), 7, np.uint8)
    lab = np.zeros((10, 12), np.uint8)  # all background: padding must not add any
    out_img, out_lab = augment(img, lab, np.random.default_rng(0), crop=(30, 40),
                               scale_range=(1.0, 1.0), mirror=False, mean_rgb=mean_rgb(pre))
    assert out_img.shape == (30, 40, 3) and out_lab.shape == (30, 40)
    assert (out_lab == 0).sum() == 10 * 12 and (out_lab == 255).sum() == 30 * 40 - 120
    x = preprocess([out_img], pre)[0]
    assert np.all(x[:, out_lab == 255] == 0)  # the mean, preprocessed, is 0


def test_scale_is_nearest_for_labels():
    from caffe2ss.converter.train.augment import rescale

    lab = (np.arange(64).reshape(8, 8) % 4).astype(np.uint8)
    _, out = rescale(np.zeros((8, 8, 3), np.uint8), lab, 1.5)
    assert out.shape == (12, 12) and set(np.unique(out)) <= set(range(4))


def test_lr_policies():
    from caffe2ss.converter.train.schedule import lr_at

    assert lr_at(0, 0.01, "poly", 100) == pytest.approx(0.01)
    assert lr_at(50, 0.01, "poly", 100) == pytest.approx(0.01 * 0.5 ** 0.9)
    assert lr_at(99, 0.01, "step", 99) == pytest.approx(0.01 * 0.1 ** 3)
    assert lr_at(70, 0.01, "const", 100) == 0.01


def test_default_multipliers_and_train_prototxt(tmp_path):
    from caffe2ss.converter import load
    from caffe2ss.converter.train.lrmult import layer_mults

    net = load(FCN_INIT[1], FCN_INIT[3])
    m = layer_mults(net, "fcn8s")
    assert m["conv1_1"] == [(1.0, 1.0), (2.0, 0.0)]  # no weight decay on biases
    assert m["upscore8"] == [(0.0, 0.0)]              # FCN's bilinear upsampling frozen
    train = tmp_path / "train.prototxt"
    train.write_text('layer { name: "conv1_1" type: "Convolution" bottom: "data" top: "c" '
                     'param { lr_mult: 0 } param { lr_mult: 3 decay_mult: 0.5 } '
                     'convolution_param { num_output: 8 kernel_size: 3 } }')
    m = layer_mults(net, "fcn8s", train_prototxt=train)
    assert m["conv1_1"] == [(0.0, 1.0), (3.0, 0.5)]  # Caffe's default decay_mult is 1
    assert m["conv1_2"] == [(1.0, 1.0), (2.0, 0.0)]
    dl = layer_mults(load(FCN_INIT[1], FCN_INIT[3]), "deeplab_largefov", ("score_fr",))
    assert dl["score_fr"] == [(10.0, 1.0), (20.0, 0.0)]


def test_deeplab_list(tmp_path):
    from caffe2ss.converter.errors import CaffeError
    from caffe2ss.converter.train.data import read_list

    root = make_voc_root(tmp_path / "voc")
    lst = tmp_path / "train_aug.txt"
    lst.write_text("/JPEGImages/train_00001.jpg /SegmentationClass/train_00001.png\n\n"
                   "JPEGImages/train_00002.jpg SegmentationClass/train_00002.png\n")
    s = read_list(root, lst)
    assert [x.id for x in s] == ["train_00001", "train_00002"]
    assert s[0].load()[1].dtype == np.uint8
    lst.write_text("/JPEGImages/nope.jpg /SegmentationClass/nope.png\n")
    with pytest.raises(CaffeError, match="line 1: image .* not found"):
        read_list(root, lst)


def test_loss_upsamples_logits_like_eval():
    """Logits smaller than the labels are upsampled (never the labels downsampled) with
    the align-corners bilinear resize ``caffe2ss eval`` applies before its argmax."""
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    from caffe2ss.converter.seg.prepost import resize_bilinear
    from caffe2ss.models.torch.training.loop import seg_loss

    rng = np.random.default_rng(0)
    small = rng.normal(size=(2, 4, 9, 13)).astype(np.float32)
    up = F.interpolate(torch.from_numpy(small), size=(65, 97), mode="bilinear",
                       align_corners=True).numpy()
    assert np.abs(up - resize_bilinear(small, 65, 97)).max() <= 1e-5
    labels = torch.from_numpy(rng.integers(0, 4, (2, 65, 97)))
    labels[:, :5] = 255
    loss, ce, n = seg_loss(torch.from_numpy(small), labels, 1)
    ref = F.cross_entropy(torch.from_numpy(up), labels, ignore_index=255)
    assert int(n) == 2 * 60 * 97 and float(loss) == pytest.approx(float(ref), rel=1e-5)
