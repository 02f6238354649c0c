"""`convert --to tf`: the checkpoint, .weights.h5, SavedModel and sidecar, read back."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from caffe2ss.converter import load_definition
from caffe2ss.converter.fileio import sha256
from caffe2ss.converter.parity import compare_blob
from helpers.oracle import oracle

tf = pytest.importorskip("tensorflow")
from caffe2ss.converter.backends import tf as backend  # noqa: E402
from helpers.export_nets import SUFFIX, expected_variables, make_bn_net  # noqa: E402


@pytest.fixture
def bn_net(tmp_path):
    return make_bn_net(tmp_path)


@pytest.mark.parametrize("case", ["zoo_classifier_head", "zoo_eltwise_bn_scale",
                                  "zoo_deconv_crop", "fcn8s_atonce_thin"])
def test_checkpoint_round_trip(case, tmp_path):
    c = oracle(case)
    net = c.load()
    backend.convert(net, tmp_path / "m")
    reader = tf.train.load_checkpoint(str(tmp_path / "m"))
    want = expected_variables(net)
    keys = set(reader.get_variable_to_shape_map()) - {"_CHECKPOINTABLE_OBJECT_GRAPH"}
    assert keys == {k + SUFFIX for k in want}
    for name, value in want.items():
        np.testing.assert_array_equal(reader.get_tensor(name + SUFFIX), value, err_msg=name)
    _, runner = backend.load_converted(tmp_path / "m.index")  # weights from the checkpoint
    for blob, value in runner({"data": c.input}).items():
        assert compare_blob(value, c.blobs[blob]).passed, blob


def test_names_bn_division_and_zero_factor(bn_net, tmp_path):
    backend.convert(bn_net, tmp_path / "bn")
    r = tf.train.load_checkpoint(str(tmp_path / "bn"))
    assert r.get_tensor("eval/moving_mean" + SUFFIX).tolist() == [1.0, 2.0]  # sums / 2
    assert r.get_tensor("eval/moving_variance" + SUFFIX).tolist() == [3.0, 4.0]
    assert r.get_tensor("zero/moving_mean" + SUFFIX).tolist() == [0.0, 0.0]  # Caffe's guard
    assert r.get_tensor("zero/moving_variance" + SUFFIX).tolist() == [0.0, 0.0]
    assert "conv..1/kernel" + SUFFIX in r.get_variable_to_shape_map()  # TF escapes "."
    import h5py

    with h5py.File(tmp_path / "bn.weights.h5") as f:  # Keras attributes: "." -> "_", "_2"
        assert sorted(f) == ["conv_1", "conv_1_2", "eval", "vars", "zero"]
        np.testing.assert_array_equal(f["conv_1_2/vars/0"][()],
                                      bn_net.layer("conv_1").blobs[0].transpose(2, 3, 1, 0))
    x = {"data": np.random.default_rng(1).standard_normal((2, 2, 5, 4)).astype(np.float32)}
    want = backend.run(bn_net, x, blobs=True)
    np.testing.assert_allclose(want["e"], want["d"] / np.sqrt(np.float32(1e-5)), rtol=1e-6)
    for path in ("bn.weights.h5", "bn.index", "bn.json", "bn.data-00000-of-00001", "bn"):
        _, runner = backend.load_converted(tmp_path / path)
        got = runner(x)
        assert list(got) == ["e"] and np.array_equal(got["e"], want["e"])


def test_weights_h5_is_keras_own_layout(tmp_path):
    """Ours equals what Keras' save_weights writes for the rebuild (paths and values)."""
    import h5py

    net = oracle("zoo_eltwise_bn_scale").load()
    backend.convert(net, tmp_path / "m")
    backend.build_model(net).save_weights(str(tmp_path / "keras.weights.h5"))

    def datasets(path):
        out = {}
        with h5py.File(path) as f:
            f.visititems(lambda k, v: out.update({k: v[()]}) if hasattr(v, "shape") else None)
        return out

    ours, theirs = datasets(tmp_path / "m.weights.h5"), datasets(tmp_path / "keras.weights.h5")
    assert sorted(ours) == sorted(theirs) and len(ours) == 13
    assert all(np.array_equal(ours[k], theirs[k]) for k in ours)


FRESH = textwrap.dedent("""
    import sys, json, numpy as np
    from pathlib import Path
    from caffe2ss.converter.backends import get_backend
    from caffe2ss.converter import load
    b = get_backend("tf")
    src, a, x = Path(sys.argv[1]), Path(sys.argv[2]), np.load(sys.argv[3])
    out = {}
    for f in ("m.savedmodel", "m.weights.h5", "m.index"):
        net, runner = b.load_converted(a / f)
        for k, v in runner({"data": x}).items():
            out[f + ":" + k] = v
    np.savez(a.parent / "fresh.npz", **out)
    (a.parent / "b").mkdir()
    b.convert(load(src / "weights.caffemodel", src / "deploy.prototxt"), a.parent / "b" / "m",
              saved_model=True)
""")


def test_outputs_load_in_a_fresh_process_and_are_byte_identical(tmp_path):
    c = oracle("fcn8s_thin")
    net = c.load()
    (tmp_path / "a").mkdir()
    files = backend.convert(net, tmp_path / "a" / "m", saved_model=True)
    np.save(tmp_path / "x.npy", c.input)
    subprocess.run([sys.executable, "-c", FRESH, str(c.dir), str(tmp_path / "a"),
                    str(tmp_path / "x.npy")], check=True, capture_output=True, timeout=300)
    with np.load(tmp_path / "fresh.npz") as z:
        for key in z.files:
            res = compare_blob(z[key], c.blobs["score"])
            assert key.endswith(":score") and res.passed, (key, res.reason)
        assert len(z.files) == 3
    for f in files:  # a second process, same input: same bytes
        if f.is_file():  # (the SavedModel's fingerprint.pb holds a random uuid by design)
            assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes(), f.name
    sig = json.loads((tmp_path / "a" / "m.json").read_text())["tf"]["serving_signature"]
    assert sig["inputs"] == {"data": [None, None, None, 3]}  # fully convolutional


def test_repeat_conversion_is_byte_identical(tmp_path):
    net = oracle("deeplab_largefov_thin").load()
    for d in "ab":
        (tmp_path / d).mkdir()
        backend.convert(net, tmp_path / d / "dl")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["dl.data-00000-of-00001", "dl.index", "dl.json", "dl.weights.h5"]
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes(), n


def test_sidecar_provenance(tmp_path):
    case = oracle("deeplab_v1_largefov_thin")  # caffemodel only, DeepLab v1 wire format
    net = case.load()
    files = backend.convert(net, tmp_path / "dl", input_shape=(1, 3, 161, 193))
    meta = json.loads((tmp_path / "dl.json").read_text())
    assert [f.name for f in files][-1] == "dl.json"
    assert meta["framework"] == "tf" and meta["fork"] == "deeplab_v1"
    assert meta["source"]["model"]["sha256"] == sha256(case.caffemodel)
    assert meta["input"] == {"blob": "data", "shape": [1, 3, 161, 193], "layout": "NHWC",
                             "shape_order": "NCHW (Caffe's); the TF model takes NHWC"}
    assert meta["layers"]["fc8_voc12"] == ["fc8_voc12/kernel", "fc8_voc12/bias"]
    assert meta["tf"]["checkpoint_keys"]["fc6/kernel"] == "fc6/kernel" + SUFFIX
    assert meta["tf"]["files"] == {f.name: sha256(f) for f in files if f.name != "dl.json"}
    assert meta["preprocessing"]["channel_order"] == "BGR"
    assert "hole" in meta["definition"]
    rebuilt = load_definition(meta["definition"], meta["fork"])
    assert [l.params for l in rebuilt.layers] == [l.params for l in net.layers]
    _, runner = backend.load_converted(tmp_path / "dl.json")
    got = runner({"data": case.input})["fc8_voc12"]
    np.testing.assert_array_equal(got, backend.run(net, {"data": case.input})["fc8_voc12"])


def test_big_variables_are_sliced_into_shards(tmp_path, monkeypatch):
    """Large variables are saved as slices over several shards (bounded memory); they
    read back whole, and a later conversion to the same name drops the stale shards."""
    from caffe2ss.converter.backends.tf import checkpoint

    c = oracle("zoo_classifier_head")
    net = c.load()
    monkeypatch.setattr(checkpoint, "SHARD_BYTES", 256)  # bytes: slices everywhere
    files = backend.convert(net, tmp_path / "m")
    shards = [f.name for f in files if ".data-" in f.name]
    assert len(shards) > 5
    reader = tf.train.load_checkpoint(str(tmp_path / "m"))
    for name, value in expected_variables(net).items():
        np.testing.assert_array_equal(reader.get_tensor(name + SUFFIX), value, err_msg=name)
    for path in ("m.index", "m.weights.h5"):
        _, runner = backend.load_converted(tmp_path / path)
        assert compare_blob(runner({"data": c.input})["prob"], c.blobs["prob"]).passed
    monkeypatch.undo()
    backend.convert(net, tmp_path / "m")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "m.data-00000-of-00001", "m.index", "m.json", "m.weights.h5"]
    _, runner = backend.load_converted(tmp_path / "m.index")
    assert compare_blob(runner({"data": c.input})["prob"], c.blobs["prob"]).passed
