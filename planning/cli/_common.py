"""What the commands share: the arguments every command checks the same way, and the errors.

Every argument a command takes is checked when the command line is read, before any work
starts or any output is written: files to read exist and are files (never a named pipe or a
link that loops), outputs end in the suffix of what is written, text encodings, CRSs,
counties, datum shifts, dates and periods are what they say. A bad argument is one line and
exit status 2 (:func:`planning.cli.main`).

Each group of subcommands adds its commands with :func:`command` and uses these argument
types (``type=output(".xlsx", what="the conflict ledger")``, ``type=existing``, ...).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
from collections.abc import Callable, Collection
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planning._core.dates import as_of, period_bounds
from planning._errors import InputError

if TYPE_CHECKING:
    from planning.county import County
    from planning.datum import Helmert7, PlaneSimilarity
    from planning.workspace import Workspace

#: the first 10-day working meeting after the conference of 2011-12-07
SAMPLE_MEETING = "2011-12-17"

Subcommands = argparse._SubParsersAction

#: what a workspace can be saved as (``-o`` of ``import`` and ``new``): "" is a folder
WORKSPACE_SUFFIXES = (".gpkg", ".gdb", "")
#: sheets the toolkit reads (ledgers, inspections)
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")


def workspace(source: str | None, *, county: County | None = None,
              check_extent: bool = True) -> Workspace:
    """The workspace a command works on: the sample, or a file, folder or URL."""
    from planning.workspace import load_sample, open_workspace  # noqa: PLC0415

    if source in (None, "sample"):
        return load_sample()
    return open_workspace(source, county=county, check_extent=check_extent)


def _fail(error: Exception) -> argparse.ArgumentTypeError:
    """An argument error carrying the toolkit's message, in the command line's terms."""
    return argparse.ArgumentTypeError(flags(str(error)))


def day(text: str) -> date:
    """``--on``: any date form the toolkit reads; a period means its last day (as ``on=``)."""
    try:
        return as_of(text, "--on").date()
    except ValueError as exc:
        raise _fail(exc) from None


def period(text: str) -> str:
    """``--period``: checked by the toolkit's period reader, passed on as written."""
    try:
        period_bounds(text, "--period")
    except ValueError as exc:
        raise _fail(exc) from None
    return text


def existing(text: str) -> str:
    """A file or folder to read: it exists and is one (not a named pipe, a link that loops,
    an empty or truncated file)."""
    from planning.io import check_file  # noqa: PLC0415

    try:
        check_file(text)
    except (ValueError, OSError) as exc:
        raise _fail(exc) from None
    return text


def workspace_source(text: str) -> str:
    """A workspace to open: ``sample``, a ``postgresql://`` URL, or a .gpkg / .gdb / folder."""
    if text == "sample" or text.startswith(("postgresql://", "postgresql+psycopg://",
                                            "postgres://")):
        return text
    existing(text)
    path = Path(text)
    if not path.is_dir() and path.suffix.lower() not in (".gpkg", ".gdb"):
        msg = (f"{text} is not a workspace: give a GeoPackage (.gpkg), a File Geodatabase "
               "(.gdb), a folder saved by the toolkit, a postgresql:// URL, or 'sample'. Read "
               "a single layer file with planning inspect.")
        raise argparse.ArgumentTypeError(msg)
    return text


def sheet_file(text: str) -> str:
    """A sheet to read (ledger, inspections): an existing .xlsx, .xlsm, .xls or .csv file."""
    suffix = Path(text).suffix.lower()
    if suffix not in SHEET_SUFFIXES:
        msg = (f"{text}: a sheet is read from an Excel workbook (.xlsx, .xlsm, .xls) or a CSV "
               f"file (.csv), and this is {suffix or 'a file without suffix'}.")
        raise argparse.ArgumentTypeError(msg)
    existing(text)
    if Path(text).is_dir():
        msg = f"{text} is a folder, not a workbook."
        raise argparse.ArgumentTypeError(msg)
    return text


def sheet(text: str) -> str | int:
    """``--sheet``: a sheet's name, or its position counted from 1 (``--sheet 2``: the second
    sheet); ``name:2011`` for a sheet whose name is a number."""
    if text.startswith("name:"):
        return text[len("name:"):]
    if text.strip().isdigit():
        number = int(text)
        if number < 1:
            msg = f"a sheet's position counts from 1 (the first sheet), got {text!r}."
            raise argparse.ArgumentTypeError(msg)
        return number - 1
    if not text.strip():
        msg = "a sheet's name cannot be blank."
        raise argparse.ArgumentTypeError(msg)
    return text


def encoding(text: str) -> str:
    """``--encoding``: a text encoding Python knows (gbk, gb18030, utf-8, big5, ...)."""
    from planning.io import check_encoding  # noqa: PLC0415

    try:
        return check_encoding(text)
    except ValueError as exc:
        raise _fail(exc) from None


def crs(text: str) -> str:
    """``--crs``: a CRS pyproj knows (EPSG:4548, WKT, PROJ), or GCJ-02 (AMap/Gaode)."""
    from planning.crs import is_gcj02, parse_crs  # noqa: PLC0415

    if is_gcj02(text):
        return text
    try:
        parse_crs(text)
    except ValueError as exc:
        raise _fail(exc) from None
    return text


def county(text: str) -> County:
    """``--county``: a six-digit code (410927) or a unique name (台前县) of the county table."""
    from planning.county import County  # noqa: PLC0415

    try:
        if text.strip().isdigit():
            return County.from_code(text.strip())
        return County.from_name(text)
    except ValueError as exc:
        raise _fail(exc) from None


def datum_shift(text: str) -> Helmert7 | PlaneSimilarity:
    """``--datum-shift``: the bureau's parameters (see :func:`planning.datum.parse_datum_shift`)."""
    from planning.datum import parse_datum_shift  # noqa: PLC0415

    try:
        return parse_datum_shift(text)
    except ValueError as exc:
        raise _fail(exc) from None


def output(*suffixes: str, what: str, folder: bool = False, new: bool = False
           ) -> Callable[[str], str]:
    """An argument type for an output path: its suffix must be one of ``suffixes`` (``""``:
    a folder), it must not be a named pipe or a folder where a file is written, and with
    ``new`` it must not exist yet."""
    shown = ", ".join(s for s in suffixes if s) + (" or a folder" if "" in suffixes else "")

    def check(text: str) -> str:
        path = Path(text)
        if folder:
            if path.exists() and not path.is_dir():
                msg = f"{text} is a file; {what} is a folder: give a folder's path."
                raise argparse.ArgumentTypeError(msg)
            return text
        suffix = path.suffix.lower()
        if suffix not in suffixes:
            msg = (f"{text} does not end in {' or '.join(s for s in suffixes if s)}, and "
                   f"{what} can only be written as {shown} (got {suffix or 'no suffix'}).")
            raise argparse.ArgumentTypeError(msg)
        if new and (path.exists() or path.is_symlink()):
            msg = f"{text} exists already: this command starts a new one; give another path."
            raise argparse.ArgumentTypeError(msg)
        _writable(path, suffix, text)
        return text

    return check


def _writable(path: Path, suffix: str, text: str) -> None:
    if path.is_symlink() and not path.exists():
        msg = f"{text} is a symbolic link to nothing (or one that loops): give a real path."
        raise argparse.ArgumentTypeError(msg)
    if path.exists() and not (path.is_file() or (suffix in ("", ".gdb") and path.is_dir())):
        kind = "a folder" if path.is_dir() else "not a regular file"
        msg = f"{text} is {kind}: it cannot be written as a file."
        raise argparse.ArgumentTypeError(msg)
    parent = next((p for p in path.absolute().parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        msg = f"{text}: {parent} is a file, so nothing can be written under it."
        raise argparse.ArgumentTypeError(msg)
    if parent is not None and not os.access(parent, os.W_OK):
        msg = f"{text}: the folder {parent} cannot be written to (permission denied)."
        raise argparse.ArgumentTypeError(msg)


def add_reading_options(p: argparse.ArgumentParser) -> None:
    """The options of reading a layer file, shared by ``inspect`` and ``import``."""
    p.add_argument("--layer", help="the layer to read from a multi-layer source (a GeoPackage, "
                   "File Geodatabase, a folder or zip holding several)")
    p.add_argument("--encoding", type=encoding,
                   help="text encoding of a Shapefile's .dbf (e.g. gbk), overriding the .cpg")
    p.add_argument("--crs", type=crs, help="CRS of the coordinates when the file has none or a "
                   "wrong one (EPSG:4548, ...; GCJ-02 for AMap/Gaode longitude/latitude)")
    p.add_argument("--county", type=county, help="the county the data belongs to: its "
                   "6-digit code or name (its CRS and its extent check)")
    p.add_argument("--no-extent-check", dest="check_extent", action="store_false",
                   help="read layers that lie far from the county (or outside China)")
    p.add_argument("--datum-shift", type=datum_shift, metavar="SPEC",
                   help="Xian 1980 / Beijing 1954 to CGCS2000 with the bureau's parameters: "
                   "helmert7:coordinate_frame|position_vector:DX,DY,DZ,RX,RY,RZ,PPM or "
                   "plane4:north_east|east_north:DX,DY,ROTATION,PPM")


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


# --- messages in the terms of the command line --------------------------------------------

#: how the library's messages name its arguments -> the flags of the command line
_FLAGS: tuple[tuple[str, str], ...] = (
    (r"read_layer\(\.\.\., encoding='\.\.\.'\)", "--encoding ..."),
    (r"\bencoding=('[^']*'|\.\.\.)", r"--encoding \1"),
    (r"\bcrs=('[^']*'|\"[^\"]*\"|\.\.\.)", r"--crs \1"),
    (r"\bswap_xy=True\b", "--swap-xy"),
    (r"\bcheck_extent=False\b", "--no-extent-check"),
    (r"\blayer=('[^']*'|\.\.\.)", r"--layer \1"),
    (r"\bsheet=('[^']*'|\.\.\.)", r"--sheet \1"),
    (r"\bdatum_shift=planning\.datum\.Helmert7\(\.\.\.\) or PlaneSimilarity\(\.\.\.\) "
     r"\(see planning\.datum\)", "--datum-shift helmert7:...|plane4:... (see "
                                "planning inspect --help)"),
    (r"\bdatum_shift=", "--datum-shift "),
    (r"\bOr pass county=\.\.\. or to_crs=\.\.\.", "Or pass --county CODE"),
    (r"\bcounty=\.\.\. or to_crs=\.\.\. chooses it", "--county CODE chooses it"),
    (r" \(county=\.\.\.\)", " (--county CODE)"),
    (r"\bcounty=\.\.\.", "--county CODE"),
    (r"open the whole file with planning\.open_workspace\(\)", "open the whole file with "
                                                              "planning info FILE"),
    (r"Say which with province=\.\.\. and city=\.\.\., or use County\.from_code\(\.\.\.\)",
     "Give the code of the one you mean (--county CODE)"),
    (r"Look it up with County\.from_name\(\.\.\.\) or planning\.county\.counties\(\)",
     "--county takes a county's name too (--county 台前县)"),
    (r"give its Chinese name as the table has it \(台前县\), or its code with "
     r"County\.from_code\(\.\.\.\)", "give its Chinese name as the table has it (--county "
                                       "台前县), or its 6-digit code"),
    (r"\bto_crs=\.\.\.", "--county CODE"),
)


def flags(message: str) -> str:
    """A library message with its argument names written as command-line flags.

    Examples
    --------
    >>> flags("Pass crs=... or swap_xy=True; check_extent=False reads it anyway.")
    'Pass --crs ... or --swap-xy; --no-extent-check reads it anyway.'
    """
    for pattern, replacement in _FLAGS:
        message = re.sub(pattern, replacement, message)
    return re.sub(r"--(\w+) '([^' ]*)'", r"--\1 \2", message)


class FlagsFormatter(logging.Formatter):
    """Log records (the notes of a read) with the library's argument names as flags."""

    def format(self, record: logging.LogRecord) -> str:
        return flags(super().format(record))


def error_text(exc: BaseException) -> str:
    """The message of an error as the command line shows it: its first line complete on its
    own (the summary and the first problem), further problems on numbered lines after it."""
    problems: list[Any] = list(exc.problems) if isinstance(exc, InputError) else []
    text = str(exc).split("\n", 1)[0] if problems else " ".join(str(exc).split())
    if problems:
        first = str(problems[0])
        summary = text.rstrip(".")
        source = str(problems[0].source)
        if source and summary.startswith(source) and first.startswith(source):
            first = first[len(source):].lstrip(", :")  # the summary names the file already
        text = f"{summary}: {first}"
        text += "".join(f"\n  {i}. {p}" for i, p in enumerate(problems[1:], start=2))
    return flags(text)
