"""Distributed PyTorch training on CPU (gloo): ``--nproc 2`` gives one process's loss
curve for the same global batch, and two "nodes" on 127.0.0.1 join through torchrun's
c10d rendezvous. Subprocesses: each rank is a fresh Python."""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

pytest.importorskip("torch")

from helpers.training import FCN_INIT, losses, make_voc_root, train  # noqa: E402

#: Per-step loss agreement between 1 and N ranks: the gradient all-reduce sums in a
#: different order, so float32 rounding differs slightly; relative tolerance.
LOSS_RTOL = 1e-4
STEPS = 3
ARGS = ["--steps", STEPS, "--batch-size", 4, "--crop", "64,64", "--workers", 0,
        "--val-split", "none", "--log-every", 1, "--lr", "1e-3", "--seed", 5,
        "--no-dropout"]  # dropout masks depend on how the batch is split


@pytest.fixture(scope="module")
def voc_root(tmp_path_factory):
    return make_voc_root(tmp_path_factory.mktemp("voc"))


@pytest.fixture(scope="module")
def single(voc_root, tmp_path_factory):
    run = tmp_path_factory.mktemp("single") / "run"
    assert train("fcn8s", "--voc-root", voc_root, *FCN_INIT, *ARGS, "-o", run) == 0
    return losses(run)


def _env():
    env = dict(os.environ, OMP_NUM_THREADS="1", CI="1")
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(k, None)
    return env


def _cli(*argv):
    return [sys.executable, "-m", "caffe2ss.converter.cli", "train", *map(str, argv)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nproc2_matches_one_process(voc_root, single, tmp_path):
    run = tmp_path / "run"
    p = subprocess.run(_cli("fcn8s", "--voc-root", voc_root, *FCN_INIT, *ARGS,
                            "--nproc", 2, "-o", run),
                       env=_env(), capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    two = losses(run)
    assert len(two) == len(single) == STEPS
    assert two == pytest.approx(single, rel=LOSS_RTOL)
    assert (run / "final.pt").is_file()


def test_two_nodes_c10d_rendezvous(voc_root, single, tmp_path):
    run, port = tmp_path / "run", _free_port()
    procs = [subprocess.Popen(
        [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2",
         "--nproc-per-node", "1", "--node-rank", str(i), "--rdzv-backend", "c10d",
         "--rdzv-endpoint", f"127.0.0.1:{port}", "--rdzv-id", "caffe2ss-test",
         "--max-restarts", "0", "-m", "caffe2ss.converter.cli", "train", "fcn8s",
         "--voc-root", str(voc_root), *map(str, FCN_INIT), *map(str, ARGS), "-o", str(run)],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for i in range(2)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], "\n".join(o[-2000:] for o in outs)
    assert losses(run) == pytest.approx(single, rel=LOSS_RTOL)
