"""The command line: inspect's JSON contract on every real-Caffe case, errors, exit codes."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from caffe2ss.converter.cli import main
from helpers.oracle import ORACLE, TRAINED, OracleCase

ALL_CASES = sorted([p.name for p in ORACLE.iterdir() if (p / "case.json").exists()]
                   + [TRAINED.name])


def _inspect(case: OracleCase, capsys, *extra):
    args = ["inspect", str(case.caffemodel)]
    if case.prototxt:
        args += ["--prototxt", str(case.prototxt)]
    assert main(args + ["--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", ALL_CASES)
def test_inspect_json_matches_caffe(name, capsys):
    case = OracleCase(name)
    meta = case.meta
    shape = meta.get("input_shape")
    extra = ["--input-shape", ",".join(map(str, shape))] if shape else []
    desc = _inspect(case, capsys, *extra)
    assert desc["format"] == ("prototxt+caffemodel" if case.prototxt else "caffemodel")
    assert desc["fork"] == {"deeplab_v1_largefov_thin": "deeplab_v1",
                            "deeplab_v2_largefov_interp_thin": "deeplab_v2",
                            "zoo_fork_inisis": "inisis", "zoo_pool_mask_unpool": "inisis",
                            "zoo_ssd_normalize_permute": "ssd", "zoo_ssd_detection": "ssd",
                            "zoo_ssd_ties": "inisis"}.get(name, "bvlc")
    assert list(desc["inputs"]) == ["data"]
    if shape:
        assert desc["inputs"]["data"] == shape
    layers = {l["name"]: l for l in desc["layers"]}
    for lname, shapes in meta.get("param_shapes", {}).items():
        assert layers[lname]["params"] == shapes, lname
    if "blob_shapes" in meta:
        produced = {}
        for l in desc["layers"]:
            for top, s in zip(l["tops"], l["top_shapes"]):
                produced[top] = s
        for blob, s in meta["blob_shapes"].items():
            got = produced.get(blob, desc["inputs"].get(blob))
            # DetectionOutput's row count is set by the data: inspect says null
            assert [w if g is None else g for g, w in zip(got, s)] == s, blob
        assert meta["output_blob"] in desc["outputs"]


def test_inspect_text_mentions_fork_and_notes(capsys):
    case = OracleCase("deeplab_v1_largefov_thin")
    assert main(["inspect", str(case.caffemodel)]) == 0
    out = capsys.readouterr().out
    assert "fork:    deeplab_v1" in out
    assert "dropped 'loss'" in out and "fc8_voc12" in out


def test_bad_input_is_one_line_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "broken.caffemodel"
    data = (ORACLE / "zoo_conv_variants" / "weights.caffemodel").read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    r = subprocess.run([sys.executable, "-m", "caffe2ss.converter.cli", "inspect", str(bad)],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "byte" in lines[0]


def test_unknown_input_shape_syntax_is_a_user_error(capsys):
    case = OracleCase("zoo_pool_ceil_pad")
    assert main(["inspect", str(case.caffemodel), "--input-shape", "1,3,x"]) == 2
    assert "--input-shape" in capsys.readouterr().err


def test_absurd_input_shape_is_refused(capsys):
    case = OracleCase("zoo_pool_ceil_pad")
    code = main(["inspect", str(case.caffemodel), "--prototxt", str(case.prototxt),
                 "--input-shape", "1,3,1000000,1000000"])
    assert code == 2
    assert "over the limit" in capsys.readouterr().err


def test_missing_framework_names_the_extra(tmp_path):
    case = OracleCase("zoo_pool_ceil_pad")
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from caffe2ss.converter.cli import main\n"
        f"sys.exit(main(['convert', {str(case.caffemodel)!r}, '--to', 'torch', '-o', "
        f"{str(tmp_path / 'm.pt')!r}]))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 2
    assert "pip install 'caffe2ss[torch]'" in r.stderr
    assert not (tmp_path / "m.pt").exists()


def test_core_commands_import_no_framework():
    case = OracleCase("fcn8s_thin")
    code = (
        "import sys, io, contextlib\n"
        "from caffe2ss.converter.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['inspect', {str(case.caffemodel)!r}, '--json']) == 0\n"
        "heavy = [m for m in ('torch', 'tensorflow', 'onnx', 'onnxruntime', 'keras') "
        "if m in sys.modules]\n"
        "assert not heavy, heavy\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


class TestParityGate:
    """`caffe2ss parity` as a CI gate: exit codes and the JSON report."""

    @pytest.fixture(autouse=True)
    def _torch(self):
        pytest.importorskip("torch")

    def _args(self, case, tmp_path, reference=None):
        return ["parity", str(case.caffemodel), "--prototxt", str(case.prototxt),
                "--input", str(case.dir / "input.npy"),
                "--reference", str(reference or case.dir / "blobs.npz"),
                "--frameworks", "torch", "--json", str(tmp_path / "report.json")]

    def test_pass_exit_0_and_json(self, tmp_path, capsys):
        case = OracleCase("zoo_eltwise_bn_scale")
        assert main(self._args(case, tmp_path)) == 0
        rep = json.loads((tmp_path / "report.json").read_text())
        assert rep["pass"] is True
        fw = rep["frameworks"]["torch"]
        assert fw["pass"] and fw["first_divergent"] is None
        assert set(fw["blobs"]) == set(case.blobs)
        for b in fw["blobs"].values():
            assert {"shape", "max_abs", "rel", "argmax_agree", "pass"} <= set(b)

    def test_mismatch_exit_1_names_first_divergent(self, tmp_path, capsys):
        case = OracleCase("zoo_eltwise_bn_scale")
        blobs = case.blobs
        blobs["bn"] = blobs["bn"] + 0.01      # perturb one blob and what follows it
        blobs["sc"] = blobs["sc"] * 1.5
        np.savez(tmp_path / "ref.npz", **blobs)
        assert main(self._args(case, tmp_path, tmp_path / "ref.npz")) == 1
        rep = json.loads((tmp_path / "report.json").read_text())
        assert rep["pass"] is False
        assert rep["frameworks"]["torch"]["first_divergent"] == "bn"
        assert "first divergent blob: 'bn'" in capsys.readouterr().out

    def test_shape_mismatch_is_fail_not_crash(self, tmp_path):
        case = OracleCase("zoo_pool_ceil_pad")
        blobs = case.blobs
        blobs["p_max"] = blobs["p_max"][:, :, :-1]
        np.savez(tmp_path / "ref.npz", **blobs)
        assert main(self._args(case, tmp_path, tmp_path / "ref.npz")) == 1
        rep = json.loads((tmp_path / "report.json").read_text())
        assert "shape" in rep["frameworks"]["torch"]["blobs"]["p_max"]["reason"]

    def test_bad_input_exit_2(self, tmp_path, capsys):
        case = OracleCase("zoo_pool_ceil_pad")
        args = self._args(case, tmp_path)
        args[args.index("--input") + 1] = str(tmp_path / "missing.npy")
        assert main(args) == 2
        assert "missing.npy" in capsys.readouterr().err
