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


def test_many_tiny_fields_cost_no_memory_per_field():
    """Finding 13: 25,000 three-byte top-level fields peaked at 44.5x the file size
    (a tuple of origins per field); now only layers leave an origin entry."""
    import tracemalloc

    from caffe2ss.converter.reader.scan import scan_caffemodel

    buf = b"\x1a\x01x" * 25_000  # NetParameter.input = "x", 25,000 times (75 KB)
    scan_caffemodel(buf)  # warm up
    tracemalloc.start()
    try:
        scanned = scan_caffemodel(buf)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * len(buf), peak / len(buf)
    assert scanned.definition == buf and len(scanned.origins) == 0


def test_parse_errors_are_still_located_after_cut_blobs(tmp_path):
    """The compact origins still map a bad field after a layer to its file offset."""
    from caffe2ss.converter import CaffeError, load
    from caffe2ss.protos import caffe_pb2

    layer = caffe_pb2.LayerParameter(name="c", type="Convolution")
    layer.blobs.add(data=[1.0] * 100, shape=caffe_pb2.BlobShape(dim=[100]))
    good = caffe_pb2.NetParameter(layer=[layer]).SerializeToString()
    bad = b"\x32\x01\xff"  # state (NetState): an invalid tag inside, protobuf refuses
    (tmp_path / "m.caffemodel").write_bytes(good + b"\x22\x02\x08\x01" + bad)
    try:
        load(tmp_path / "m.caffemodel")
    except CaffeError as e:
        assert e.offset == len(good) + 4, (e.offset, str(e))
    else:
        raise AssertionError("the truncated field was not refused")


def relu_chain(n: int) -> str:
    """A prototxt of ``n`` in-place ReLUs on a 1x4x2x2 input (the fuzz scale case's shape)."""
    return ('input: "data" input_dim: 1 input_dim: 4 input_dim: 2 input_dim: 2\n' + "".join(
        f'layer {{ name: "r{i}" type: "ReLU" bottom: "data" top: "data" }}\n'
        for i in range(n)))


def test_weight_check_in_shape_inference_is_linear(monkeypatch):
    """require_weights listed every missing layer of the whole net at each weightless
    layer: n*n spec lookups (a torch run of 4,000 in-place ReLUs took 27 s)."""
    from caffe2ss.converter.layers.registry import LayerSpec
    from caffe2ss.converter.shapes import infer_shapes

    n = 2000
    net = load_definition(relu_chain(n), "bvlc")
    calls = []
    real = LayerSpec.weighted
    monkeypatch.setattr(LayerSpec, "weighted", lambda self, p: calls.append(1) or real(self, p))
    infer_shapes(net, net.resolve_input_shapes(), require_weights=True)
    assert len(calls) <= 2 * n, len(calls)


def test_layers_without_parameters_share_one_parse():
    """Per-layer work is constant: n in-place ReLUs without relu_param parse their
    defaults once (the parameters are immutable and shared)."""
    from caffe2ss.converter.layers import SPECS

    spec = SPECS["ReLU"]
    calls = []
    real = spec.parse
    object.__setattr__(spec, "parse", lambda p, ctx: calls.append(1) or real(p, ctx))
    try:
        net = load_definition(relu_chain(500), "bvlc")
        net2 = load_definition(relu_chain(1000), "bvlc")
    finally:
        object.__setattr__(spec, "parse", real)
    assert len(calls) <= 1, len(calls)  # once per process, for every net
    assert net.layers[0].params is net2.layers[-1].params


def test_module_keys_do_not_scan_a_list_per_layer():
    """The PyTorch module keys of n weighted layers: an ordered set, not a list scan."""
    from caffe2ss.models.naming import module_keys

    n = 2000
    net = load_definition('input: "data" input_dim: 1 input_dim: 1 input_dim: 1 '
                          'input_dim: 1\n' + "".join(
                              f'layer {{ name: "p{i}" type: "PReLU" bottom: "data" '
                              'top: "data" }\n' for i in range(n)), "bvlc")
    for layer in net.layers:
        layer.name = CountingName(layer.name)
    CountingName.calls = 0
    keys = module_keys(net)
    assert len(keys) == n
    assert CountingName.calls <= 4 * n, CountingName.calls  # a list scan: ~n*n/2


def test_a_scale_case_prototxt_takes_the_token_lane():
    """The 100k-layer fuzz case's text is read by the whitespace-token lane (a change
    that sent it to the regular-expression lane or to protobuf would be far slower)."""
    from caffe2ss.converter.reader import textsplit
    from caffe2ss.protos import caffe_pb2

    fields = textsplit.fields(relu_chain(1000), caffe_pb2.NetParameter.DESCRIPTOR)
    assert len(fields["layer"]) == 1000
