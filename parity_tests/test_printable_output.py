"""Names read from a file are printed with control characters escaped, so a layer
name cannot forge an output line or send terminal escapes (issue 12, finding 3)."""
from __future__ import annotations

import json

from caffe2ss.converter.cli import main

FORGED = "c\\ncaffe2ss: all good\\x1b[2J\\u202e"  # prototxt escapes: \n, ESC, RLO
NET = f"""input: "data"
input_shape {{ dim: 1 dim: 1 dim: 2 dim: 2 }}
layer {{ name: "{FORGED}" type: "ReLU" bottom: "data" top: "{FORGED}" }}
"""


def _lines(text):
    return text.splitlines()


def test_inspect_text_and_json_escape_names(tmp_path, capsys):
    (tmp_path / "n.prototxt").write_text(NET)
    assert main(["inspect", str(tmp_path / "n.prototxt")]) == 0
    out = capsys.readouterr().out
    assert "caffe2ss: all good" in out  # the name is shown ...
    assert not any(l.startswith("caffe2ss:") for l in _lines(out))  # ... on its own line
    assert "\x1b" not in out and "\u202e" not in out
    assert "c\\ncaffe2ss: all good\\x1b[2J\\u202e" in out
    assert main(["inspect", str(tmp_path / "n.prototxt"), "--json"]) == 0
    desc = json.loads(capsys.readouterr().out)
    assert desc["layers"][0]["name"] == "c\ncaffe2ss: all good\x1b[2J\u202e"  # JSON: exact


def test_errors_naming_a_layer_stay_one_line(tmp_path, capsys):
    (tmp_path / "n.prototxt").write_text(NET.replace('bottom: "data"', 'bottom: "nope"'))
    assert main(["inspect", str(tmp_path / "n.prototxt")]) == 2
    err = capsys.readouterr().err
    assert len(_lines(err)) == 1 and err.startswith("caffe2ss: error: "), err
    assert "\x1b" not in err and "\\x1b[2J" in err
