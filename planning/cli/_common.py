"""What the commands share: the sample, workspace and date arguments, the subcommand helper."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from planning._core.dates import as_of, period_bounds

if TYPE_CHECKING:
    from planning.workspace import Workspace

#: the first 10-day working meeting after the conference of 2011-12-07
SAMPLE_MEETING = "2011-12-17"

Subcommands = argparse._SubParsersAction


def workspace(source: str | None) -> Workspace:
    """The workspace a command works on: the sample, or a file, folder or URL."""
    from planning.workspace import load_sample, open_workspace  # noqa: PLC0415

    return load_sample() if source in (None, "sample") else open_workspace(source)


def day(text: str) -> date:
    """``--on``: any date form the toolkit reads; a period means its last day (as ``on=``)."""
    try:
        return as_of(text, "--on").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def period(text: str) -> str:
    """``--period``: checked by the toolkit's period reader, passed on as written."""
    try:
        period_bounds(text, "--period")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def command(sub: Subcommands[argparse.ArgumentParser], name: str,
            func: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
    """Add a subcommand that runs ``func(args)``."""
    p = sub.add_parser(name, help=help_, description=help_)
    p.set_defaults(func=func)
    return p
