"""The DenseCRF's C kernel (``crf_csrc/``): built at first use, cached, loaded by ctypes.

The C sources shipped beside this module (and only those) are compiled with the system
C compiler (``$CC``, else ``cc``) into a per-user cache, ``$CAFFE2SS_CACHE_DIR`` or
``$XDG_CACHE_HOME/caffe2ss`` (default ``~/.cache/caffe2ss``), under a name keyed by the
sources, the compiler's version and the flags; the file is written atomically, so
concurrent processes are safe. OpenMP (``-fopenmp``) when the compiler has it, else one
thread. No ninja, no torch headers: the kernel works on contiguous CPU tensors through
their ``data_ptr()``.

``CAFFE2SS_CRF_KERNEL`` picks the CRF's CPU path: ``auto`` (default: C when it builds,
else PyTorch with one warning), ``c`` (C or an error) or ``torch``.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import torch

SOURCES = tuple(Path(__file__).with_name("crf_csrc") / f
                for f in ("crf.h", "hash.h", "vec.h", "lattice.c", "meanfield.c"))
#: Portable flags (no -march=native: a cache may be shared by different machines), plus
#: -mavx2 where this CPU has AVX2 (part of the cache key, so a machine without it never
#: loads that build). -ffp-contract=off keeps crf_simplex.py's float operations (no FMA).
FLAGS = ("-O3", "-shared", "-fPIC", "-ffp-contract=off")
KERNELS = ("auto", "c", "torch")
_ERRORS = {1: "the CRF features span too many lattice cells to pack; use larger standard "
              "deviations (bi_xy_std, bi_rgb_std, pos_xy_std)",
           2: "out of memory building the CRF lattice", 3: "the image is too large for "
              "the C CRF kernel (2^31 simplex corners); set CAFFE2SS_CRF_KERNEL=torch"}
_lib = None          # the loaded library, or the reason it could not be built
_warned = False


def kernel_choice(kernel: str | None = None) -> str:
    """``kernel``, else ``$CAFFE2SS_CRF_KERNEL``, else ``auto``; checked."""
    k = (kernel or os.environ.get("CAFFE2SS_CRF_KERNEL") or "auto").strip().lower()
    if k not in KERNELS:
        raise ValueError(f"CRF kernel {k!r} is not one of {', '.join(KERNELS)} (set "
                         "CAFFE2SS_CRF_KERNEL or the kernel argument to one of them)")
    return k


def use_c(kernel: str | None = None) -> bool:
    """Whether the CPU CRF runs on the C kernel (building it on first use)."""
    k = kernel_choice(kernel)
    if k == "torch":
        return False
    lib = library()
    if isinstance(lib, str):
        if k == "c":
            raise RuntimeError(f"the DenseCRF C kernel is not available: {lib} (install a C "
                               "compiler, or set CAFFE2SS_CRF_KERNEL=torch)")
        global _warned
        if not _warned:
            _warned = True
            warnings.warn(f"DenseCRF: C kernel not built ({lib}); using the slower PyTorch "
                          "path (CAFFE2SS_CRF_KERNEL=torch silences this)", RuntimeWarning)
        return False
    return True


def cache_dir() -> Path:
    """Where the built kernel is kept (see the module docstring)."""
    if os.environ.get("CAFFE2SS_CACHE_DIR"):
        return Path(os.environ["CAFFE2SS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "caffe2ss"


def library():
    """The loaded ``ctypes.CDLL``, or a one-line reason why there is none."""
    global _lib
    if _lib is None:
        try:
            _lib = _declare(ctypes.CDLL(str(_build())))
        except (OSError, RuntimeError, subprocess.SubprocessError) as e:
            _lib = " ".join(str(e).split())[:300] or type(e).__name__
    return _lib


def _build() -> Path:
    cc = os.environ.get("CC") or "cc"
    if not shutil.which(cc):
        raise RuntimeError(f"no C compiler ({cc!r} not found)")
    version = subprocess.run([cc, "--version"], capture_output=True, text=True,
                             timeout=60).stdout
    flags = [*FLAGS, *_cpu_flags()]
    h = hashlib.sha256("\0".join([version, platform.machine(), *flags]).encode())
    for src in SOURCES:
        h.update(src.read_bytes())
    out = cache_dir() / f"crf_kernel-{h.hexdigest()[:20]}.so"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=out.parent)
    os.close(fd)
    try:
        cfiles = [str(s) for s in SOURCES if s.suffix == ".c"]
        errors = ""
        for extra in (["-fopenmp"], []):  # OpenMP if the compiler has it, else one thread
            r = subprocess.run([cc, *flags, *extra, *cfiles, "-o", tmp, "-lm"],
                               capture_output=True, text=True, timeout=300)
            if r.returncode == 0:
                os.replace(tmp, out)        # atomic: others see all of it or nothing
                return out
            errors = r.stderr.strip().splitlines()[-1:] or [f"{cc} exited {r.returncode}"]
        raise RuntimeError(f"{cc} failed: {errors[0]}")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _cpu_flags() -> list:
    """``["-mavx2"]`` on an x86-64 CPU with AVX2 (8 floats a vector instead of 4)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return []
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines()
                  if line.startswith("flags")), [])
    return ["-mavx2"] if "avx2" in flags else []


def _declare(lib):
    vp, i64, i32, fp = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int, ctypes.c_void_p
    lib.crf_lattice_new.argtypes = [fp, i64, i64, i32, i32, ctypes.POINTER(ctypes.c_int)]
    lib.crf_lattice_new.restype = vp
    lib.crf_lattice_free.argtypes = [vp]
    lib.crf_lattice_vertices.argtypes = [vp]
    lib.crf_lattice_vertices.restype = i64
    lib.crf_lattice_bary.argtypes = [vp, fp]
    lib.crf_meanfield.argtypes = [i64, i64, i32, fp, fp, i32, i32, ctypes.POINTER(vp),
                                  ctypes.POINTER(ctypes.c_float), i32]
    lib.crf_meanfield.restype = i32
    lib.crf_build_info.restype = ctypes.c_char_p
    return lib


def describe(kernel: str | None = None) -> str:
    """The CPU path ``dense_crf`` takes, in words (e.g. for benchmark output)."""
    if not use_c(kernel):
        return "PyTorch lattice"
    return f"C kernel ({library().crf_build_info().decode()})"


class NativeLattice:
    """A C permutohedral lattice of an image's ``features`` (H, W, d) float32 (already
    divided by their standard deviations), ``NORMALIZE_AFTER``'s norm folded into its
    slice weights. Built on ``threads`` threads (default ``torch.get_num_threads()``)."""

    def __init__(self, features: torch.Tensor, threads: int | None = None):
        f = features.detach().to("cpu", torch.float32).contiguous()
        h, w, self.d = f.shape
        self.lib, self.n_points, self.shape = library(), h * w, (h, w)
        status = ctypes.c_int(0)
        self.ptr = self.lib.crf_lattice_new(f.data_ptr(), h, w, self.d,
                                            threads or torch.get_num_threads(),
                                            ctypes.byref(status))
        if not self.ptr:
            raise (MemoryError if status.value == 2 else ValueError)(_ERRORS[status.value])

    @property
    def n_vertices(self) -> int:
        return int(self.lib.crf_lattice_vertices(self.ptr))

    def barycentric(self) -> torch.Tensor:
        """(N, d+1) barycentric weights (as ``Lattice.weight`` of the torch path)."""
        out = torch.empty(self.n_points, self.d + 1)
        self.lib.crf_lattice_bary(self.ptr, out.data_ptr())
        return out

    def __del__(self):
        if getattr(self, "ptr", None):
            self.lib.crf_lattice_free(self.ptr)
            self.ptr = None


def meanfield(logits: torch.Tensor, kernels: list, iterations: int,
              out: torch.Tensor | None = None, threads: int | None = None) -> torch.Tensor:
    """Q (C, H, W) of one image's logits (C, H, W) over ``[(NativeLattice, weight)]``,
    into ``out`` (contiguous float32 CPU) if given, on ``threads`` threads (default
    ``torch.get_num_threads()``)."""
    x = logits.detach().to("cpu", torch.float32).contiguous()
    q = torch.empty_like(x) if out is None else out
    if q.shape != x.shape or q.dtype != torch.float32 or not q.is_contiguous():
        raise ValueError(f"out must be a contiguous float32 tensor of shape {tuple(x.shape)}")
    ptrs = (ctypes.c_void_p * len(kernels))(*[lat.ptr for lat, _ in kernels])
    weights = (ctypes.c_float * len(kernels))(*[w for _, w in kernels])
    lib = library()
    rc = lib.crf_meanfield(x.shape[1], x.shape[2], x.shape[0], x.data_ptr(), q.data_ptr(),
                           int(iterations), len(kernels), ptrs, weights,
                           threads or torch.get_num_threads())
    if rc:
        raise MemoryError(_ERRORS[rc])
    return q
