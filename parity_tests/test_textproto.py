"""The fast prototxt parser equals protobuf's text_format (issue 12, finding 14).

Every prototxt shipped (published nets, oracle cases, examples) must take the fast
path and give the same message, byte for byte, under every fork's schema where
protobuf parses it; syntax outside the subset (and every error) goes to protobuf.
"""
from __future__ import annotations

import re
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
    'name: "a" "b"', 'name: "a" # c\n "b"', "name: 'a' \"b\\x41\"", 'name: "a";;',
    'layer {, name: "a" }', 'layer { name: "a" },', 'layer { name: "a" };input_dim: 1',
    'layer: { name: "x" }', 'layer{name:"x"bottom:"y"}', 'name: "\u00e9\\303\\251"',
    'input_dim: \u0663', 'input_dim: 1_0', 'input_dim: -0', 'input_dim: 1e3',
    'layer { param { lr_mult: .5 decay_mult: 5. } }', 'layer { param { lr_mult: -.5e-3 } }',
    'layer { param { lr_mult: 1f } }', 'layer { param { lr_mult: 1 } }',
    'layer { pooling_param { pool: MAX } }', 'layer { pooling_param { pool: 1 } }',
    'layer { pooling_param { pool: "MAX" } }', 'layer { convolution_param { bias_term: 1 } }',
    'layer { convolution_param { bias_term: false } }', 'name: x', 'input_dim: "1"',
    'layer { name: "a" } }', 'layer # c\n { # d\n name # e\n : # f\n "a" # g\n } # h',
    'layer { convolution_param { num_output: 4294967296 } }', 'layer \u00a0{ }',
    'layer { convolution_param { num_output: -1 } }', 'input_dim: -2147483648',
    'input_dim: 2147483647', 'input_dim: 2147483648', 'input_dim: -2147483649',
    'layer { convolution_param { num_output: 4294967295 } }',
])
def test_edge_syntax_matches_protobuf(text):
    for fork in SCHEMAS:
        ref, fast = _both(text, fork)
        assert (ref is None) == (fast is None), (fork, text)
        if ref is not None:
            assert fast == ref, (fork, text)


@pytest.mark.parametrize("text", [
    'layer { name: "a" type: "ReLU" bottom: "x" top: "x" }',
    "# head\nname: 'n'; layer: { name: 'a\\tb', type: \"T\" \"U\" } # tail",
    'layer{param{lr_mult:1.5,decay_mult:0}convolution_param{num_output:2 pad:1 pad:0}}',
])
def test_common_syntax_takes_the_fast_path(text):
    """Comments, separators, both quotes, escapes and adjacent strings need no fallback."""
    ref, fast = _both(text, "bvlc")
    assert ref is not None and fast == ref
    msg = SCHEMAS["bvlc"].NetParameter()
    textproto._parse_fast(text, msg)  # raises if neither fast lane handles it
    assert msg == ref


def test_deep_nesting_is_an_error_not_a_crash():
    text = "layer { " * 100_000
    ref, fast = _both(text, "bvlc")
    assert fast is None


#: text inserted after random tokens by the differential test: comments holding quotes
#: and braces, separators, adjacent strings, stray quotes and punctuation, strings
#: holding what the token lane cuts at
SNIPPETS = [' # "x" y\n', "#\n", ",", ";", ' "q"', " 'q'", "\n", "{", "}", ":", " # } {\n",
            '"', "\\'", ' \\"', "#", " : ", ' "a b"', ' "x:y"', ' "#"', ' "}"', ",,", '""']


def test_mutated_prototxts_parse_as_protobuf_does():
    """Seeded differential test: the shipped prototxts with snippets inserted; wherever a
    fast lane (whitespace tokens, or the regular expression) accepts a text, its message
    equals text_format's (a comment once let a quoted string in it be read as a value:
    'top: "a"\\n# top: "b"' gave top "ab")."""
    import random

    from caffe2ss.converter.reader import textsplit

    cls = SCHEMAS["bvlc"].NetParameter
    lanes = {"tokens": textsplit.fields, "regex": textproto._fields_by_regex}
    rng = random.Random(7)
    texts = [p.read_text() for p in FILES if p.stat().st_size < 20_000]
    fast = dict.fromkeys(lanes, 0)
    for _ in range(600):
        text = rng.choice(texts)
        ends = [m.end() for m in re.finditer(r"\S+", text)]
        for _ in range(rng.randint(1, 2)):
            k = rng.choice(ends)
            text = text[:k] + rng.choice(SNIPPETS) + text[k:]
        ref = None
        for lane, read in lanes.items():
            try:
                fields = read(text, cls.DESCRIPTOR)
            except Exception:  # noqa: BLE001 - left to the next lane or protobuf
                continue
            fast[lane] += 1
            msg = cls(**fields)  # what a lane accepts is checked: built later, it can't fail
            if ref is None:
                ref = cls()
                text_format.Parse(text, ref)  # raises if protobuf refuses what a lane took
            assert msg == ref, (lane, text)
    assert min(fast.values()) > 40, fast  # both lanes really ran on many of them


@pytest.mark.parametrize("text", [
    "input_dim: 2147483648", "input_dim: -2147483649",
    "layer { convolution_param { num_output: -1 } }",
    "layer { convolution_param { num_output: 4294967296 } }",
])
def test_lanes_leave_out_of_range_integers_to_protobuf(text):
    """The lanes check integer ranges themselves (a layer's message may be built from
    their fields later, when an error could no longer be worded by protobuf)."""
    from caffe2ss.converter.reader import textsplit

    desc = SCHEMAS["bvlc"].NetParameter.DESCRIPTOR
    for read in (textsplit.fields, textproto._fields_by_regex):
        with pytest.raises(Exception):
            read(text, desc)
