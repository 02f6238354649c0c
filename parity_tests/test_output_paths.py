"""``convert -o``: refuse devices, folders, links, inputs and unwritable places, with
one line, before any work (issue 12, finding 2)."""
from __future__ import annotations

import os
import stat

import pytest

from caffe2ss.converter.cli import main
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.outpaths import check_outputs
from helpers.export_nets import make_bn_net


@pytest.fixture
def files(tmp_path):
    make_bn_net(tmp_path)
    return tmp_path / "bn.caffemodel", tmp_path / "bn.prototxt"


def _convert(files, out, capsys, to="torch"):
    code = main(["convert", str(files[0]), "--prototxt", str(files[1]), "--to", to,
                 "-o", str(out)])
    err = capsys.readouterr().err.strip()
    return code, err


@pytest.mark.parametrize("to", ["torch", "onnx", "tf"])
def test_a_fifo_or_link_to_a_device_is_never_replaced(files, tmp_path, capsys, to):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "null"
    link.symlink_to(os.devnull)
    for out, what in ((fifo, "not a regular file"), (link, "symbolic link")):
        target = out if to != "tf" else out.with_name(out.name + ".index")
        if to == "tf":
            os.rename(out, target)
        code, err = _convert(files, target, capsys, to)
        assert code == 2 and what in err and "\n" not in err, err
        assert not stat.S_ISREG(os.lstat(target).st_mode)
        assert not target.with_name(target.name + ".json").exists()
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_output_equal_to_an_input_is_refused(files, tmp_path, capsys):
    before = files[0].read_bytes()
    for out in (files[0], tmp_path / "." / "bn.caffemodel", files[1]):
        code, err = _convert(files, out, capsys)
        assert code == 2 and "one of the conversion's inputs" in err, err
    hard = tmp_path / "hard.pt"
    os.link(files[0], hard)
    code, err = _convert(files, hard, capsys)
    assert code == 2 and "one of the conversion's inputs" in err
    assert files[0].read_bytes() == before


def test_folder_and_unwritable_places_are_one_line_errors(files, tmp_path, capsys):
    (tmp_path / "d").mkdir()
    code, err = _convert(files, tmp_path / "d", capsys)
    assert code == 2 and "existing folder" in err and "\n" not in err, err
    code, err = _convert(files, "/proc/x.pt", capsys)
    assert code == 2 and "cannot write in the output folder" in err, err
    code, err = _convert(files, tmp_path / "nope" / "x.pt", capsys)
    assert code == 2 and "does not exist" in err, err


def test_the_check_runs_before_the_model_is_read(tmp_path, capsys):
    (tmp_path / "d").mkdir()
    code = main(["convert", str(tmp_path / "missing.caffemodel"), "--to", "torch",
                 "-o", str(tmp_path / "d")])
    assert code == 2 and "existing folder" in capsys.readouterr().err


def test_the_api_checks_too(files, tmp_path):
    from caffe2ss.converter import load
    from caffe2ss.converter.backends import get_backend

    net = load(*files)
    with pytest.raises(CaffeError, match="one of the conversion's inputs"):
        get_backend("torch").convert(net, files[0])
    with pytest.raises(CaffeError, match="existing folder"):
        check_outputs("onnx", tmp_path)
