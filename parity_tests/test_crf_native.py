"""The DenseCRF's C kernel (models/torch/crf_csrc/, loaded by crf_native.py) against the
PyTorch path: the same lattice bit for bit, the same Q to float rounding, the switch
``CAFFE2SS_CRF_KERNEL``, the per-user build cache and the fallback without a compiler.
(Both paths against pydensecrf2 and the brute-force CRF: test_crf.py.)
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from caffe2ss.converter.seg.crf_params import CRFParams  # noqa: E402
from caffe2ss.models.torch import crf, crf_native  # noqa: E402
from caffe2ss.models.torch.crf import dense_crf  # noqa: E402
from caffe2ss.models.torch.crf_lattice import Lattice  # noqa: E402

#: The two CPU paths sum in different orders: Q may differ by float rounding only.
PATHS_MAX_DQ = 1e-5
SMALL = CRFParams(bi_w=4, bi_xy_std=10, bi_rgb_std=20, pos_w=3, pos_xy_std=2)


@pytest.fixture(autouse=True)
def c_kernel():
    if isinstance(crf_native.library(), str):
        pytest.skip(f"the DenseCRF C kernel is not available: {crf_native.library()}")


def case(n=2, c=21, h=50, w=77, seed=0):
    """Blocky colour images with noise, and logits that favour the blocks' classes."""
    rng = np.random.default_rng(seed)
    label = (np.arange(h)[:, None] // 13 + np.arange(w)[None, :] // 19) % 3
    image = np.stack([label * 80 + 20, 200 - label * 60, 90 + label * 30], -1)
    images = np.clip(image[None] + rng.normal(0, 10, (n, h, w, 3)), 0, 255).astype(np.uint8)
    logits = rng.normal(0, 1.5, (n, c, h, w)).astype(np.float32)
    for k in range(min(3, c)):
        logits[:, k][:, label == k] += 1.0
    return torch.from_numpy(logits), torch.from_numpy(images).permute(0, 3, 1, 2)


@pytest.mark.parametrize("params", [SMALL, CRFParams()], ids=["small", "largefov"])
def test_c_lattice_is_the_torch_lattice(params):
    _, images = case(n=1)
    for _, feats, _ in crf._features(images, params):
        ours, ref = crf_native.NativeLattice(feats[0].reshape(50, 77, -1)), Lattice(feats)
        assert ours.n_vertices == ref.n_vertices
        assert torch.equal(ours.barycentric(), ref.weight)  # same float32 ops, same order


@pytest.mark.parametrize("c", [2, 21, 70])  # padded rows; 70 is past the unrolled sizes
@pytest.mark.parametrize("params", [SMALL, CRFParams(), CRFParams(bi_w=0),
                                    CRFParams(pos_w=0, iterations=3)],
                         ids=["small", "largefov", "smoothness-only", "appearance-only"])
def test_c_and_torch_paths_agree(params, c):
    logits, images = case(c=c)
    q_c = dense_crf(logits, images, params, kernel="c")
    q_t = dense_crf(logits, images, params, kernel="torch")
    assert (q_c - q_t).abs().max() <= PATHS_MAX_DQ
    assert (q_c.argmax(1) != logits.argmax(1)).float().mean().item() > 0.01  # it did work
    np.testing.assert_allclose(q_c.sum(1).numpy(), 1.0, atol=1e-5)


def test_c_kernel_with_no_iterations_is_the_softmax():
    logits, images = case(n=1, c=5)
    feats = crf._features(images, SMALL)[0][1].reshape(50, 77, 2)
    q = crf_native.meanfield(logits[0], [(crf_native.NativeLattice(feats), 3.0)], 0)
    assert (q - torch.softmax(logits[0], 0)).abs().max() <= 1e-6


def test_the_environment_variable_picks_the_kernel(monkeypatch):
    monkeypatch.setenv("CAFFE2SS_CRF_KERNEL", "torch")
    assert not crf_native.use_c() and crf_native.use_c("c")
    monkeypatch.setenv("CAFFE2SS_CRF_KERNEL", "C")
    assert crf_native.use_c() and not crf_native.use_c("torch")
    monkeypatch.setenv("CAFFE2SS_CRF_KERNEL", "fast")
    with pytest.raises(ValueError, match="CAFFE2SS_CRF_KERNEL"):
        crf_native.use_c()


def test_without_a_compiler_auto_falls_back_to_torch_with_one_warning(monkeypatch, tmp_path):
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    monkeypatch.setenv("CAFFE2SS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("CAFFE2SS_CRF_KERNEL", raising=False)
    monkeypatch.setattr(crf_native, "_lib", None)
    monkeypatch.setattr(crf_native, "_warned", False)
    logits, images = case(n=1, c=4)
    with pytest.warns(RuntimeWarning, match="C kernel not built.*no-such-cc"):
        q = dense_crf(logits, images, SMALL)
    with torch.no_grad():
        assert torch.equal(q, dense_crf(logits, images, SMALL, kernel="torch"))
    with pytest.raises(RuntimeError, match="CAFFE2SS_CRF_KERNEL=torch"):
        crf_native.use_c("c")


def test_the_build_is_cached_under_a_key_of_sources_compiler_and_flags(monkeypatch, tmp_path):
    monkeypatch.setenv("CAFFE2SS_CACHE_DIR", str(tmp_path / "cache"))
    so = crf_native._build()
    assert so.parent == tmp_path / "cache" and so.name.startswith("crf_kernel-")
    assert [p.name for p in so.parent.iterdir()] == [so.name]  # no temporary files left
    stamp = so.stat().st_mtime_ns
    assert crf_native._build() == so and so.stat().st_mtime_ns == stamp  # not rebuilt
    lib = crf_native._declare(__import__("ctypes").CDLL(str(so)))
    assert lib.crf_lattice_vertices is not None


def test_features_spanning_too_many_cells_are_a_clear_error():
    feats = torch.zeros(4, 4, 5)
    feats[0, 0] = 1e7  # a lattice of (1e7)^5 cells cannot be packed
    with pytest.raises(ValueError, match="standard deviations"):
        crf_native.NativeLattice(feats)


def test_threads_change_nothing_but_rounding():
    logits, images = case(n=3)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = dense_crf(logits, images, CRFParams(), kernel="c")
        alone = dense_crf(logits[:1], images[:1], CRFParams(), kernel="c")
        torch.set_num_threads(2)
        crf._POS_CACHE.clear()
        pooled = dense_crf(logits, images, CRFParams(), kernel="c")  # an image a thread
        shared = dense_crf(logits[:1], images[:1], CRFParams(), kernel="c")  # 2 threads
    finally:
        torch.set_num_threads(before)
    assert torch.equal(pooled, one)  # each image on one thread either way: same sums
    assert (shared - alone).abs().max() <= PATHS_MAX_DQ  # splats summed in another order
