"""The fast prototxt parser equals protobuf's text_format (issue 12, finding 14).

Every prototxt shipped (published nets, oracle cases, examples) must take the fast
path and give the same message, byte for byte, under every fork's schema where
protobuf parses it; syntax outside the subset (and every error) goes to protobuf.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import text_format

from caffe2ss.converter.reader import textproto
from caffe2ss.protos import SCHEMAS

REPO = Path(__file__).resolve().parents[1]
FILES = sorted(p for p in REPO.rglob("*.prototxt") if ".venv" not in p.parts)


def _both(text, fork):
    ref, fast = SCHEMAS[fork].NetParameter(), SCHEMAS[fork].NetParameter()
    try:
        text_format.Parse(text, ref)
    except Exception:  # noqa: BLE001 - protobuf refuses: the fast parser must too
        ref = None
    try:
        textproto.parse(text, fast)
    except Exception:  # noqa: BLE001
        fast = None
    return ref, fast


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_shipped_prototxts_take_the_fast_path_and_match(path):
    text = path.read_text()
    for fork in SCHEMAS:
        ref, fast = _both(text, fork)
        assert (ref is None) == (fast is None), fork
        if ref is not None:
            assert fast.SerializeToString(deterministic=True) == \
                ref.SerializeToString(deterministic=True), fork
            msg = SCHEMAS[fork].NetParameter()
            textproto._parse_fast(text, msg)  # no fallback for real files
            assert msg == ref


@pytest.mark.parametrize("text", [
    'name: "a\\nb"', "name: 'x' 'y'", 'input_dim: 010', 'input_dim: 0x10',
    'layer < name: "a" >', 'input_dim: [1, 2]', 'name: "a" name: "b"',
    'layer { convolution_param { num_output: 1.5 } }', 'force_backward: t',
    'layer { name: "a" ', 'layer { bogus: 1 }', 'layer { type: Convolution }',
    'input_dim: 99999999999', 'layer { param { lr_mult: inf } }', "state { phase: 1 }",
    'layer { phase: TEST, name: "x"; }', "# only a comment\n", "",
    'layer { exclude { phase: TEST } exclude { phase: TRAIN } }', "\u00a0name: 'z'",
])
def test_edge_syntax_matches_protobuf(text):
    for fork in SCHEMAS:
        ref, fast = _both(text, fork)
        assert (ref is None) == (fast is None), (fork, text)
        if ref is not None:
            assert fast == ref, (fork, text)


def test_deep_nesting_is_an_error_not_a_crash():
    text = "layer { " * 100_000
    ref, fast = _both(text, "bvlc")
    assert fast is None
