"""The ``caffe2ss`` command line: one module per subcommand (see :data:`.main.COMMANDS`)."""
from .main import build_parser, main

__all__ = ["build_parser", "main"]
