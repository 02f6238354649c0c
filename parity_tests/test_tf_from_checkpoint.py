"""Issue 11: ``caffe2ss.models.tf.from_checkpoint`` (the TF counterpart of the torch
``from_state_dict``) loads thinned converted nets without guessing widths, and the
package re-exports its classes; checked against real Caffe's blobs."""
from __future__ import annotations

import numpy as np
import pytest

from helpers.cli_run import ORACLE, cli

pytest.importorskip("tensorflow")

#: Caffe tolerance of the house rules: max|diff| <= RTOL * max(1, max|ref|).
RTOL = 1e-4


def test_package_reexports_the_classes():
    import caffe2ss.models.tf as mtf
    from caffe2ss.models.tf.deeplab import DeepLabLargeFOV
    from caffe2ss.models.tf.fcn import FCN8s

    assert mtf.FCN8s is FCN8s and mtf.DeepLabLargeFOV is DeepLabLargeFOV
    assert set(mtf.__all__) >= {"FCN8s", "DeepLabLargeFOV", "from_checkpoint", "CaffeNet"}
    with pytest.raises(AttributeError):
        mtf.NoSuchNet  # noqa: B018


@pytest.mark.parametrize("case, cls", [("fcn8s_thin", "FCN8s"),
                                       ("deeplab_largefov_thin", "DeepLabLargeFOV")])
def test_from_checkpoint_matches_caffe(tmp_path, case, cls):
    from caffe2ss.models.tf import from_checkpoint

    d = ORACLE / case
    rc, _, err = cli("convert", d / "weights.caffemodel", "--prototxt", d / "deploy.prototxt",
                     "--to", "tf", "-o", tmp_path / "m")
    assert rc == 0, err
    model = from_checkpoint(tmp_path / "m")
    assert type(model).__name__ == cls
    x = np.load(d / "input.npy")
    ref = np.load(d / "blobs.npz")
    out_name = "score" if cls == "FCN8s" else "fc8_voc12"
    y = np.asarray(model(x.transpose(0, 2, 3, 1))).transpose(0, 3, 1, 2)
    want = ref[out_name]
    assert y.shape == want.shape
    assert np.abs(y - want).max() <= RTOL * max(1.0, np.abs(want).max())
