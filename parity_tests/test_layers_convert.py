"""The new layers survive convert -> load_converted in every framework: the reloaded
model still gives real Caffe's output (oracle cases with weighted new layers, masks and
several outputs)."""
from __future__ import annotations

import pytest

from caffe2ss.converter.backends import BACKENDS, get_backend
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.parity import compare_blob
from helpers.oracle import oracle

EXT = {"torch": ".pt", "tf": "", "onnx": ".onnx"}


@pytest.mark.parametrize("fw", list(BACKENDS))
@pytest.mark.parametrize("case", ["zoo_ssd_normalize_permute", "zoo_embed",
                                  "zoo_pool_mask_unpool", "zoo_ssd_detection",
                                  "zoo_im2col_parameter"])
def test_convert_and_reload_keeps_caffes_output(fw, case, tmp_path):
    try:
        backend = get_backend(fw)
    except CaffeError as e:
        pytest.skip(str(e))
    c = oracle(case)
    written = backend.convert(c.load(), tmp_path / f"m{EXT[fw]}")
    net, runner = backend.load_converted(written[0])
    out = net.outputs()[0]
    res = compare_blob(runner({"data": c.input})[out], c.blobs[out])
    assert res.passed, f"{fw} {case} {out}: {res.reason}"
