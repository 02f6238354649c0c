"""Help text shared by every subcommand: defaults shown, examples kept as written.

Every option states its default: the formatter appends ``(default: X)`` unless the help
already says "default"; a ``None`` default must be explained in the help itself (a
test checks every option of every subcommand).
"""
from __future__ import annotations

import argparse
import textwrap

#: The one policy for output folders, printed in every subcommand's --help.
OUTPUT_POLICY = ("outputs: every output path is checked before any work starts; the "
                 "folder holding an output must already exist (caffe2ss creates only the "
                 "output directory itself, for infer -o and demo --out, never its parents)")

EXIT_CODES = ("exit status: 0 success (parity: pass), 1 parity mismatch, 2 bad input, "
              "usage or environment (including a write failure), 130 interrupted")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Raw epilogs (examples keep their lines) plus each option's default."""

    def _get_help_string(self, action):
        text = action.help or ""
        if (not action.option_strings or action.required or "default" in text
                or action.default in (None, argparse.SUPPRESS)):
            return text
        if action.default is False:
            return f"{text} (default: off)"
        return f"{text} (default: %(default)s)"


def epilog(examples: str) -> str:
    """A subcommand's epilog: its examples, the output-folder policy, the exit codes."""
    width = 86
    wrap = lambda s: "\n".join(textwrap.wrap(s, width))  # noqa: E731
    return f"examples:\n{examples.rstrip()}\n\n{wrap(OUTPUT_POLICY)}\n\n{wrap(EXIT_CODES)}"
