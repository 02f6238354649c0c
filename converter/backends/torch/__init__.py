"""PyTorch backend (needs the `torch` extra): run, convert and reload Caffe nets.

The contract is in :mod:`caffe2ss.converter.backends`. The rebuild is
:class:`caffe2ss.models.torch.generic.CaffeNet`; the state_dict layout is in
:mod:`.export`. ``run``, ``load_converted``, ``dense_crf`` and ``SUPPORTED_TYPES`` live
in :mod:`.runtime` and are imported (with torch) on first use: :func:`convert` needs
torch only for ``.pt`` (``torch.save``); a ``.safetensors`` is written without it.
"""
from __future__ import annotations

from pathlib import Path

from ...errors import CaffeError
from ...fileio import write_json_atomic
from ...generation import fingerprint
from ...hashing import hash_soon
from ...outpaths import check_outputs
from ...provenance import provenance, sidecar_path
from ...reader.weights import check_weights
from ...weightcheck import check_weights_without_input
from . import export

#: the names :mod:`.runtime` provides (torch is imported when one is first used)
_RUNTIME = ("run", "load_converted", "dense_crf", "SUPPORTED_TYPES")


def __getattr__(name: str):
    if name in _RUNTIME:
        from . import runtime

        return getattr(runtime, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def convert(net, out, *, input_shape=None, format=None, **options) -> list[Path]:
    """Write the state_dict (``.pt``, or ``format="safetensors"``) and its JSON sidecar.

    Raises CaffeError (before writing anything) if a weighted layer has no weights.
    The sources are hashed in a background thread while the weights are written.
    """
    unknown = sorted(k for k, v in options.items() if v not in (None, False))
    if unknown:
        raise CaffeError(f"option(s) {unknown} do not apply to --to torch", field=unknown[0])
    check_weights(net)
    out = Path(out)
    check_outputs("torch", out, net.source.values())
    for source in net.source.values():
        hash_soon(source)  # provenance() waits for it
    fmt = format or ("safetensors" if out.suffix == ".safetensors" else "pt")
    name = next(iter(net.inputs), None)
    if input_shape is not None or all(s is not None for s in net.inputs.values()):
        net.infer_shapes({name: tuple(input_shape)} if input_shape else None)
    else:  # no input size known: still check every weight shape
        check_weights_without_input(net)
    arrays = export.arrays(net)
    layers = export.layer_map(net)
    if fmt == "safetensors":  # the record goes into the header, before the data
        meta = provenance(net, "torch", layers, input_shape)
        digest = export.write(arrays, out, fmt, meta)
    else:  # the sources' hashes finish while the file is written
        digest = export.write(arrays, out, fmt)
        meta = provenance(net, "torch", layers, input_shape)
    meta["weights"] = {"file": out.name, "format": fmt, "sha256": digest}
    meta["fingerprints"] = {out.name: fingerprint(out)}  # checked by load_converted
    side = sidecar_path(out)
    try:
        write_json_atomic(side, meta)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return [out, side]
