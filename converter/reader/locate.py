"""Locate where protobuf's parse of a caffemodel's definition fails (offset, field, layer)."""
from __future__ import annotations

from ..errors import CaffeError
from .scan import V1_LAYERS, V2_LAYER, ScannedModel
from .wire import LEN, iter_fields, read_varint


def locate_parse_error(net_class, scanned: ScannedModel) -> tuple[int | None, str, str | None]:
    """Where protobuf's parse of the definition fails: (file offset, field path, layer).

    Descends through message-typed fields, re-parsing each alone with its own class,
    down to the innermost message that does not parse.
    """
    from google.protobuf import message_factory

    data = scanned.definition
    origins = scanned.origins
    counters: dict[int, int] = {}
    for i, (dstart, offset, number) in enumerate(origins):
        dend = origins[i + 1][0] if i + 1 < len(origins) else len(data)
        index = counters.get(number, 0)
        counters[number] = index + 1
        fd = net_class.DESCRIPTOR.fields_by_number.get(number)
        path = _label(fd, number, index)
        try:
            net_class().ParseFromString(data[dstart:dend])
            continue
        except Exception:  # noqa: BLE001 - any protobuf failure: this field is bad
            pass
        layer = None
        if number in (V2_LAYER, V1_LAYERS):
            k = sum(1 for _, _, n in origins[:i] if n in (V2_LAYER, V1_LAYERS))
            layer = scanned.layers[k].name or None if k < len(scanned.layers) else None
        key, _, payload = _split(data, dstart, dend)
        if fd is not None and fd.message_type is not None and key & 7 == LEN \
                and payload[1] <= dend:
            path = _descend(message_factory.GetMessageClass(fd.message_type), data,
                            payload, path, message_factory)
        return offset, path, layer
    return None, "", None


def _label(fd, number: int, index: int) -> str:
    """A field's name for messages: ``name``, ``name[i]`` if repeated, ``#n`` if unknown."""
    if fd is None:
        return f"#{number}"
    return f"{fd.name}[{index}]" if _repeated(fd) else fd.name


def _repeated(fd) -> bool:
    rep = getattr(fd, "is_repeated", None)
    return bool(rep) if rep is not None else fd.label == fd.LABEL_REPEATED


def _split(data, start, end):
    key, pos = read_varint(data, start, end)
    length, pos = read_varint(data, pos, end)
    return key, length, (pos, pos + length)


def _descend(cls, data, rng, path, message_factory) -> str:
    counters: dict[int, int] = {}
    try:
        for n, w, v, _ in iter_fields(data, rng[0], rng[1]):
            fd = cls.DESCRIPTOR.fields_by_number.get(n)
            index = counters.get(n, 0)
            counters[n] = index + 1
            if fd is None or w != LEN:
                continue
            if fd.message_type is None:
                continue
            sub = f"{path}.{_label(fd, n, index)}"
            sub_cls = message_factory.GetMessageClass(fd.message_type)
            try:
                sub_cls().ParseFromString(bytes(data[v[0]:v[1]]))
            except Exception:  # noqa: BLE001
                return _descend(sub_cls, data, v, sub, message_factory)
    except CaffeError:
        pass
    return path
