"""Match caffemodel weights to layers by name, as Caffe's CopyTrainedLayersFrom does."""
from __future__ import annotations

from .blobs import normalise_rank
from ..errors import CaffeError
from ..ir import Layer, Net
from ..layers import SPECS
from ..memplan import check_memory, plan_bytes
from ..shapes import infer_shapes, missing_error, missing_weights  # noqa: F401 (re-exported)


def attach_weights(net: Net, weights) -> None:
    if weights is None:
        return
    by_name: dict[str, Layer] = {}
    for layer in net.layers:
        by_name.setdefault(layer.name, layer)
    for src in weights:
        if not src.blobs:
            continue
        target = by_name.get(src.name)
        if target is None:
            net.warnings.append(f"weights for '{src.name}' have no layer of that name in the "
                                "net; ignored")
            continue
        spec = SPECS[target.type]
        ranks = spec.blob_ranks(target.params, len(src.blobs))
        target.blobs = [normalise_rank(arr, r) if legacy else arr
                        for (arr, legacy), r in zip(src.blobs, ranks + [None] * len(src.blobs))]
        target.legacy_blobs = tuple(i for i, (_, legacy) in enumerate(src.blobs) if legacy)
    for name in missing_weights(net):
        layer = net.layer(name)
        net.warnings.append(f"'{layer.name}' ({layer.type}) has no weights in the "
                            "caffemodel (Caffe would use random filler values)")


def check_weights(net: Net, input_shapes=None, run=None) -> None:
    """Raise one :class:`CaffeError` if the net cannot be converted faithfully.

    Refused: a weighted layer dropped because it consumes a label (the wrong input was
    chosen), a net that keeps none of the caffemodel's weighted layers, and weights that
    disagree with the definition. With known input shapes the first disagreement in
    layer order is reported (missing weights or a wrong shape), as ``inspect`` does;
    otherwise every layer without its weights is named at once.

    ``run`` (optional ``(input shapes, framework)``): also the memory check of a run on
    inputs of those shapes (:func:`..memplan.check_memory`), sharing the one shape
    inference when they are the declared shapes; the errors and their order are those
    of ``check_weights`` followed by ``check_memory``.
    """
    if net.dropped_weighted:
        raise CaffeError(f"weighted layers {', '.join(repr(n) for n in net.dropped_weighted)} "
                         "would be dropped: they consume a label or a dropped blob. Choose "
                         f"the net's input with --input NAME (now: {', '.join(net.inputs)})",
                         layer=net.dropped_weighted[0], field="bottom")
    if net.source_weighted and not net.param_layers():
        raise CaffeError(f"the output would have no parameters, but the caffemodel has "
                         f"{len(net.source_weighted)} weighted layers (e.g. "
                         f"'{net.source_weighted[0]}'): the net definition does not use "
                         "them; check --prototxt and --input", field="blobs")
    need, deferred, complete = _first_disagreement(net, input_shapes, run)
    err = None if complete else missing_error(net)
    if err is not None:
        raise err
    if run is not None:
        if deferred is not None:
            raise deferred  # what check_memory's own inference would raise
        check_memory(net, run[0], run[1], need)


def _first_disagreement(net: Net, input_shapes, run=None) -> tuple:
    """With known input shapes, raise the first layer (in Caffe's order) whose weights are
    missing or have the wrong shape: the same error ``inspect`` reports.

    Returns ``(plan, error, complete)``: with ``run`` on the declared shapes, the memory
    plan of that inference, or the other error it met (raised after the missing-weights
    check); ``complete``: the inference checked every layer's weights (none is missing).
    """
    try:
        shapes = net.resolve_input_shapes(input_shapes)
    except CaffeError:
        return None, None, False  # no shapes known: only missing weights can be checked
    same = run is not None and _same_shapes(net, run[0], shapes)
    try:
        if same:
            return plan_bytes(net, shapes, run[1], require_weights=True), None, True
        infer_shapes(net, shapes, require_weights=True)
    except CaffeError as e:
        if (e.field or "").startswith("blobs"):
            raise
        return None, (e if same else None), False
    return None, None, True


def _same_shapes(net: Net, given: dict, declared: dict) -> bool:
    """True if ``given`` input shapes resolve to exactly the ``declared`` ones."""
    try:
        return net.resolve_input_shapes(given) == declared
    except CaffeError:
        return False
