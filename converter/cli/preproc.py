"""``--mean``, ``--scale``, ``--channel-order``, ``--input-range``: the preprocessing a
net is fed with, printed with where it came from, and overridable."""
from __future__ import annotations

from ..errors import CaffeError, printable


def add_preprocessing_args(p, where: str) -> None:
    """The four overrides (default: the sidecar's, the data layer's, or a family's)."""
    src = "default: the model's own, printed with its source"
    p.add_argument("--mean", help=f"per-channel mean in the net's channel order, e.g. "
                   f"104,117,123, or one value; {where} ({src})")
    p.add_argument("--scale", type=float, help=f"multiplier after the mean ({src}; else 1)")
    p.add_argument("--channel-order", choices=["rgb", "bgr"],
                   help=f"channel order the net takes ({src}; else bgr)")
    p.add_argument("--input-range", choices=["0-255", "0-1"],
                   help=f"pixel range before the mean ({src}; else 0-255)")


def overrides(args) -> dict:
    """The preprocessing fields given on the command line (empty when none)."""
    out = {}
    if getattr(args, "mean", None) is not None:
        try:
            mean = [float(v) for v in args.mean.split(",")]
        except ValueError:
            raise CaffeError(f"bad --mean '{args.mean}': give numbers, e.g. 104,117,123",
                             field="mean") from None
        if len(mean) not in (1, 3):
            raise CaffeError(f"bad --mean '{args.mean}': give 1 or 3 values", field="mean")
        out["mean"] = mean * 3 if len(mean) == 1 else mean
    if getattr(args, "scale", None) is not None:
        out["scale"] = float(args.scale)
    if getattr(args, "channel_order", None):
        out["channel_order"] = args.channel_order.upper()
    if getattr(args, "input_range", None):
        out["value_range"] = args.input_range
    return out


def merged(pre: dict, args) -> dict:
    """``pre`` with the command-line overrides applied, ``source`` saying which."""
    given = overrides(args)
    if not given:
        return dict(pre)
    out = dict(pre, **given)
    flags = ", ".join("--" + k.replace("value_range", "input-range").replace("_", "-")
                      for k in given)
    out["source"] = f"command line ({flags}) over {pre.get('source', 'defaults')}"
    return out


def apply_overrides(net, args) -> None:
    """Write the overrides into ``net.preprocessing`` (so the sidecar records them)."""
    pre = merged(net.preprocessing.as_dict(), args)
    for key, value in pre.items():
        if key == "mean" and value is not None:
            value = tuple(value)
        setattr(net.preprocessing, key, value)


def describe_preprocessing(pre: dict) -> str:
    """One line: order, mean, scale, range and source."""
    source = pre.get("source")
    if source in (None, "", "unknown"):
        source = "default: nothing in the model or its files says otherwise"
    mean = pre.get("mean")
    mean_s = "no mean" if mean is None else "mean " + ",".join(f"{m:g}" for m in mean)
    return printable(f"preprocessing: {pre.get('channel_order', 'BGR')}, {mean_s}, scale "
                     f"{float(pre.get('scale', 1.0) or 1.0):g}, input range "
                     f"{pre.get('value_range', '0-255')} (source: "
                     f"{source})")
