"""Issue 11, convert: inapplicable options refused, -o checked against --to, converted
files named when given as Caffe input, --input-shape names and rank, the effective
shape and inspect's notes printed, every output 0644."""
from __future__ import annotations

import os
import stat

import pytest

from helpers.cli_run import EXAMPLE, MODEL, cli


@pytest.mark.parametrize("extra, needle", [
    (["--to", "torch", "--dynamic-hw", "-o", "{d}/m.pt"], "--dynamic-hw applies to --to onnx"),
    (["--to", "onnx", "--format", "safetensors", "-o", "{d}/m.onnx"],
     "--format applies to --to torch"),
    (["--to", "torch", "--saved-model", "-o", "{d}/m.pt"], "--saved-model applies to --to tf"),
    (["--to", "tf", "--opset", "13", "-o", "{d}/m"], "--opset applies to --to onnx"),
    (["--to", "torch", "-o", "{d}/m.onnx"], "-o ends in .onnx, a onnx file"),
    (["--to", "onnx", "-o", "{d}/m.pt"], "-o ends in .pt, a torch file"),
    (["--to", "torch", "-o", "{d}/m.safetensors"], "use --format safetensors"),
    (["--to", "tf", "-o", "{d}/"], "the output is an existing folder"),
    (["--to", "tf", "-o", "{d}"], "the output is an existing folder"),
    (["--to", "torch", "--input-shape", "img=1,3,96,128", "-o", "{d}/m.pt"],
     "names 'img', but the net's inputs are ['data']"),
    (["--to", "torch", "--input-shape", "3,96,128", "-o", "{d}/m.pt"],
     "gives 3 dims (3, 96, 128) for input 'data', which takes 4"),
])
def test_refused_before_any_output(tmp_path, extra, needle):
    rc, out, err = cli("convert", *MODEL, *[a.format(d=tmp_path) for a in extra])
    assert rc == 2, err
    assert needle in err, err
    assert err.strip().splitlines()[-1].startswith("caffe2ss: error:")
    assert os.listdir(tmp_path) == []  # nothing written, nothing beside the folder


def test_converted_files_given_as_caffe_input_are_named(tmp_path):
    pt = tmp_path / "m.pt"
    assert cli("convert", *MODEL, "--to", "torch", "-o", pt)[0] == 0
    tf_prefix = tmp_path / "t"
    (tmp_path / "t.index").write_bytes(b"\0")
    onnx = tmp_path / "x.onnx"
    onnx.write_bytes(b"\x08\x07")
    st = tmp_path / "x.safetensors"
    st.write_bytes(b"\x10\0\0\0\0\0\0\0{}")
    for path, kind in [(pt, "PyTorch state_dict (.pt)"), (f"{pt}.json", "sidecar JSON"),
                       (onnx, "ONNX model"), (st, "safetensors state_dict"),
                       (tf_prefix, "TensorFlow checkpoint prefix")]:
        for cmd in ("convert", "parity"):
            extra = ["--to", "onnx", "-o", tmp_path / "o.onnx"] if cmd == "convert" \
                else ["--input", "x.npy", "--reference", "r.npz"]
            rc, _, err = cli(cmd, path, *extra)
            assert rc == 2 and kind in err and "not a Caffe file" in err, (path, err)
            assert "infer" in err and err.count("\n") == 1


def test_convert_prints_notes_effective_shape_and_preprocessing(tmp_path):
    rc, out, err = cli("convert", EXAMPLE / "weights.caffemodel", "--to", "torch",
                       "-o", tmp_path / "m.pt", "--input-shape", "data=1,3,64,64")
    assert rc == 0, err
    assert "note: dropped 'loss' (SoftmaxWithLoss)" in err  # what inspect prints
    assert "input 'data': 1x3x64x64 (from --input-shape)" in err
    rc, _, err = cli("inspect", EXAMPLE / "weights.caffemodel")
    assert rc == 0
    rc, out, err = cli("convert", *MODEL, "--to", "torch", "-o", tmp_path / "d.pt")
    assert "input 'data': 1x3x96x128 (declared)" in err
    assert "preprocessing: BGR, mean 104.007,116.669,122.679" in err


def test_every_output_has_the_usual_mode(tmp_path):
    old = os.umask(0o022)
    try:
        for fmt, name in (("pt", "m.pt"), ("safetensors", "m.safetensors")):
            rc, _, err = cli("convert", *MODEL, "--to", "torch", "--format", fmt,
                             "-o", tmp_path / name)
            assert rc == 0, err
    finally:
        os.umask(old)
    for f in tmp_path.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o644, f
