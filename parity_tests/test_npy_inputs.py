"""``parity`` inputs: .npy/.npz header, dtype and size validated before loading
(issue 12, finding 8)."""
from __future__ import annotations

import io

import numpy as np
import pytest

from caffe2ss.converter import budget
from caffe2ss.converter.cli import main
from helpers.oracle import OracleCase

CASE = "zoo_pool_ceil_pad"


def _npy_header(shape, dtype="<f4") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()  # magic + header, no data


def _parity(tmp_path, capsys, x=None, ref=None):
    case = OracleCase(CASE)
    code = main(["parity", str(case.caffemodel), "--prototxt", str(case.prototxt),
                 "--input", str(x or case.dir / "input.npy"),
                 "--reference", str(ref or case.dir / "blobs.npz")])
    err = capsys.readouterr().err.strip()
    return code, err


def test_a_tiny_npy_declaring_2_to_40_elements(tmp_path, capsys):
    (tmp_path / "x.npy").write_bytes(_npy_header((1, 1, 2**20, 2**20)))
    assert len((tmp_path / "x.npy").read_bytes()) < 200
    code, err = _parity(tmp_path, capsys, x=tmp_path / "x.npy")
    assert code == 2 and "header declares shape (1, 1, 1048576, 1048576)" in err, err
    assert "\n" not in err


@pytest.mark.parametrize("arr", [np.array(["abc"]), np.zeros(2, "i4,f4"),
                                 np.array([1 + 2j]), np.array([None, 1], dtype=object)])
def test_non_numeric_dtypes(tmp_path, capsys, arr):
    np.save(tmp_path / "x.npy", arr, allow_pickle=True)
    code, err = _parity(tmp_path, capsys, x=tmp_path / "x.npy")
    assert code == 2 and "is not numeric" in err, err


def test_npz_with_an_object_entry(tmp_path, capsys):
    np.savez(tmp_path / "ref.npz", ok=np.zeros(3, np.float32),
             bad=np.array([{"a": 1}], dtype=object))
    code, err = _parity(tmp_path, capsys, ref=tmp_path / "ref.npz")
    assert code == 2 and "entry 'bad.npy'" in err and "not numeric" in err, err


def test_truncated_npy_and_not_a_regular_file(tmp_path, capsys):
    x = OracleCase(CASE).input
    np.save(tmp_path / "x.npy", x)
    data = (tmp_path / "x.npy").read_bytes()
    (tmp_path / "x.npy").write_bytes(data[:-5])
    code, err = _parity(tmp_path, capsys, x=tmp_path / "x.npy")
    assert code == 2 and "truncated or corrupt" in err, err
    code, err = _parity(tmp_path, capsys, x=tmp_path)
    assert code == 2 and "not a regular file" in err, err


def test_the_memory_budget_applies(tmp_path, capsys):
    budget.set_max_memory("1K")
    try:
        code, err = _parity(tmp_path, capsys)
    finally:
        budget.set_max_memory(None)
    assert code == 2 and "over the memory budget of 1.0 KiB" in err, err
    code, err = _parity(tmp_path, capsys)
    assert code == 0, err


def test_max_memory_option(tmp_path, capsys):
    case = OracleCase(CASE)
    code = main(["parity", str(case.caffemodel), "--prototxt", str(case.prototxt),
                 "--input", str(case.dir / "input.npy"), "--reference",
                 str(case.dir / "blobs.npz"), "--max-memory", "2K"])
    assert code == 2 and "over the memory budget of 2.0 KiB" in capsys.readouterr().err
    assert budget.max_memory() == budget.physical_memory() // 4  # not left set
    assert budget.parse_size("1.5G") == 3 * 2**29 and budget.parse_size("512M") == 2**29
