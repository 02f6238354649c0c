"""torch.distributed set-up under torchrun (or ``--nproc``): gloo on CPU, nccl on GPU."""
from __future__ import annotations

import os

import torch
import torch.distributed as tdist


def world() -> tuple[int, int, int]:
    """``(rank, local_rank, world_size)`` from torchrun's environment (0, 0, 1 alone)."""
    return (int(os.environ.get("RANK", 0)), int(os.environ.get("LOCAL_RANK", 0)),
            int(os.environ.get("WORLD_SIZE", 1)))


def setup() -> tuple[int, int, torch.device]:
    """Join the process group if launched by torchrun; ``(rank, world_size, device)``."""
    rank, local, size = world()
    cuda = torch.cuda.is_available()
    device = torch.device(f"cuda:{local}") if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if size > 1 and not tdist.is_initialized():
        tdist.init_process_group("nccl" if cuda else "gloo")
    return rank, size, device


def all_sum(t: torch.Tensor) -> torch.Tensor:
    """Sum over ranks (identity alone)."""
    if tdist.is_available() and tdist.is_initialized():
        tdist.all_reduce(t)
    return t


def barrier() -> None:
    if tdist.is_available() and tdist.is_initialized():
        tdist.barrier()


def teardown() -> None:
    if tdist.is_available() and tdist.is_initialized():
        tdist.destroy_process_group()
