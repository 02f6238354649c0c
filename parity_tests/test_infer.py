"""``infer``: one VOC-palette mask per image, the image's size, for any size and format."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.seg.infer import infer
from caffe2ss.converter.seg.predict import Model
from caffe2ss.converter.seg.voc import VOC_COLORMAP, read_label

Image = pytest.importorskip("PIL.Image")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PRE = {"channel_order": "BGR", "mean": (100.0, 100.0, 100.0), "scale": 1.0}


def stride8_model() -> Model:
    """A numpy 'net' with stride-8 scores (like DeepLab without Interp): class 1 where the
    input's red channel (last in BGR) is above the mean, else 0."""
    def runner(inputs):
        x = inputs["data"][:, :, ::8, ::8]
        y = np.zeros((x.shape[0], 21) + x.shape[2:], np.float32)
        y[:, 1] = x[:, 2]
        return {"score": y}

    return Model(net=None, runner=runner, preprocessing=PRE, framework="numpy",
                 source="stride8", input="data", output="score")


@pytest.fixture
def images(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "in"
    folder.mkdir()
    rgb = rng.integers(0, 256, (97, 131, 3)).astype(np.uint8)
    rgb[:, :60, 0] = 255  # left part red -> class 1
    rgb[:, 60:, 0] = 0
    Image.fromarray(rgb).save(folder / "odd.png")
    Image.fromarray(rng.integers(0, 256, (40, 33)).astype(np.uint8)).save(folder / "gray.jpg")
    Image.fromarray(rng.integers(0, 256, (8, 9, 4)).astype(np.uint8)).save(folder / "tiny.png")
    (folder / "notes.txt").write_text("not an image")
    return folder


def test_masks_have_the_image_sizes_and_the_voc_palette(images, tmp_path):
    out = infer(stride8_model(), [images], tmp_path / "out")
    assert [p.name for p in out] == ["gray.png", "odd.png", "tiny.png"]  # sorted, txt skipped
    for p, size in zip(out, [(33, 40), (131, 97), (9, 8)]):
        with Image.open(p) as im:
            assert im.mode == "P" and im.size == size
            assert im.getpalette()[:12] == VOC_COLORMAP[:4].reshape(-1).tolist()
    odd = read_label(tmp_path / "out" / "odd.png")
    assert set(np.unique(odd)) == {0, 1}
    assert (odd[:, :50] == 1).all() and (odd[:, 70:] == 0).all()


def test_overlay_and_single_files(images, tmp_path):
    out = infer(stride8_model(), [images / "odd.png", images / "gray.jpg"], tmp_path / "o",
                overlay=True)
    assert [p.name for p in out] == ["odd.png", "odd_overlay.jpg", "gray.png",
                                     "gray_overlay.jpg"]
    with Image.open(out[1]) as im:
        assert im.format == "JPEG" and im.mode == "RGB" and im.size == (131, 97)
        left = np.asarray(im)[:, :40].astype(int).mean(axis=(0, 1))
    assert left[0] > left[2] + 40  # class 1's dark red blended over red stays red


def test_bad_inputs_are_errors_before_writing(images, tmp_path):
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(images / "odd.jpg")  # same stem
    with pytest.raises(CaffeError, match=r"both write odd\.png"):
        infer(stride8_model(), [images], tmp_path / "x")
    with pytest.raises(CaffeError, match=r"notes\.txt.*cannot read image"):
        infer(stride8_model(), [images / "notes.txt"], tmp_path / "x")
    with pytest.raises(CaffeError, match=r"missing\.jpg.*not found"):
        infer(stride8_model(), [images / "missing.jpg"], tmp_path / "x")
    with pytest.raises(CaffeError, match=r"tiny\.png.*overwrite this input"):
        infer(stride8_model(), [images / "tiny.png"], images)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CaffeError, match="no image files"):
        infer(stride8_model(), [empty], tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_fixed_batch_export_runs_images_one_by_one():
    calls = []
    base = stride8_model()

    def runner(inputs):
        calls.append(inputs["data"].shape[0])
        return base.runner(inputs)

    m = Model(None, runner, PRE, "onnx", "m.onnx", "data", "score", fixed_shape=(1, 3, None, None))
    preds = m.predict([np.zeros((16, 24, 3), np.uint8), np.full((16, 24, 3), 255, np.uint8)])
    assert calls == [1, 1]
    assert [p.max() for p in preds] == [0, 1] and preds[0].shape == (16, 24)
    # the logits (for the CRF) come back as one batch, still one run per image
    y = m.logits([np.zeros((16, 24, 3), np.uint8), np.full((16, 24, 3), 255, np.uint8)])
    assert calls == [1, 1, 1, 1] and y.shape[0] == 2


def test_trained_fcn8s_on_odd_sizes_with_torch(tmp_path):
    """The real net (pad 100 + crops) handles any size itself; masks match the images."""
    pytest.importorskip("torch")
    backend = pytest.importorskip("caffe2ss.converter.backends.torch")
    if not hasattr(backend, "run"):
        pytest.skip("torch backend not available yet")
    img = np.asarray(Image.open(EXAMPLES / "shapes-voc/JPEGImages/val_00600.jpg"))
    Image.fromarray(img[:95, :127]).save(tmp_path / "crop.png")
    Image.fromarray(np.pad(img, ((0, 1), (0, 3), (0, 0)), mode="edge")).save(tmp_path / "a.png")
    out = infer(EXAMPLES / "trained_fcn8s_shapes/weights.caffemodel",
                [tmp_path / "a.png", tmp_path / "crop.png"], tmp_path / "m", framework="torch",
                prototxt=EXAMPLES / "trained_fcn8s_shapes/deploy.prototxt")
    assert [read_label(p).shape for p in out] == [(97, 131), (95, 127)]
    assert read_label(out[0]).max() <= 3


def test_fixed_size_onnx_export_refuses_other_sizes(tmp_path):
    pytest.importorskip("onnxruntime")
    from caffe2ss.converter import load
    from caffe2ss.converter.backends import get_backend

    backend = get_backend("onnx")
    if not hasattr(backend, "convert"):
        pytest.skip("onnx backend not available yet")
    model = EXAMPLES / "trained_fcn8s_shapes"
    net = load(model / "weights.caffemodel", model / "deploy.prototxt")
    backend.convert(net, tmp_path / "m.onnx")  # fixed at the declared 1x3x96x128
    Image.fromarray(np.zeros((97, 131, 3), np.uint8)).save(tmp_path / "odd.png")
    with pytest.raises(CaffeError, match=r"exported for 96x128.*not 97x131.*--dynamic-hw"):
        infer(tmp_path / "m.onnx", [tmp_path / "odd.png"], tmp_path / "out")
    assert not list((tmp_path / "out").iterdir())
