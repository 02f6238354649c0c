"""Issue 11: inspect shows kernel/stride/pad/dilation/group per layer (``--json`` every
parameter) and reads converted outputs; docs/sidecar.md documents every sidecar field."""
from __future__ import annotations

import json
import re

import pytest

from helpers.cli_run import EXAMPLE, MODEL, ROOT, cli


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    d = tmp_path_factory.mktemp("conv")
    out = {}
    for fw, name, extra in (("torch", "m.pt", []), ("onnx", "m.onnx", ["--dynamic-hw"]),
                            ("torch", "m.safetensors", ["--format", "safetensors"])):
        rc, _, err = cli("convert", *MODEL, "--to", fw, "-o", d / name, *extra)
        assert rc == 0, err
        out[name] = d / name
    return out


def test_inspect_json_has_every_layer_parameter():
    rc, out, _ = cli("inspect", *MODEL, "--json")
    assert rc == 0
    layers = {l["name"]: l for l in json.loads(out)["layers"]}
    conv = layers["conv1_1"]["attrs"]  # deploy.prototxt: pad 100, kernel 3
    assert conv["kernel"] == [3, 3] and conv["pad"] == [100, 100] and conv["stride"] == [1, 1]
    assert conv["dilation"] == [1, 1] and conv["group"] == 1 and conv["num_output"] == 8
    assert layers["pool1"]["attrs"]["kernel"] == [2, 2]
    assert layers["pool1"]["attrs"]["stride"] == [2, 2]
    up = layers["upscore2"]["attrs"]  # Deconvolution k4 s2, no bias
    assert up["kernel"] == [4, 4] and up["stride"] == [2, 2] and up["bias_term"] is False


def test_inspect_text_shows_key_parameters():
    rc, out, _ = cli("inspect", *MODEL)
    line = next(l for l in out.splitlines() if l.startswith("conv1_1 "))
    assert "kernel=3x3 stride=1x1 pad=100x100 dilation=1x1 group=1" in line


@pytest.mark.parametrize("name", ["m.pt", "m.onnx", "m.safetensors", "m.pt.json"])
def test_inspect_reads_converted_outputs(converted, name):
    path = converted.get(name) or converted["m.pt"].with_name(name)
    rc, out, err = cli("inspect", path)
    assert rc == 0, err
    assert "Caffe layer -> parameters" in out and "sha256" in out
    assert re.search(r"conv1_1\s+conv1_1[./]weight|conv1_1\s+\S*conv1_1", out), out
    rc, out, _ = cli("inspect", path, "--json")
    meta = json.loads(out)
    assert meta["layers"]["conv1_1"] and meta["source"]["model"]["path"] == "weights.caffemodel"


def test_sidecar_reference_documents_every_field(converted):
    doc = (ROOT / "docs" / "sidecar.md").read_text()
    documented = set(re.findall(r"^\| `(\w+)`", doc, flags=re.M))
    documented |= {k for row in re.findall(r"^\| `(\w+)`, `(\w+)`", doc, flags=re.M)
                   for k in row}
    for name in ("m.pt", "m.onnx", "m.safetensors"):
        meta = json.loads(converted[name].with_name(name + ".json").read_text())
        missing = (set(meta) | set(meta["preprocessing"])) - documented
        assert not missing, f"{name}: undocumented sidecar fields {missing}"
    from caffe2ss.converter.provenance import VERSION

    assert f"Schema version: **{VERSION}**" in doc


UNSUPPORTED = """input: "data"
input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 2 kernel_size: 3 } }
layer { name: "weird" type: "FancyNorm" bottom: "conv1" top: "n1" }
layer { name: "relu" type: "ReLU" bottom: "n1" top: "n1" }
layer { name: "other" type: "Mystery" bottom: "n1" top: "out" }
"""


def test_inspect_lists_a_net_with_unsupported_layers(tmp_path):
    p = tmp_path / "u.prototxt"
    p.write_text(UNSUPPORTED)
    rc, out, _ = cli("inspect", p)
    assert rc == 2  # it cannot be converted: bad input, but the whole net is shown
    rows = {l.split()[0]: l for l in out.splitlines()[2:7] if l.strip()}
    assert "UNSUPPORTED" in rows["weird"] and "UNSUPPORTED" in rows["other"]
    assert "UNSUPPORTED" not in rows["conv1"] and "UNSUPPORTED" not in rows["relu"]
    assert "unsupported layers (2): weird (FancyNorm), other (Mystery)" in out
    rc, out, _ = cli("inspect", p, "--json")
    doc = json.loads(out)
    assert rc == 2 and doc["unsupported"] == ["weird", "other"]
    assert [l["name"] for l in doc["layers"]] == ["conv1", "weird", "relu", "other"]
    rc, _, err = cli("convert", p, "--to", "torch", "-o", tmp_path / "x.pt")
    assert rc == 2 and "unsupported layer types: 'weird' (FancyNorm)" in err
