"""What the commands share: the sample, workspace and date arguments, the subcommand helper."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection
from datetime import date
from typing import TYPE_CHECKING

from planning._core.dates import as_of, period_bounds
from planning._errors import InputError

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


def add_header_options(p: argparse.ArgumentParser, sheet: str) -> None:
    """``--headers FILE`` and ``--header HEADER=FIELD`` for the sheet given with ``sheet``."""
    p.add_argument("--headers", metavar="FILE",
                   help=f"map the headers of the {sheet} sheet to fields: a CSV file (or "
                   "workbook) with the columns header,field (like "
                   "planning/data/ledger_headers.csv)")
    p.add_argument("--header", action="append", default=[], metavar="HEADER=FIELD",
                   help="map one header to a field (repeatable; wins over --headers), e.g. "
                   "--header 工程名称=name_zh")


def header_options(args: argparse.Namespace, *, fields: Collection[str], what: str,
                   sheet_flag: str) -> dict[str, str] | None:
    """The header mapping ``--headers`` and ``--header`` give, checked before any work starts.

    Raises :class:`~planning.InputError` (one line, naming the flag) for a ``--header``
    without ``=``, a field the reader does not know, or flags without ``sheet_flag``.
    """
    from planning.io import read_header_map  # noqa: PLC0415

    given = bool(args.headers or args.header)
    if given and not getattr(args, sheet_flag.lstrip("-").replace("-", "_")):
        msg = (f"--headers and --header map the headers of the sheet given with {sheet_flag}; "
               f"give {sheet_flag} FILE as well, or leave them out.")
        raise InputError(msg)
    mapping: dict[str, tuple[str, str]] = {}
    if args.headers:
        mapping.update((h, (f, f"--headers {args.headers}"))
                       for h, f in read_header_map(args.headers).items())
    for item in args.header:
        header, sep, target = item.partition("=")
        if not sep or not header.strip() or not target.strip():
            msg = (f"--header expects HEADER=FIELD (for example --header 工程名称=name_zh), got "
                   f"{item!r}.")
            raise InputError(msg)
        mapping[header.strip()] = (target.strip(), f"--header {item}")
    for header, (target, flag) in mapping.items():
        if target not in fields:
            msg = (f"{flag}: {target!r} (for the header {header!r}) is not {what} field; the "
                   f"fields are {', '.join(sorted(fields))}.")
            raise InputError(msg)
    return {h: f for h, (f, _) in mapping.items()} or None
