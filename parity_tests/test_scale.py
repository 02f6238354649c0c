"""Work linear in the input (issue 12, findings 12-14), checked by counting operations,
never by timing (timed assertions are not allowed in the suite)."""
from __future__ import annotations

from caffe2ss.converter import load_definition


class CountingName(str):
    """A blob name that counts equality comparisons (list membership makes them)."""

    calls = 0

    def __eq__(self, other):
        CountingName.calls += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_outputs_does_not_scan_a_list_per_top():
    """Finding 12: 20,000 unconsumed tops took 7.6 s (a list membership test per top)."""
    n = 2000
    tops = "".join(f' top: "t{i}"' for i in range(n))
    net = load_definition('input: "data" input_dim: 1 input_dim: %d input_dim: 1 '
                          'input_dim: 1\nlayer { name: "s" type: "Slice" bottom: "data"%s }'
                          % (n, tops), "bvlc")
    layer = net.layer("s")
    layer.tops = [CountingName(t) for t in layer.tops]
    CountingName.calls = 0
    outs = net.outputs()
    assert outs == [f"t{i}" for i in range(n)]
    assert CountingName.calls <= 4 * n, CountingName.calls  # a list scan: ~n*n/2
