"""PyTorch training for ``caffe2ss train``: DataLoader with workers, DDP (gloo on CPU,
nccl on GPU) under torchrun or ``--nproc``, exact resume, rank-0-only IO.

Entry point: :func:`.loop.train`; the framework-free preparation is in
:mod:`caffe2ss.converter.train`.
"""
from .loop import train

__all__ = ["train"]
