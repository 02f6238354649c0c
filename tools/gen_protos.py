"""Regenerate the committed protobuf modules in ``protos/``.

The schemas ``protos/caffe.proto`` (BVLC), ``protos/deeplab_v1.proto``,
``protos/deeplab_v2.proto`` and ``protos/ceil_mode.proto`` are compiled with
grpcio-tools' bundled protoc (``python -m grpc_tools.protoc -I protos --python_out=<tmp>``) into a temporary
directory. protoc writes the cross-file import of the fork schemas as a bare
``import caffe_pb2 as caffe__pb2``; that line is rewritten to the
package-relative ``from . import caffe_pb2 as caffe__pb2`` so the modules work
as ``caffe2ss.protos``. The results are then copied to ``protos/``.

Usage::

    python tools/gen_protos.py           # rewrite protos/*_pb2.py
    python tools/gen_protos.py --check   # exit 1 and list stale files

The output depends only on the .proto files and the grpcio-tools version
(pinned in pyproject.toml's ``dev`` extra), so it is deterministic.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTO_DIR = os.path.join(REPO, "protos")
SCHEMAS = ("caffe.proto", "deeplab_v1.proto", "deeplab_v2.proto", "ceil_mode.proto",
           "segnet.proto", "inisis.proto", "pspnet.proto", "ssd.proto")

# protoc's import of a sibling generated module, e.g.
# "import caffe_pb2 as caffe__pb2"; only names of our own schemas are touched.
_BARE_IMPORT = re.compile(
    r"^import (%s) as (\w+)$"
    % "|".join(re.escape(name[: -len(".proto")] + "_pb2") for name in SCHEMAS),
    re.MULTILINE,
)


def _generated_name(proto_name):
    return proto_name[: -len(".proto")] + "_pb2.py"


def generate():
    """Compile the schemas; return {file name: generated source text}."""
    try:
        import grpc_tools  # noqa: F401  (only checks that it is installed)
    except ImportError:
        sys.exit(
            "gen_protos: grpcio-tools is not installed; "
            "install it with: pip install 'caffe2ss[dev]' (or grpcio-tools==1.85.1)"
        )
    with tempfile.TemporaryDirectory(prefix="caffe2ss-protos-") as out_dir:
        cmd = [sys.executable, "-m", "grpc_tools.protoc", "-I", "protos",
               "--python_out=" + out_dir] + ["protos/" + name for name in SCHEMAS]
        result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit("gen_protos: protoc failed:\n" + result.stderr)
        generated = {}
        for proto_name in SCHEMAS:
            name = _generated_name(proto_name)
            with open(os.path.join(out_dir, name), encoding="utf-8", newline="") as handle:
                text = handle.read()
            generated[name] = _BARE_IMPORT.sub(r"from . import \1 as \2", text)
    return generated


def _read(path):
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Regenerate protos/*_pb2.py from protos/*.proto with grpc_tools.protoc.",
        epilog="example: python tools/gen_protos.py --check",
    )
    parser.add_argument(
        "--check", action="store_true",
        help="only compare with the committed files; exit 1 listing stale ones",
    )
    args = parser.parse_args(argv)

    generated = generate()
    stale = [name for name, text in sorted(generated.items())
             if _read(os.path.join(PROTO_DIR, name)) != text]
    if args.check:
        if stale:
            print("stale generated files (run python tools/gen_protos.py):")
            for name in stale:
                print("  protos/" + name)
            return 1
        print("protos/*_pb2.py are up to date")
        return 0
    for name, text in sorted(generated.items()):
        with open(os.path.join(PROTO_DIR, name), "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    print("wrote " + ", ".join("protos/" + name for name in sorted(generated))
          + (" (%d changed)" % len(stale)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
