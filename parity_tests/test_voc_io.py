"""VOC file I/O: palette PNG round trips, images of any mode, clear errors on broken data."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from caffe2ss.converter.seg import voc
from caffe2ss.converter.errors import CaffeError

Image = pytest.importorskip("PIL.Image")
EXAMPLE_VOC = Path(__file__).resolve().parents[1] / "examples" / "shapes-voc"


def test_colormap_is_the_voc_one():
    cmap = voc.voc_colormap()
    assert cmap.shape == (256, 3) and cmap.dtype == np.uint8
    assert cmap[:4].tolist() == [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0]]
    assert cmap[15].tolist() == [192, 128, 128]   # person
    assert cmap[20].tolist() == [0, 64, 128]      # tvmonitor
    assert cmap[255].tolist() == [224, 224, 192]  # void
    assert len(voc.VOC_CLASSES) == 21 and voc.VOC_CLASSES[15] == "person"


def test_palette_png_round_trip(tmp_path):
    mask = np.random.default_rng(0).integers(0, 21, (37, 53)).astype(np.uint8)
    mask[0] = 255
    path = tmp_path / "m.png"
    voc.write_palette_png(path, mask)
    with Image.open(path) as im:
        assert im.mode == "P" and im.size == (53, 37)
        assert im.getpalette()[:3 * 256] == voc.VOC_COLORMAP.reshape(-1).tolist()
        rgb = np.asarray(im.convert("RGB"))
    assert np.array_equal(voc.read_label(path), mask)
    assert np.array_equal(rgb, voc.VOC_COLORMAP[mask])  # shown in VOC colours
    assert [p.name for p in tmp_path.iterdir()] == ["m.png"]  # no temp file left behind


def test_shipped_labels_read_as_indices_not_colours():
    lab = voc.read_label(EXAMPLE_VOC / "SegmentationClass" / "val_00600.png")
    assert lab.dtype == np.uint8 and lab.shape == (96, 128)
    assert set(np.unique(lab)) <= {0, 1, 2, 3, 255} and 255 in lab


def test_grayscale_label_accepted_rgb_label_refused(tmp_path):
    Image.fromarray(np.array([[0, 1], [255, 2]], np.uint8)).save(tmp_path / "l.png")
    assert voc.read_label(tmp_path / "l.png").tolist() == [[0, 1], [255, 2]]
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(tmp_path / "rgb.png")
    with pytest.raises(CaffeError, match=r"rgb\.png.*'RGB'.*palette"):
        voc.read_label(tmp_path / "rgb.png")


def test_read_image_converts_any_mode_to_rgb(tmp_path):
    Image.fromarray(np.full((5, 7), 9, np.uint8)).save(tmp_path / "g.png")
    Image.fromarray(np.full((5, 7, 4), 200, np.uint8)).save(tmp_path / "a.png")
    g, a = voc.read_image(tmp_path / "g.png"), voc.read_image(tmp_path / "a.png")
    assert g.shape == a.shape == (5, 7, 3) and g.dtype == np.uint8
    assert (g == 9).all() and (a == 200).all()
    (tmp_path / "bad.jpg").write_bytes(b"not an image")
    with pytest.raises(CaffeError, match=r"bad\.jpg.*cannot read image"):
        voc.read_image(tmp_path / "bad.jpg")


def test_split_of_the_shipped_example():
    samples = voc.voc_samples(EXAMPLE_VOC, "val")
    assert len(samples) == 60 and samples[0].id == "val_00600"
    img, lab = samples[0].load()
    assert img.shape == (96, 128, 3) and lab.shape == (96, 128)


@pytest.fixture
def broken(tmp_path):
    """A two-image copy of the example VOC tree to break."""
    root = tmp_path / "voc"
    for sub in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (root / sub).mkdir(parents=True)
    for i in ("val_00600", "val_00601"):
        shutil.copy(EXAMPLE_VOC / "JPEGImages" / f"{i}.jpg", root / "JPEGImages")
        shutil.copy(EXAMPLE_VOC / "SegmentationClass" / f"{i}.png", root / "SegmentationClass")
    (root / "ImageSets/Segmentation/val.txt").write_text("val_00600\nval_00601\n")
    return root


def test_broken_dataset_errors_name_the_file(broken):
    assert len(voc.voc_samples(broken, "val")) == 2
    with pytest.raises(CaffeError, match=r"train\.txt.*not found.*splits here: val"):
        voc.voc_samples(broken, "train")
    with pytest.raises(CaffeError, match=r"nowhere.*VOC root not found"):
        voc.voc_samples(broken / "nowhere", "val")
    (broken / "ImageSets/Segmentation/empty.txt").write_text("\n\n")
    with pytest.raises(CaffeError, match=r"empty\.txt.*lists no images"):
        voc.voc_samples(broken, "empty")
    (broken / "SegmentationClass/val_00601.png").unlink()
    with pytest.raises(CaffeError, match=r"val_00601\.png.*label .* not found"):
        voc.voc_samples(broken, "val")
    (broken / "JPEGImages/val_00600.jpg").unlink()
    with pytest.raises(CaffeError, match=r"val_00600\.jpg.*image 'val_00600'.* not found"):
        voc.voc_samples(broken, "val")


def test_size_mismatch_names_the_label(broken):
    Image.fromarray(np.zeros((96, 127), np.uint8)).save(
        broken / "SegmentationClass" / "val_00601.png")
    sample = voc.voc_samples(broken, "val")[1]
    with pytest.raises(CaffeError, match=r"val_00601\.png.*96x127.*val_00601\.jpg.*96x128"):
        sample.load()


def test_bad_masks_refused(tmp_path):
    with pytest.raises(CaffeError, match="2-D"):
        voc.write_palette_png(tmp_path / "x.png", np.zeros((2, 2, 3)))
    with pytest.raises(CaffeError, match="0..255"):
        voc.write_palette_png(tmp_path / "x.png", np.array([[300]]))
    assert not list(tmp_path.iterdir())
