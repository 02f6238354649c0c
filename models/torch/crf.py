"""DeepLab's fully connected CRF (Krähenbühl & Koltun 2011) in PyTorch, CPU or CUDA.

Mean-field inference with Potts compatibility and two Gaussian kernels, as DeepLab's
``dense_inference.cpp`` / ``DenseCRFLayer`` run it with Krähenbühl's code:

* the unary energy is the **negative logits** (not -log softmax), so ``Q0 = softmax(x)``;
* each iteration ``Q = softmax(x + sum_k w_k * norm_k * K_k Q)``, where ``K_k`` is the
  permutohedral Gaussian filter (self included) and ``norm_k = 1 / (K_k 1)``: messages
  are normalised after filtering (``NORMALIZE_AFTER`` in pydensecrf);
* smoothness kernel on ``(x, y) / pos_xy_std``, appearance kernel on
  ``(x, y) / bi_xy_std, (r, g, b) / bi_rgb_std``, positions in pixels, colours 0-255.

    >>> from caffe2ss.models.torch.crf import dense_crf, CRFParams
    >>> q = dense_crf(logits, image, CRFParams(bi_w=4, bi_xy_std=121, bi_rgb_std=5))
    >>> labels = q.argmax(1)

On CPU the work runs in a small C kernel (``crf_csrc/``, built on first use, see
:mod:`.crf_native`) with the same lattice; the PyTorch path below runs on CUDA and on
CPU where no C compiler is available (or with ``CAFFE2SS_CRF_KERNEL=torch``).
"""
from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from ...converter.seg.crf_params import CRFParams, parse_crf_params
from . import crf_native
from .crf_kernels import KernelSum
from .crf_lattice import Lattice

__all__ = ["CRFParams", "dense_crf", "dense_crf_numpy", "parse_crf_params"]


def dense_crf(logits: torch.Tensor, image: torch.Tensor, params: CRFParams | None = None,
              per_image: bool | None = None, kernel: str | None = None) -> torch.Tensor:
    """Mean-field marginals ``Q`` (N, C, H, W) float32 of DeepLab's dense CRF.

    Args:
        logits: (N, C, H, W) class scores at image resolution (the unary is ``-logits``).
        image: (N, 3, H, W) RGB values in 0..255 (any dtype), on any device.
        params: kernel weights/widths and iterations (default: DeepLab-LargeFOV's).
        per_image: torch path: run the images one by one (default on CPU, where it keeps
            the lattice in cache and reuses the smoothness lattice) or the batch as one
            lattice per kernel, the image index being part of the key (default on CUDA).
        kernel: the CPU implementation: ``"c"`` (the C kernel: one image on
            ``torch.get_num_threads()`` threads, a batch's images side by side, one
            thread each), ``"torch"``, or ``"auto"`` (C when it builds, else torch with
            one warning); default ``$CAFFE2SS_CRF_KERNEL``, else ``"auto"``. CUDA
            tensors always take the torch path.
    Runs on ``logits``' device. The result does not depend on ``per_image``, nor on
    ``kernel`` beyond float rounding (~1e-6).
    """
    params = params or CRFParams()
    if logits.dim() != 4:
        raise ValueError(f"logits must be (N, C, H, W), got {tuple(logits.shape)}")
    n, c, h, w = logits.shape
    if tuple(image.shape) != (n, 3, h, w):
        raise ValueError(f"image must be (N, 3, H, W) = {(n, 3, h, w)} to match the "
                         f"logits, got {tuple(image.shape)}")
    kernel = crf_native.kernel_choice(kernel)
    active = params.iterations > 0 and (params.pos_w > 0 or params.bi_w > 0)
    if active and logits.device.type == "cpu" and crf_native.use_c(kernel):
        with torch.no_grad():
            return _dense_crf_c(logits, image, params)
    if per_image is None:
        per_image = logits.device.type == "cpu"
    if n > 1 and per_image:
        return torch.cat([dense_crf(logits[i:i + 1], image[i:i + 1], params, kernel="torch")
                          for i in range(n)])
    with torch.no_grad():
        x = logits.detach().to(torch.float32).permute(0, 2, 3, 1).reshape(n * h * w, c)
        x = x.contiguous()  # (P, C) row-major: a view here would make every addmm slow
        q = torch.softmax(x, dim=1)
        kernels = _kernels(image.to(x.device), params) if params.iterations else []
        if kernels:
            messages = KernelSum(kernels)
            energy = torch.empty_like(x)
            for _ in range(int(params.iterations)):
                torch.softmax(messages.energy(x, q, out=energy), dim=1, out=q)
        return q.reshape(n, h, w, c).permute(0, 3, 1, 2).contiguous()


def dense_crf_numpy(logits: np.ndarray, images, params: CRFParams | None = None,
                    device: str | None = None) -> np.ndarray:
    """numpy front end (TF/ONNX paths): logits (N, C, H, W), images (N, H, W, 3) RGB
    uint8 (or a list of them) -> Q (N, C, H, W) float32. ``device``: default CPU."""
    dev = torch.device(device or "cpu")
    im = torch.from_numpy(np.ascontiguousarray(np.stack(list(images)))).to(dev)
    q = dense_crf(torch.from_numpy(np.asarray(logits, np.float32)).to(dev),
                  im.permute(0, 3, 1, 2), params)
    return q.cpu().numpy()


#: The last smoothness lattice built, keyed by (height, width, pos_xy_std, batch,
#: device[, "c"]): positions do not change between images of one size (eval, infer
#: reuse it).
_POS_CACHE: dict = {}


def _cached(key, make):
    """``make()``, kept in ``_POS_CACHE`` under ``key`` unless ``key`` is None."""
    if key is None:
        return make()
    if key not in _POS_CACHE:
        _POS_CACHE.clear()
        _POS_CACHE[key] = make()
    return _POS_CACHE[key]


def _features(image: torch.Tensor, params: CRFParams) -> list:
    """``[(cache key or None, features (N, H*W, d), weight)]`` per active kernel,
    smoothness first as in DeepLab; only the smoothness features are cacheable."""
    n, _, h, w = image.shape
    dev = image.device
    ys, xs = torch.meshgrid(torch.arange(h, device=dev, dtype=torch.float32),
                            torch.arange(w, device=dev, dtype=torch.float32), indexing="ij")
    xy = torch.stack([xs, ys], dim=-1).reshape(1, h * w, 2).expand(n, -1, -1)
    out = []
    if params.pos_w > 0:
        out.append(((h, w, float(params.pos_xy_std), n, str(dev)),
                    xy / np.float32(params.pos_xy_std), float(params.pos_w)))
    if params.bi_w > 0:
        rgb = image.to(torch.float32).permute(0, 2, 3, 1).reshape(n, h * w, 3)
        out.append((None, torch.cat([xy / np.float32(params.bi_xy_std),
                                     rgb / np.float32(params.bi_rgb_std)], dim=-1),
                    float(params.bi_w)))
    return out


def _kernels(image: torch.Tensor, params: CRFParams) -> list:
    """Torch path: ``[(lattice, weight, norm)]`` per active kernel."""
    kernels = []
    for key, feats, weight in _features(image, params):
        lattice, norm = _cached(key, lambda f=feats: _normalised(f))
        kernels.append((lattice, weight, norm))
    return kernels


def _dense_crf_c(logits: torch.Tensor, image: torch.Tensor, params: CRFParams):
    """C path, the smoothness lattice shared: one image on all threads, or several
    images at once, each on one thread (the threads then never wait for each other)."""
    n, c, h, w = logits.shape
    out = torch.empty(n, c, h, w)
    workers = min(n, torch.get_num_threads())
    threads = torch.get_num_threads() if workers == 1 else 1

    def lattices(i: int, p: CRFParams = params) -> list:
        kernels = []
        for key, feats, weight in _features(image[i:i + 1].cpu(), p):
            f = feats.reshape(h, w, -1)
            make = lambda f=f: crf_native.NativeLattice(f, threads)  # noqa: E731
            kernels.append((_cached(key and key + ("c",), make), weight))
        return kernels

    def one(i: int) -> None:
        crf_native.meanfield(logits[i], lattices(i), params.iterations, out=out[i],
                             threads=threads)

    if workers == 1:
        for i in range(n):
            one(i)
        return out
    if params.pos_w > 0:  # the shared smoothness lattice, before the threads start
        lattices(0, dataclasses.replace(params, bi_w=0))
    with ThreadPoolExecutor(workers) as pool:  # ctypes lets go of the GIL
        list(pool.map(one, range(n)))
    return out


def _normalised(feats: torch.Tensor):
    """The lattice of ``feats`` and ``NORMALIZE_AFTER``'s ``1 / (K 1 + 1e-20)``."""
    lattice = Lattice(feats.contiguous())
    ones = torch.ones(lattice.n_points, 1, device=feats.device)
    return lattice, 1.0 / (lattice.filter(ones) + 1e-20)
