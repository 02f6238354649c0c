"""Benchmark: reading a full-size FCN-8s caffemodel (a benchmark, not a test).

Writes a caffemodel with the real voc-fcn8s layer shapes (VGG16 convs 64..512, fc6
4096x512x7x7, fc7 4096x4096x1x1, 21-class score heads, deconvolutions: ~134 M
parameters, ~537 MB) into ``--out`` (default: a temporary directory, deleted afterwards
unless ``--keep``; never inside the repository), then measures, each in its own
subprocess so that peak RSS is per method (``os.wait4`` rusage of that child):

* ``caffe2ss``: ``caffe2ss.converter.load`` + summing every weight blob (so the lazy
  memory map is really read), cold (file evicted from the page cache with
  ``posix_fadvise(DONTNEED)``) and warm;
* ``protobuf``: ``NetParameter.ParseFromString`` + ``np.array(blob.data)`` per blob;
* ``cat``: ``cat file > /dev/null``, cold and warm.

Targets: caffe2ss <= 2x the cat time, peak RSS <= 1.2x the file size.

"time" is the work alone (Python children time it after their imports); "process" is
the whole child, interpreter start-up and imports included. Python children report
their own VmHWM; cat's RSS is ``ru_maxrss``, which Linux starts at the parent's
high-water mark (this small script's, ~14 MB; cat itself needs ~2 MB).

    python tools/bench_parse.py [--out DIR] [--keep] [--skip-protobuf]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: (name, type, weight shape or None, has bias) of voc-fcn8s, in order.
VGG = [("conv1_1", 64, 3), ("conv1_2", 64, 64), ("conv2_1", 128, 64), ("conv2_2", 128, 128),
       ("conv3_1", 256, 128), ("conv3_2", 256, 256), ("conv3_3", 256, 256),
       ("conv4_1", 512, 256), ("conv4_2", 512, 512), ("conv4_3", 512, 512),
       ("conv5_1", 512, 512), ("conv5_2", 512, 512), ("conv5_3", 512, 512)]
FCN8S = [(n, "Convolution", (o, i, 3, 3), True) for n, o, i in VGG] + [
    ("fc6", "Convolution", (4096, 512, 7, 7), True),
    ("fc7", "Convolution", (4096, 4096, 1, 1), True),
    ("score_fr", "Convolution", (21, 4096, 1, 1), True),
    ("upscore2", "Deconvolution", (21, 21, 4, 4), False),
    ("score_pool4", "Convolution", (21, 512, 1, 1), True),
    ("upscore_pool4", "Deconvolution", (21, 21, 4, 4), False),
    ("score_pool3", "Convolution", (21, 256, 1, 1), True),
    ("upscore8", "Deconvolution", (21, 21, 16, 16), False)]


def _len_key(number: int, length: int) -> bytes:
    """Key and length of a LEN-delimited field whose payload is written separately."""
    from caffe2ss.converter.reader.wire import encode_varint

    return encode_varint(number << 3 | 2) + encode_varint(length)


def write_model(path: Path, seed: int = 0) -> int:
    """Write the FCN-8s-shaped caffemodel, streaming each blob's bytes; return #params."""
    import numpy as np

    from caffe2ss.converter.reader.wire import encode_varint
    from caffe2ss.protos import caffe_pb2

    rng = np.random.default_rng(seed)
    total = 0
    with open(path, "wb") as f:
        f.write(_len_key(1, 6) + b"FCN-8s")
        inp = caffe_pb2.LayerParameter(name="input", type="Input", top=["data"])
        inp.input_param.shape.add(dim=[1, 3, 500, 500])
        f.write(_len_key(100, inp.ByteSize()) + inp.SerializeToString())
        bottom = "data"  # a chain: loading does not need the real wiring
        for name, type_, wshape, bias in FCN8S:
            layer = caffe_pb2.LayerParameter(name=name, type=type_, bottom=[bottom], top=[name])
            bottom = name
            layer.convolution_param.num_output = wshape[0] if type_ == "Convolution" else 21
            layer.convolution_param.kernel_size.append(wshape[2])
            head = layer.SerializeToString()
            blobs = []
            for shape in [wshape] + ([(wshape[0],)] if bias else []):
                dims = b"".join(encode_varint(d) for d in shape)
                shape_msg = _len_key(1, len(dims)) + dims        # BlobShape.dim, packed
                n = 1
                for d in shape:
                    n *= d
                blob_head = _len_key(7, len(shape_msg)) + shape_msg + _len_key(5, 4 * n)
                blobs.append((blob_head, shape, n))
                total += n
            payload = len(head) + sum(len(_len_key(7, len(h) + 4 * n)) + len(h) + 4 * n
                                      for h, _, n in blobs)
            f.write(_len_key(100, payload) + head)
            for blob_head, _, n in blobs:
                f.write(_len_key(7, len(blob_head) + 4 * n) + blob_head)
                data = rng.standard_normal(n, dtype=np.float32) * np.float32(0.01)
                f.write(memoryview(data.astype("<f4", copy=False)))
    return total


def _evict(path) -> None:
    """Drop the file's pages from the page cache (this file only)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _run(cmd: list, stdout=subprocess.PIPE) -> tuple[float, int, str]:
    """Run a child; return (wall seconds, its peak RSS in bytes, its stdout).

    The RSS is the child's ``ru_maxrss`` from ``os.wait4``; Linux starts it at this
    process's own high-water mark, so keep this process small (no numpy here).
    """
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    out = p.stdout.read().decode() if stdout is subprocess.PIPE else ""
    err = p.stderr.read().decode()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        raise SystemExit(f"{cmd} failed ({p.returncode}): {err}")
    return wall, usage.ru_maxrss * 1024, out


def _vm_hwm() -> int:
    """This process's own peak RSS (VmHWM), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return -1


def child(method: str, path: str) -> None:
    """Runs inside the measured subprocess: do the work, print its time as JSON."""
    import numpy as np  # imports are not part of the measured time

    if method == "write":
        t = time.perf_counter()
        params = write_model(Path(path))
        print(json.dumps({"params": params, "work": time.perf_counter() - t}))
        return
    if method == "caffe2ss":
        from caffe2ss.converter import load

        t = time.perf_counter()
        net = load(path)
        total = sum(float(b.sum()) for l in net.layers for b in l.blobs)
    else:
        from caffe2ss.protos import caffe_pb2

        t = time.perf_counter()
        with open(path, "rb") as f:
            msg = caffe_pb2.NetParameter.FromString(f.read())
        arrays = [np.array(b.data, dtype=np.float32) for l in msg.layer for b in l.blobs]
        total = sum(float(a.sum()) for a in arrays)
    print(json.dumps({"work": time.perf_counter() - t, "checksum": total,
                      "vm_hwm": _vm_hwm()}))


def measure(path: Path, skip_protobuf: bool) -> list[dict]:
    rows = []
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    plan = [("cat", "cold"), ("caffe2ss", "cold"), ("cat", "warm"), ("caffe2ss", "warm"),
            ("caffe2ss", "warm")]
    if not skip_protobuf:
        plan.append(("protobuf", "warm"))
    for method, temp in plan:
        if temp == "cold":
            _evict(path)
        else:
            _run(["cat", str(path)], stdout=subprocess.DEVNULL)  # make sure it is cached
        if method == "cat":
            wall, rss, _ = _run(["cat", str(path)], stdout=subprocess.DEVNULL)
            work = wall
        else:
            wall, rss, out = _run(me + [method, str(path)])
            work = json.loads(out)["work"]
            rss = json.loads(out)["vm_hwm"]  # exact: a child's rusage also counts the
            # parent's high-water mark, which exec carries over
        rows.append({"method": method, "cache": temp, "work_s": work, "process_s": wall,
                     "peak_rss": rss})
    return rows


def table(rows: list[dict], size: int) -> str:
    cat = {r["cache"]: r["work_s"] for r in rows if r["method"] == "cat"}
    lines = ["| method | page cache | time (s) | process (s) | peak RSS (MB) | time / cat "
             "| RSS / file |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['method']} | {r['cache']} | {r['work_s']:.3f} | "
                     f"{r['process_s']:.3f} | {r['peak_rss'] / 2**20:.0f} | "
                     f"{r['work_s'] / cat[r['cache']]:.2f} | {r['peak_rss'] / size:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="directory for the caffemodel (not the repo)")
    ap.add_argument("--keep", action="store_true", help="keep the caffemodel afterwards")
    ap.add_argument("--skip-protobuf", action="store_true", help="skip the slow baseline")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(*args.child)
    out = Path(args.out or tempfile.mkdtemp(prefix="caffe2ss-bench-")).resolve()
    if out == REPO or REPO in out.parents:
        raise SystemExit(f"--out {out} is inside the repository; pick a directory outside it")
    out.mkdir(parents=True, exist_ok=True)
    path = out / "fcn8s-shaped.caffemodel"
    try:
        # written by a child, so that this process stays small (see _run)
        made = json.loads(_run([sys.executable, str(Path(__file__).resolve()), "--child",
                                "write", str(path)])[2])
        size = path.stat().st_size
        print(f"wrote {path}: {made['params'] / 1e6:.1f} M parameters, {size / 1e6:.0f} MB "
              f"in {made['work']:.1f} s")
        print(table(measure(path, args.skip_protobuf), size))
        print("targets: caffe2ss time / cat <= 2.0, RSS / file <= 1.2")
    finally:
        if not args.keep:
            path.unlink(missing_ok=True)
            if not args.out:
                shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
