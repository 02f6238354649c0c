"""One fuzz worker of tools/fuzz.py: build the i-th input, run it, classify it.

The worker runs the reader, shape inference and a torch forward (:func:`run_one`) in
its own process, measuring CPU time and the growth of peak RSS (VmHWM, reset before
each input through /proc/self/clear_refs). Inputs are drawn by :func:`make_input` from
a generator seeded with ``(seed, index)``, so any index can be replayed alone.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ORACLE = REPO / "parity_tests" / "data" / "oracle"


def seeds() -> list[tuple[str, bytes, bytes | None]]:
    """(case, caffemodel bytes, prototxt bytes or None) of the small shipped fixtures."""
    out = []
    for d in sorted(ORACLE.iterdir()):
        w = d / "weights.caffemodel"
        if w.is_file() and w.stat().st_size < 400_000:
            p = d / "deploy.prototxt"
            out.append((d.name, w.read_bytes(), p.read_bytes() if p.is_file() else None))
    return out


def make_input(i: int, seed: int, fixtures):
    """The i-th input of the campaign: (label, caffemodel bytes|None, prototxt|None)."""
    import numpy as np

    import fuzz_mutate as m
    import fuzz_text as t

    rng = np.random.default_rng([seed, i])
    if i % 500 == 499:  # scale cases, in rotation
        name, data = t.scale_case((i // 500) % 4)
        return (f"scale:{name}", data, None) if data[:1] == b"\x1a" else \
            (f"scale:{name}", None, data)
    case, model, proto = fixtures[int(rng.integers(0, len(fixtures)))]
    if proto is not None and rng.random() < 0.35:
        fn = t.TEXT[int(rng.integers(0, len(t.TEXT)))]
        return f"{case}:{fn.__name__}", model, fn(proto, rng)
    fn = m.BINARY[int(rng.integers(0, len(m.BINARY)))]
    return f"{case}:{fn.__name__}", fn(model, rng), proto


def _hwm_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _reset_hwm() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def run_one(model, proto, tmp: Path) -> str:
    """Reader, shape inference and a torch forward; returns 'ok' or raises."""
    import numpy as np

    from caffe2ss.converter import load
    from caffe2ss.converter.backends import get_backend
    from caffe2ss.converter.reader.weights import missing_weights

    paths = []
    for data, name in ((model, "m.caffemodel"), (proto, "m.prototxt")):
        if data is not None:
            (tmp / name).write_bytes(data)
            paths.append(tmp / name)
    net = load(paths[0], paths[1] if len(paths) > 1 else None)
    if any(s is None for s in net.inputs.values()):
        return "ok"
    shapes = net.infer_shapes()
    if missing_weights(net):  # a prototxt alone: reader and shapes were exercised
        return "ok"
    rng = np.random.default_rng(0)
    inputs = {k: rng.standard_normal(shapes[k]).astype(np.float32) for k in net.inputs}
    get_backend("torch").run(net, inputs)
    return "ok"


def worker(conn, seed: int, budget: str, time_limit: float) -> None:
    """Receive input indices, answer (index, class, detail, cpu s, wall s, peak MiB)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.path.insert(0, str(Path(__file__).parent))
    import torch

    torch.set_num_threads(1)
    from caffe2ss.converter.budget import set_max_memory
    from caffe2ss.converter.errors import CaffeError

    set_max_memory(budget)
    fixtures = seeds()
    with tempfile.TemporaryDirectory() as d:  # warm the imports on an unmutated fixture
        run_one(fixtures[0][1], fixtures[0][2], Path(d))
    base = _hwm_kb()
    conn.send("ready")  # the time limit starts only now (imports can be slow under load)
    while True:
        i = conn.recv()
        if i is None:
            return
        try:
            label, model, proto = make_input(i, seed, fixtures)
        except Exception as e:  # noqa: BLE001 - a harness bug shows up as a crash
            conn.send((i, "harness", "crash", f"mutator: {type(e).__name__}: {e}", 0, 0, 0))
            continue
        _reset_hwm()
        base = min(base, _hwm_kb())
        c0, w0 = time.process_time(), time.perf_counter()
        detail = ""
        with tempfile.TemporaryDirectory() as d:
            try:
                cls = run_one(model, proto, Path(d))
            except CaffeError as e:
                cls, detail = "CaffeError", str(e)[:160]
            except MemoryError as e:
                cls, detail = "memory", f"MemoryError {e}"[:160]
            except BaseException as e:  # noqa: BLE001 - every other outcome is a crash
                cls, detail = "crash", f"{type(e).__name__}: {e}"[:300]
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        peak = max(0, _hwm_kb() - base) / 1024
        if cls in ("ok", "CaffeError") and cpu > time_limit:
            cls, detail = "time", f"{cpu:.2f} s CPU ({label})"
        conn.send((i, label, cls, detail, cpu, wall, peak))
