"""The ``planning`` command.

``planning demo`` is the main job: from the Taiqian sample it writes the meeting pack (the
meeting map, the conflict ledger, the 10-day briefing, the assessment) under ``maps/``.

Other commands: ``info`` (what a workspace holds), ``inspect`` (how a bureau's file reads),
``import`` (files into a workspace), ``check`` (three-plans-in-one conformity), ``map`` (a
meeting map of any workspace), ``sanitation`` (the responsibility zones), ``brief`` (the
10-day meeting briefing), ``assess`` (the ranking of responsible units), ``print`` (thematic
maps and atlases to PDF / PNG / JPEG), ``report`` (review reports of projects, Word or PDF),
``ledger send | merge | lights | notice`` (the round trip with the responsible units).

Each group of subcommands is a module with an ``add_commands(sub)`` function, listed in
:data:`GROUPS` in the order ``planning --help`` shows them.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from planning._version import __version__
from planning.cli import _checks, _data, _ledger, _meeting, _print

log = logging.getLogger("planning")

#: the modules that add subcommands, in the order of ``planning --help``
GROUPS = (_meeting, _data, _checks, _print, _ledger)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planning", description="County planning toolkit (Taiqian sample built in).")
    parser.add_argument("--version", action="version", version=f"planning {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except (ValueError, OSError) as exc:  # the toolkit's errors say what to do
        print(f"planning {args.command}: {exc}", file=sys.stderr)
        return 2
