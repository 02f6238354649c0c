"""Match caffemodel weights to layers by name, as Caffe's CopyTrainedLayersFrom does."""
from __future__ import annotations

from .blobs import normalise_rank
from ..errors import CaffeError
from ..ir import Layer, Net
from ..layers import SPECS


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


def _needs_weights(layer: Layer) -> bool:
    """True if Caffe would allocate parameter blobs for this layer (its spec says)."""
    spec = SPECS.get(layer.type)
    return spec is not None and spec.weighted(layer.params)


def missing_weights(net: Net) -> list[str]:
    """Names of layers that need weights the file does not provide."""
    return [l.name for l in net.layers if _needs_weights(l) and not l.blobs]


def check_weights(net: Net) -> None:
    """Raise one :class:`CaffeError` naming every layer without its weights."""
    missing = missing_weights(net)
    if missing:
        raise CaffeError(f"no weights for {', '.join(repr(m) for m in missing)}: give the "
                         ".caffemodel these layers were trained in (weights are matched by "
                         "layer name)", layer=missing[0], field="blobs")
