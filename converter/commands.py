"""Implementations of the CLI subcommands (argparse namespaces in, exit codes out)."""
from __future__ import annotations

import json
import sys
from pathlib import Path


from .errors import CaffeError
from .reader import load


def _input_shapes(args):
    from .cli import parse_shape

    return parse_shape(args.input_shape) if getattr(args, "input_shape", None) else None


def _resolve(net, shapes):
    if shapes and "" in shapes:
        if len(net.inputs) != 1:
            raise CaffeError(f"the net has inputs {list(net.inputs)}; name one: "
                             "--input-shape data=1,3,500,500", field="input-shape")
        shapes = {next(iter(net.inputs)): shapes[""]}
    return shapes


def cmd_inspect(args) -> int:
    from .summary import describe, render

    net = load(args.model, args.prototxt, args.fork)
    desc = describe(net, _resolve(net, _input_shapes(args)))
    if args.json:
        print(json.dumps(desc, indent=2))
    else:
        print(render(desc))
    return 0


def cmd_convert(args) -> int:
    from .backends import get_backend

    backend = get_backend(args.to)
    net = load(args.model, args.prototxt, args.fork)
    print(f"read {args.model}: fork {net.fork}, {len(net.layers)} layers, "
          f"inputs {dict(net.inputs)}", file=sys.stderr)
    shapes = _resolve(net, _input_shapes(args))
    options = {"torch": {"format": args.format}, "tf": {"saved_model": args.saved_model},
               "onnx": {"dynamic_hw": args.dynamic_hw, "opset": args.opset}}[args.to]
    input_shape = next(iter(shapes.values())) if shapes else None
    paths = backend.convert(net, Path(args.output), input_shape=input_shape, **options)
    for p in paths:
        print(f"wrote {p}")
    return 0


def cmd_parity(args) -> int:
    from .paritycmd import run_parity_command

    return run_parity_command(args)


def cmd_eval(args) -> int:
    from .evaluate import evaluate, format_report

    quiet = bool(args.json_path)
    report = evaluate(args.model, args.voc_root, split=args.split, framework=args.framework,
                      prototxt=args.prototxt, batch_size=args.batch_size,
                      progress=_progress_allowed(quiet), fork=args.fork)
    print(format_report(report))
    if args.json_path:
        from .fileio import write_json_atomic

        write_json_atomic(args.json_path, report)
    return 0


def cmd_infer(args) -> int:
    from .infer import infer

    paths = infer(args.model, args.images, Path(args.output), framework=args.framework,
                  prototxt=args.prototxt, overlay=args.overlay, fork=args.fork,
                  progress=_progress_allowed(False))
    print(f"wrote {len(paths)} files to {args.output}")
    return 0


def cmd_demo(args) -> int:
    from .demo import run_demo

    frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    result = run_demo(Path(args.out), frameworks, progress=_progress_allowed(False))
    return 0 if result.get("pass", True) else 1


def cmd_train(args) -> int:
    from .train.command import run_train

    return run_train(args)


def _progress_allowed(quiet: bool) -> bool:
    import os

    return not quiet and sys.stderr.isatty() and not os.environ.get("CI")
