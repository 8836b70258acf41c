"""Reading the ledger sheets bureaus keep.

:func:`read_ledger_sheet` takes one sheet of an ``.xlsx``, ``.xlsm`` or ``.xls`` workbook
(read by :func:`planning.io.read_grid`), fills merged cells from their top-left cell, finds
the header below any title rows (one or two rows; a two-row header is read as upper+lower,
then lower, then upper), maps headers to fields with ``planning/data/ledger_headers.csv`` (and
``headers=``), takes the amount unit the title rows state (``单位：亿元``) for amount columns
whose header names none, and reads every row (:mod:`planning.ledger._sheet_rows`):

- blank rows, template rows (only 序号 filled) and placeholders (``/``, ``—``, ``-``, ``无``)
  are blank; notes and filling instructions (``注：``, ``填写说明``, ``备注：``, signatures)
  are left out; each is noted, none is an error;
- total rows (合计, 总计, 小计, 共计) are left out and noted, with a check of their
  investment against the rows they cover;
- a section heading row (``一、老城改造项目``, ``（一）拆除重建类``, with or without
  sub-totals) sets the category of the rows below it when it names one, and is noted;
- a row either starts a project or, when its project cells are merged with the row above,
  repeat it, or are blank, adds a time node to the project above;
- every cell is parsed and every problem is collected (Excel row, header, value, why),
  formula cells whose value was never computed included, and the sheet is rejected once
  with all of them (:class:`~planning._errors.SheetError`).

Text is stored as the sheet writes it (``（深圳）`` stays ``（深圳）``); headers, words and ids
are compared by key.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planning._core.dates import parse_date
from planning._core.text import compact, instruction_row, is_blank
from planning._errors import InputError, LayerFileError, Problem, SheetError
from planning.io import Grid, read_grid, read_header_map
from planning.ledger._sheet_rows import LedgerColumn, LedgerHeader, RowReader
from planning.ledger._vocab import default_headers, header_fields, header_unit, sheet_unit

log = logging.getLogger(__name__)

_HEADER_SCAN_ROWS = 20
_AS_OF = re.compile(r"截[至止](?:到|日期|时间)?[:：]?\s*(.+?)\s*(?:[)）]|$)")
_YEAR_LED = re.compile(r"^(?:\d{4}|本|当)年度?(.+)$")


# --------------------------------------------------------------------------------------------
# reading


@dataclass
class SheetData:
    """What one ledger sheet holds, cleaned: frames for :class:`planning.Ledger`."""

    projects: pd.DataFrame
    nodes: pd.DataFrame
    as_of: pd.Timestamp | None
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: the Excel row of each row of ``nodes``, in order
    node_rows: list[int] = field(default_factory=list)


def header_mapping(
    extra: Mapping[str, str] | str | os.PathLike[str] | None = None,
) -> dict[str, str]:
    """The header -> field mapping in use: the defaults, then ``extra`` (which wins).

    Parameters
    ----------
    extra : mapping or path, optional
        A dict, or a CSV file (or workbook) with the columns ``header`` and ``field``
        (:func:`planning.io.read_header_map`). Every field must be one the ledger reads
        (:func:`planning.ledger.header_fields`, ``_ignore`` to leave a column out).

    Raises
    ------
    InputError
        When a header maps to a field the ledger does not read (every such header listed).

    Examples
    --------
    >>> mapping = header_mapping({"工程内容": "content"})
    >>> mapping["总投资"], mapping["工程内容"]
    ('investment_wan', 'content')
    """
    mapping = dict(default_headers())
    if extra is None:
        return mapping
    pairs = list(extra.items()) if isinstance(extra, Mapping) else list(
        read_header_map(extra).items())
    fields = header_fields()
    unknown = [Problem("headers", f"{target!r} is not a ledger field", column=str(header),
                       value=str(target)) for header, target in pairs if target not in fields]
    if unknown:
        msg = (f"headers maps {len(unknown)} header(s) to fields the ledger does not read; "
               f"the fields are {', '.join(sorted(fields))}.")
        raise InputError(msg, unknown)
    for header, target in pairs:
        mapping[header_unit(str(header))[0]] = target
    return mapping


def _load_grid(path: Path, sheet: str | int | None) -> Grid:
    """The sheet's values, merged cells filled from their top-left cell, and its merges.

    Read by the one grid reader (:func:`planning.io.read_grid`): only the chosen sheet is
    parsed, memory follows the cells that exist, a hidden sheet is never read in place of a
    visible one; ``.xlsx``, ``.xlsm`` and ``.xls`` are read. A damaged file or one that is no
    workbook is refused with a message saying how to fix it
    (:class:`~planning._errors.LayerFileError`).
    """
    if path.suffix.lower() in (".csv", ".txt"):
        msg = (f"A ledger is read from an Excel workbook (.xlsx or .xls); {path.name} is a CSV "
               "file: open it in Excel or WPS and save it as .xlsx.")
        raise LayerFileError(msg)
    return read_grid(path, sheet)


def _lookup(text: str, mapping: Mapping[str, str]) -> tuple[str | None, float | None]:
    key, unit = header_unit(text)
    if key in mapping:
        return mapping[key], unit
    bare = re.sub(r"\(.*?\)", "", key)
    if bare in mapping:
        return mapping[bare], unit
    year = _YEAR_LED.match(bare)  # 2024年计划投资 -> 年度计划投资, 计划投资
    if year:
        for candidate in (f"年度{year.group(1)}", year.group(1)):
            if candidate in mapping:
                return mapping[candidate], unit
    return None, unit


def _find_header(grid: list[list[Any]], merged: Mapping[tuple[int, int], tuple[int, int]],
                 mapping: Mapping[str, str]) -> tuple[int, int] | None:
    """The first and last header rows (0-based), or None."""
    for r in range(min(_HEADER_SCAN_ROWS, len(grid))):
        fields = {_lookup(str(v), mapping)[0] for v in grid[r] if isinstance(v, str)}
        fields.discard(None)
        if len(fields) >= 2 and fields & {"name_zh", "node_name"}:
            two_rows = r + 1 < len(grid) and _second_header_row(grid, merged, r)
            return r, r + 1 if two_rows else r
    return None


def _second_header_row(grid: list[list[Any]], merged: Mapping[tuple[int, int], tuple[int, int]],
                       r: int) -> bool:
    """True when row r+1 continues the header (merges span both, or split an upper cell)."""
    below = grid[r + 1]
    vertical = any(merged.get((r + 1, c)) == (r, c) for c in range(len(below)))
    split = any(
        merged.get((r, c)) is not None and merged.get((r, c)) != (r, c)
        and merged[(r, c)][0] == r and isinstance(below[c], str) and merged.get((r + 1, c)) is None
        for c in range(len(below))
    )
    return vertical or split


def _shown(value: object) -> str:
    """A header as the sheet shows it, on one line."""
    return " ".join(str(value).split())


def _header_columns(grid: list[list[Any]], first: int, last: int,
                    mapping: Mapping[str, str], default_unit: float | None) -> LedgerHeader:
    columns: dict[str, LedgerColumn] = {}
    notes: list[str] = []
    for c in range(len(grid[first])):
        upper = "" if is_blank(grid[first][c]) else compact(grid[first][c])
        lower = "" if last == first or is_blank(grid[last][c]) else compact(grid[last][c])
        if lower == upper:
            lower = ""
        shown = "/".join(_shown(grid[r][c]) for r in dict.fromkeys((first, last))
                         if not is_blank(grid[r][c]) and (r == first or lower))
        if not shown:
            continue
        candidates = [t for t in (upper + lower if upper and lower else "", lower, upper) if t]
        target: str | None = None
        for candidate in candidates:
            target = _lookup(candidate, mapping)[0]
            if target is not None:
                break
        units = [u for u in (_lookup(t, mapping)[1] for t in (lower, upper) if t)
                 if u is not None]
        unit = units[0] if units else default_unit if default_unit is not None else 1.0
        if target is None:
            notes.append(f"column {shown!r} is not a ledger field and was not read (map it "
                         "with headers={...})")
        elif target == "_ignore":
            continue
        elif target in columns:
            notes.append(f"column {shown!r} also reads as {target}; only column "
                         f"{columns[target].header!r} was read")
        else:
            columns[target] = LedgerColumn(c, target, shown, unit)
    return LedgerHeader(first, last, columns, notes)


def _sheet_unit(grid: list[list[Any]], header_first: int) -> tuple[float | None, str | None]:
    """The amount unit the title rows or the notes state (``单位：亿元``), and where."""
    rows = [*grid[:header_first], *(row for row in grid[header_first:]
                                    if instruction_row(row) is not None)]
    for row in rows:
        for value in dict.fromkeys(v for v in row if isinstance(v, str)):
            unit = sheet_unit(value)
            if unit is not None:
                return unit, value.strip()
    return None, None


def read_ledger_sheet(
    path: str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    headers: Mapping[str, str] | str | os.PathLike[str] | None = None,
    errors: str = "raise",
) -> SheetData:
    """Read one ledger sheet into project and node frames.

    With ``errors="raise"`` every problem is raised at once (:class:`SheetError`); with
    ``errors="skip"`` the projects and nodes with a problem are left out and the problems
    are returned in :attr:`SheetData.problems`.
    """
    if errors not in ("raise", "skip"):
        msg = f"errors must be 'raise' or 'skip', got {errors!r}"
        raise ValueError(msg)
    mapping = header_mapping(headers)
    loaded = _load_grid(Path(path), sheet)
    grid, label = loaded.rows, loaded.label
    found = _find_header(grid, loaded.merged, mapping)
    if found is None:
        msg = (f"No ledger header found in the first {_HEADER_SCAN_ROWS} rows of {label}: "
               "it needs a project name column (项目名称) and at least one more known column "
               "(see planning/data/ledger_headers.csv, or pass headers={...}).")
        raise SheetError(msg, [Problem(label, "no header row found")])
    unit, unit_text = _sheet_unit(grid, found[0])
    header = _header_columns(grid, *found, mapping, unit)
    if unit is not None:
        header.notes.append(f"amounts under headers without a unit are read in "
                            f"{'亿元' if unit == 10_000 else '元' if unit < 1 else '万元'}, "
                            f"as the sheet states ({unit_text!r})")
    reader = RowReader(label, loaded, header)
    reader.read()
    if errors == "raise":
        reader.checker.raise_if_any(
            f"The ledger sheet {label} has rows that cannot be read; fix them in the workbook "
            "and read it again.", SheetError)
    bad_projects, bad_nodes = reader.left_out()
    lone_nodes = {n["_row"] for n in reader.nodes
                  if n["_row"] in bad_nodes and n["_project_row"] not in bad_projects}
    notes = [*loaded.notes, *(f"{label}: {note}" for note in (*header.notes, *reader.notes))]
    if reader.checker.problems:
        notes.append(
            f"{label}: {len(reader.checker.problems)} problem(s); {len(bad_projects)} "
            f"project(s) (with their nodes) and {len(lone_nodes)} node row(s) were left out "
            "(see ledger.problems)")
        log.warning(notes[-1])
    for note in notes:
        log.info(note)
    node_rows = [reader.first_row + n["_row"] for n in reader.nodes
                 if n["_row"] not in bad_nodes and n["_project_row"] not in bad_projects]
    return SheetData(reader.projects_frame(skip=bad_projects),
                     reader.nodes_frame(skip_projects=bad_projects, skip_nodes=bad_nodes),
                     _title_date(grid[: header.first]), notes, list(reader.checker.problems),
                     node_rows)


def _title_date(rows: Sequence[Sequence[Any]]) -> pd.Timestamp | None:
    """The ``截至 2011年12月15日`` date of the title rows, if any."""
    for row in rows:
        for value in dict.fromkeys(v for v in row if isinstance(v, str)):
            match = _AS_OF.search(value)
            if match:
                try:
                    day = parse_date(match.group(1), partial="end")
                except ValueError:
                    continue
                if day is not None:
                    return pd.Timestamp(day)
    return None
