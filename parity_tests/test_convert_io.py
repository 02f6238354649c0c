"""Convert at the I/O floor (issue 10): hashes without extra passes, mapped pages kept
out of the RSS, and the CLI importing only what a conversion needs."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from caffe2ss.converter import hashing, pages
from caffe2ss.converter.reader.sniff import map_file
from helpers.export_nets import make_bn_net


def test_background_hash_is_the_file_hash_and_follows_changes(tmp_path):
    f = tmp_path / "x.bin"
    f.write_bytes(os.urandom(3 * 2**20 + 5))
    hashing.hash_soon(f)
    assert hashing.sha256(f) == hashlib.sha256(f.read_bytes()).hexdigest()
    f.write_bytes(b"changed")  # new size and mtime: the earlier result is not used
    assert hashing.sha256(f) == hashlib.sha256(b"changed").hexdigest()
    hashing.hash_soon(tmp_path / "missing")  # nothing to hash: sha256 reports it
    with pytest.raises(FileNotFoundError):
        hashing.sha256(tmp_path / "missing")


def test_hashing_writer_hashes_every_byte_written(tmp_path):
    parts = [b"head", os.urandom(hashing.PARALLEL_MIN + 3),
             np.arange(7, dtype=np.float32).reshape(7, 1), memoryview(b"tail")]
    with hashing.HashingWriter(tmp_path / "o.bin") as w:
        for p in parts:
            w.write(p)
    data = (tmp_path / "o.bin").read_bytes()
    assert data == b"".join(bytes(memoryview(p).cast("B")) for p in parts)
    assert w.hexdigest() == hashlib.sha256(data).hexdigest() and w.size == len(data)


def test_finished_files_hashes_survive_a_rename(tmp_path):
    a = tmp_path / "a"
    a.write_bytes(os.urandom(100_000))
    want = hashlib.sha256(a.read_bytes()).hexdigest()
    h = hashing.FinishedFiles()
    h.add("b", a)
    a.rename(tmp_path / "b")  # MergeV2Checkpoints renames shards after they are added
    assert h.digests() == {"b": want}


def _mapped_rss_kb(path: Path) -> int:
    """Resident kB of this process's mappings of ``path`` (from /proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if line[:1].isdigit() or line[:1] in "abcdef":  # a mapping's header line
            inside = line.rstrip().endswith(str(path))
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="needs Linux /proc")
def test_trimmed_drops_the_read_maps_pages(tmp_path):
    f = tmp_path / "w.bin"
    f.write_bytes(np.arange(2**21, dtype=np.float32).tobytes())  # 8 MiB
    buf = map_file(f)
    assert isinstance(buf, pages.ReadOnlyMap)
    view = np.frombuffer(buf, np.float32)[10:].reshape(-1, 2)
    assert pages.maps_of([view, np.zeros(3)]) == [buf]
    with pages.trimmed([view]):
        total = float(view.sum(dtype=np.float64))  # touches every page
    assert total == float(np.arange(2**21, dtype=np.float64)[10:].sum())
    assert _mapped_rss_kb(f) < 1024  # after the block: nothing of the 8 MiB resident
    view.sum()
    assert _mapped_rss_kb(f) > 4096  # (the measure sees resident pages)
    pages.drop([buf])
    assert _mapped_rss_kb(f) < 1024


def test_other_maps_are_never_trimmed(tmp_path):
    f = tmp_path / "c.bin"
    f.write_bytes(bytes(8192))
    private = np.memmap(f, np.uint8, mode="c")  # copy-on-write: dropping would lose edits
    private[0] = 7
    assert pages.maps_of([private]) == []
    with pages.trimmed([private]):
        pass
    assert private[0] == 7


_PROBE = """
import json, sys
from caffe2ss.converter.cli.main import main
code = main(sys.argv[1:])
mods = sys.modules
print(json.dumps({"code": code, "torch": "torch" in mods, "onnxruntime": "onnxruntime" in mods,
                  "tensorflow": "tensorflow" in mods,
                  "other": sorted(m for m in mods if m.startswith(("caffe2ss.converter.train",
                      "caffe2ss.converter.seg", "caffe2ss.models.torch.generic",
                      "caffe2ss.converter.cli.")) and m not in CONVERT)}))
"""
_CONVERT = {"caffe2ss.converter.cli." + m for m in
            ("common", "convert", "helpfmt", "main", "preproc", "progress", "recognize")} | {
    "caffe2ss.converter.seg", "caffe2ss.converter.seg.crf_params"}  # the reader's CRF layer


@pytest.mark.parametrize("target,extra,name", [
    ("torch", ["--format", "safetensors"], "m.safetensors"),
    ("torch", [], "m.pt"),
    ("onnx", [], "m.onnx")])
def test_cli_convert_imports_only_what_it_needs(tmp_path, target, extra, name):
    pytest.importorskip("torch" if target == "torch" else "onnx")
    make_bn_net(tmp_path)
    probe = "CONVERT = %r\n" % (_CONVERT,) + _PROBE
    r = subprocess.run([sys.executable, "-c", probe, "convert", str(tmp_path / "bn.caffemodel"),
                        "--prototxt", str(tmp_path / "bn.prototxt"), "--to", target,
                        "-o", str(tmp_path / name), *extra],
                       capture_output=True, text=True, timeout=300)
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["code"] == 0, r.stderr
    assert got["torch"] == (name == "m.pt")  # a .safetensors is written without torch
    assert not got["onnxruntime"] and not got["tensorflow"]
    assert got["other"] == []  # no other command, no rebuild, no tasks
    assert (tmp_path / name).is_file() and (tmp_path / f"{name}.json").is_file()
