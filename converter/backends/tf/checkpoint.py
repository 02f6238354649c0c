"""Write TF-layout weights as a ``tf.train.Checkpoint`` and as Keras ``.weights.h5``.

One streaming pass: the checkpoint is saved in shards of at most :data:`SHARD_BYTES`
(a larger variable is stored as slices along its first axis, as TF stores partitioned
variables) and merged; each piece is transposed once and also written into its h5
dataset. Converting a 500 MB caffemodel so needs about one shard of memory beyond the
memory-mapped weights (whose pages :func:`...pages.trimmed` keeps out of the RSS). The files' sha256 (for the sidecar) are computed in
a helper thread as each file is complete, while the next is written.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ...hashing import FinishedFiles
from .tensors import contiguous, eager

#: bytes of tensors handed to one SaveV2 call (one ``.data-NNNNN-of-NNNNN`` file): the
#: memory a conversion holds beyond the framework (64 MiB: TF itself is ~590 MB resident,
#: so a 538 MB model converts within 1.5x its size)
SHARD_BYTES = 1 << 26
#: TF's checkpoint key of a variable: object path + this suffix
KEY_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


def escape(name: str) -> str:
    """TF's escaping of an object name inside a checkpoint key."""
    return name.replace(".", "..").replace("/", ".S")


def checkpoint_key(layer: str, var: str) -> str:
    """The checkpoint key of variable ``var`` of Caffe layer ``layer``."""
    return f"{escape(layer)}/{escape(var)}{KEY_SUFFIX}"


def _object_graph(variables: dict) -> bytes:
    """root -> <caffe layer> -> <variable>, as tf.train.Checkpoint would record it."""
    from tensorflow.core.protobuf import trackable_object_graph_pb2 as tog

    graph = tog.TrackableObjectGraph()
    root = graph.nodes.add()
    for layer, vs in variables.items():
        root.children.add(node_id=len(graph.nodes), local_name=layer)
        node = graph.nodes.add()
        for var in vs:
            node.children.add(node_id=len(graph.nodes), local_name=var)
            graph.nodes.add().attributes.add(name="VARIABLE_VALUE", full_name=f"{layer}/{var}",
                                             checkpoint_key=checkpoint_key(layer, var))
    return graph.SerializeToString()


def _chunks(value: np.ndarray):
    """(first row or None, view) chunks of at most SHARD_BYTES along axis 0."""
    if value.nbytes <= SHARD_BYTES or value.ndim == 0 or value.shape[0] < 2:
        yield None, value
        return
    rows = max(1, SHARD_BYTES // (value.nbytes // value.shape[0]))
    for start in range(0, value.shape[0], rows):
        yield start, value[start:start + rows]


def _shards(variables: dict) -> list[list]:
    """Pieces ``(layer, var, first row or None, view)`` grouped into SaveV2 calls."""
    shards, size = [[]], 0
    for layer, vs in variables.items():
        for var, value in vs.items():
            for start, piece in _chunks(value):
                if shards[-1] and size + piece.nbytes > SHARD_BYTES:
                    shards.append([])
                    size = 0
                shards[-1].append((layer, var, start, piece))
                size += piece.nbytes
    return shards


def _spec(full: np.ndarray, start, piece) -> str:
    """SaveV2's slice spec: "" for a whole tensor, else ``dims start,len:-:...``."""
    if start is None:
        return ""
    dims = " ".join(str(d) for d in full.shape)
    return dims + " " + ":".join([f"{start},{piece.shape[0]}"] + ["-"] * (full.ndim - 1))


def _h5_datasets(f, variables: dict, attrs: dict) -> dict:
    """Keras 3 weights of a ``CaffeModel``: ``<attr>/vars/<i>`` in variable order."""
    f.create_group("vars")  # the model's own variables: none
    out = {}
    for layer, vs in variables.items():
        group = f.create_group(f"{attrs[layer]}/vars")
        group.attrs["name"] = attrs[layer]
        for i, (var, value) in enumerate(vs.items()):
            out[layer, var] = group.create_dataset(str(i), shape=value.shape, dtype=np.float32,
                                                   track_times=False)
    return out


def write_weights(prefix, h5_path, variables: dict, attrs: dict,
                  copied=lambda: None) -> dict[str, str]:
    """Write ``prefix.index`` + ``prefix.data-*`` (checkpoint) and ``h5_path`` in one pass;
    return the sha256 of each file written (by name), hashed in a helper thread as each
    one is complete.

    ``variables``: caffe layer -> {variable name: TF-layout array (may be a view)};
    ``attrs``: caffe layer -> model attribute (the h5 group). Each piece is made
    contiguous (the layout transpose) once and written to both files; ``copied()`` is
    called after each copy (the caller drops the source pages it read).
    """
    import h5py
    import tensorflow as tf

    shards = _shards(variables)
    tmp = [f"{prefix}_temp/part-{i:05d}-of-{len(shards):05d}" for i in range(len(shards))]
    hashes = FinishedFiles()
    with h5py.File(h5_path, "w") as f:
        datasets = _h5_datasets(f, variables, attrs)
        for i, (part, shard) in enumerate(zip(tmp, shards)):
            names, specs, tensors = [], [], []
            for layer, var, start, piece in shard:
                arr = contiguous(piece)
                copied()
                ds = datasets[layer, var]
                if start is None:
                    ds[...] = arr
                else:
                    ds[start:start + arr.shape[0]] = arr
                names.append(checkpoint_key(layer, var))
                specs.append(_spec(variables[layer][var], start, arr))
                tensors.append(eager(arr))
                del arr
            if i == len(shards) - 1:
                names, specs = names + [GRAPH_KEY], specs + [""]
                tensors.append(tf.constant(_object_graph(variables)))
            tf.raw_ops.SaveV2(prefix=part, tensor_names=names, shape_and_slices=specs,
                              tensors=tensors)
            del tensors
            # MergeV2Checkpoints renames this shard's data file to the merged name
            hashes.add(f"{Path(prefix).name}.data-{i:05d}-of-{len(shards):05d}",
                       f"{part}.data-00000-of-00001")
    hashes.add(Path(h5_path).name, h5_path)
    tf.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=tmp, destination_prefix=str(prefix),
                                  delete_old_dirs=True)
    hashes.add(Path(prefix).name + ".index", f"{prefix}.index")
    return hashes.digests()
