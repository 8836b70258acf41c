"""The ``planning`` command.

``planning demo`` is the main job: from the Taiqian sample it writes the meeting pack (the
meeting map, the conflict ledger, the 10-day briefing, the assessment) under ``maps/``.

Other commands: ``info`` (what a workspace holds), ``inspect`` (how a bureau's file reads),
``import`` (files into a workspace), ``new`` (a workspace for any county, with its real
outline), ``check`` (three-plans-in-one conformity), ``map`` (a meeting map of any workspace),
``sanitation`` (the responsibility zones), ``brief`` (the 10-day meeting briefing),
``assess`` (the ranking of responsible units), ``stats`` (the land-survey summary and the
GB 50137 balance tables), ``inspect-quality`` (质检), ``print`` (thematic maps and atlases to
PDF / PNG / JPEG), ``report`` (review reports of projects, Word or PDF), ``ledger send |
merge | lights | notice`` (the round trip with the responsible units).

Each group of subcommands is a module with an ``add_commands(sub)`` function, listed in
:data:`GROUPS` in the order ``planning --help`` shows them.

Bad input never shows a traceback: every argument is checked when the command line is read
(:mod:`planning.cli._common`), before any work starts or any output is written; an error of
the toolkit (a ``ValueError`` or ``OSError``: :class:`planning.InputError`,
:class:`planning.LayerFileError`, ...) is shown as one message, in the terms of the command
line (``--crs``, not ``crs=``), and the exit status is 2. Warnings are one line each.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn, TextIO

from planning._version import __version__
from planning.cli import _checks, _data, _ledger, _meeting, _print, _survey
from planning.cli._common import FlagsFormatter, error_text

log = logging.getLogger("planning")

#: the modules that add subcommands, in the order of ``planning --help``
GROUPS = (_meeting, _data, _checks, _survey, _print, _ledger)

#: exit status of bad input (arguments, files, data), as argparse uses it
BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (no usage block): ``planning CMD: error: ...``."""

    def error(self, message: str) -> NoReturn:
        self.exit(BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="planning", description="County planning toolkit (Taiqian sample built in).")
    parser.add_argument("--version", action="version", version=f"planning {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for group in GROUPS:
        group.add_commands(sub)
    return parser


def _one_line_warning(message: Warning | str, category: type[Warning],  # noqa: PLR0917
                      filename: str, lineno: int, file: TextIO | None = None,
                      line: str | None = None) -> None:
    """``warnings.showwarning`` for the command line: one line, no source code."""
    del filename, lineno, line
    print(f"planning: warning: {' '.join(str(message).split())} ({category.__name__})",
          file=file or sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help, --version, or a bad argument (already printed)
        return done.code if isinstance(done.code, int) else BAD_INPUT
    handler = logging.StreamHandler()
    handler.setFormatter(FlagsFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        handlers=[handler])
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        try:
            return int(args.func(args))
        except BrokenPipeError:  # the reader went away (planning inspect ... | head)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except (ValueError, OSError) as exc:  # the toolkit's errors say what to do
            print(f"planning {args.command}: error: {error_text(exc)}", file=sys.stderr)
            return BAD_INPUT
        except ImportError as exc:
            if "pip install" not in str(exc):  # an optional extra that is missing says so
                raise
            print(f"planning {args.command}: error: {error_text(exc)}", file=sys.stderr)
            return BAD_INPUT
        except KeyboardInterrupt:
            print(f"planning {args.command}: interrupted", file=sys.stderr)
            return 130
