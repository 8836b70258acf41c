"""Reading the ledger sheets bureaus keep.

:func:`read_ledger_sheet` takes one sheet, fills merged cells from their top-left
cell, finds the header below any title rows (one or two rows; a two-row header is read as
upper+lower, then lower, then upper), maps headers to fields with
``planning/data/ledger_headers.csv`` and reads every row:

- blank rows are skipped; total rows (合计, 总计, 小计, 共计) are left out and noted, with a
  check of the total investment against the rows;
- a section heading row (one text across the row, such as ``一、老城改造项目``) sets the
  category of the rows below it when it names one, and is noted;
- a row either starts a project or, when its project cells are merged with the row above,
  repeat it, or are blank, adds a time node to the project above;
- every cell is parsed and every problem is collected (Excel row, header, value, why), and
  the sheet is rejected once with all of them (:class:`~planning._errors.SheetError`).
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning._core.dates import parse_date
from planning._core.text import clean_text, compact, is_blank
from planning._errors import LayerFileError, Problem, SheetError
from planning._validate import Checker
from planning.io import Grid, read_grid
from planning.ledger._vocab import (
    CATEGORIES,
    STATUSES,
    default_headers,
    header_unit,
    heading_category,
    parse_amount,
    value_code,
)

log = logging.getLogger(__name__)

_HEADER_SCAN_ROWS = 20
_TOTAL_WORDS = ("合计", "总计", "小计", "共计", "累计")
_AS_OF = re.compile(r"截[至止](?:到)?[:：]?\s*(.+?)\s*(?:[)）]|$)")
_NOT_DONE = {"未完成", "未", "否", "进行中", "正在进行", "推进中", "在建", "未开始", "没有"}
_DONE_WORDS = {"已完成", "完成", "是", "已办结", "办结", "已竣工", "竣工"}
_PROJECT_FIELDS = (
    "project_id", "name_zh", "name_en", "category", "township", "lead_department",
    "investment_wan", "start_date", "planned_completion", "status", "listed_in",
)
_NODE_FIELDS = ("node_id", "node_seq", "node_name", "node_due", "node_done")
_NODE_PROBLEM_FIELDS = frozenset({*_NODE_FIELDS, "responsible"})
#: project fields a node row must not contradict (when it repeats its project's cells)
_REPEATED_FIELDS = (
    "name_en", "category", "township", "lead_department", "support_units", "investment_wan",
    "investment_year_wan", "investment_done_wan", "start_date", "planned_completion",
    "status", "listed_in", "content", "location",
)


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


@dataclass
class _Column:
    index: int
    field: str
    header: str
    unit_wan: float


@dataclass
class _Header:
    first: int  # 0-based grid rows
    last: int
    columns: dict[str, _Column]
    notes: list[str]


def header_mapping(
    extra: Mapping[str, str] | str | os.PathLike[str] | None = None,
) -> dict[str, str]:
    """The header -> field mapping in use: the defaults, then ``extra`` (which wins).

    Parameters
    ----------
    extra : mapping or path, optional
        A dict, or a CSV file with the columns ``header`` and ``field``.

    Examples
    --------
    >>> mapping = header_mapping({"工程内容": "content"})
    >>> mapping["总投资"], mapping["工程内容"]
    ('investment_wan', 'content')
    """
    mapping = dict(default_headers())
    if extra is None:
        return mapping
    if isinstance(extra, Mapping):
        pairs = list(extra.items())
    else:
        with Path(extra).open(encoding="utf-8-sig", newline="") as handle:
            pairs = [(row["header"], row["field"]) for row in csv.DictReader(handle)
                     if row.get("header") and not row["header"].startswith("#")]
    for header, target in pairs:
        mapping[header_unit(header)[0]] = target
    return mapping


def _load_grid(path: Path, sheet: str | int | None) -> Grid:
    """The sheet's values, merged cells filled from their top-left cell, and its merges.

    Read by the one grid reader (:func:`planning.io.read_grid`): only the chosen sheet is
    parsed, memory follows the cells that exist, a hidden sheet is never read in place of a
    visible one. An ``.xls`` file or a damaged one is refused with a message saying how to
    fix it (:class:`~planning._errors.LayerFileError`).
    """
    if path.suffix.lower() in (".csv", ".txt"):
        msg = (f"A ledger is read from an Excel workbook (.xlsx); {path.name} is a CSV file: "
               "open it in Excel or WPS and save it as .xlsx.")
        raise LayerFileError(msg)
    return read_grid(path, sheet)


def _lookup(text: str, mapping: Mapping[str, str]) -> tuple[str | None, float]:
    key, unit = header_unit(text)
    if key in mapping:
        return mapping[key], unit
    bare = re.sub(r"\(.*?\)", "", key)
    return mapping.get(bare), unit


def _find_header(grid: list[list[Any]], merged: Mapping[tuple[int, int], tuple[int, int]],
                 mapping: Mapping[str, str]) -> _Header | None:
    for r in range(min(_HEADER_SCAN_ROWS, len(grid))):
        fields = {_lookup(str(v), mapping)[0] for v in grid[r] if isinstance(v, str)}
        fields.discard(None)
        if len(fields) >= 2 and fields & {"name_zh", "node_name"}:
            two_rows = r + 1 < len(grid) and _second_header_row(grid, merged, r)
            return _header_columns(grid, r, r + 1 if two_rows else r, mapping)
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
                    mapping: Mapping[str, str]) -> _Header:
    columns: dict[str, _Column] = {}
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
        found: tuple[str | None, float] = (None, 1.0)
        for candidate in candidates:
            found = _lookup(candidate, mapping)
            if found[0] is not None:
                break
        target, unit = found
        unit = min((_lookup(t, mapping)[1] for t in (upper, lower) if t), key=lambda u: u != 1.0,
                   default=unit)
        if target is None:
            notes.append(f"column {shown!r} is not a ledger field and was not read (map it "
                         "with headers={...})")
        elif target == "_ignore":
            continue
        elif target in columns:
            notes.append(f"column {shown!r} also reads as {target}; only column "
                         f"{columns[target].header!r} was read")
        else:
            columns[target] = _Column(c, target, shown, unit)
    return _Header(first, last, columns, notes)


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
    source = Path(path)
    loaded = _load_grid(source, sheet)
    grid, merged, label = loaded.rows, loaded.merged, loaded.label
    header = _find_header(grid, merged, header_mapping(headers))
    if header is None:
        msg = (f"No ledger header found in the first {_HEADER_SCAN_ROWS} rows of {label}: "
               "it needs a project name column (项目名称) and at least one more known column "
               "(see planning/data/ledger_headers.csv, or pass headers={...}).")
        raise SheetError(msg, [Problem(label, "no header row found")])
    reader = _RowReader(label, grid, merged, header, first_row=loaded.first_row)
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


class _RowReader:
    """Reads the body rows below a header, collecting records, notes and problems."""

    def __init__(self, label: str, grid: list[list[Any]],
                 merged: Mapping[tuple[int, int], tuple[int, int]], header: _Header, *,
                 first_row: int = 1) -> None:
        self.label = label
        self.first_row = first_row  # the Excel row of grid row 0
        self.grid = grid
        self.merged = merged
        self.columns = dict(header.columns)
        self.start = header.last + 1
        self.checker = Checker()
        self.notes: list[str] = []
        self.projects: list[dict[str, Any]] = []
        self.nodes: list[dict[str, Any]] = []
        self._seen: dict[str, int] = {}
        self._bad: list[tuple[int, str]] = []
        self._category: str | None = None
        self.has_nodes = "node_name" in self.columns
        if not self.has_nodes:
            for node_field, project_field in (("node_due", "planned_completion"),
                                              ("node_done", "progress")):
                if node_field in self.columns and project_field not in self.columns:
                    self.columns[project_field] = self.columns.pop(node_field)

    # -- helpers ------------------------------------------------------------------------
    def _excel(self, row: int) -> int:
        """The row number Excel shows for grid row ``row``."""
        return self.first_row + row

    def _problem(self, row: int, name: str, value: object, why: str) -> None:
        column = self.columns[name].header if name in self.columns else name
        self.checker.add(Problem(self.label, why, row=self._excel(row), column=column,
                                 value=None if is_blank(value) else str(value)))
        self._bad.append((row, name))

    def left_out(self) -> tuple[set[int], set[int]]:
        """Rows (0-based) of the projects and of the nodes that have a problem.

        A problem in a node field leaves the node out; one in a project field leaves the
        project out (with its nodes) when the row starts the project, else the node row.
        """
        starts = {p["_row"] for p in self.projects}
        projects, nodes = set(), set()
        for row, name in self._bad:
            if name in _NODE_PROBLEM_FIELDS or row not in starts:
                nodes.add(row)
            else:
                projects.add(row)
        return projects, nodes

    def _cell(self, r: int, name: str) -> Any:
        col = self.columns.get(name)
        return None if col is None else self.grid[r][col.index]

    # -- rows ---------------------------------------------------------------------------
    def read(self) -> None:
        for r in range(self.start, len(self.grid)):
            values = [v for v in self.grid[r] if not is_blank(v)]
            if not values:
                continue
            if self._is_total(r):
                self._total(r)
                continue
            distinct = set(map(str, values))
            if len(distinct) == 1 and isinstance(values[0], str) and len(self.columns) > 1:
                self._heading(r, values[0])
                continue
            self._data_row(r)
        self._check_node_ids()
        if "project_id" not in self.columns and self.projects:
            self.notes.append("the sheet has no project id column (项目编号): ids XM001, "
                              "XM002, ... were given in row order")

    def _check_node_ids(self) -> None:
        seen: dict[str, int] = {}
        for node in self.nodes:
            ident = node["node_id"]
            if is_blank(ident):
                continue
            if ident in seen:
                self._problem(node["_row"], "node_id", ident, f"the node id is also used in row "
                              f"{self._excel(seen[ident])}; node ids must be unique")
            else:
                seen[ident] = node["_row"]

    def _is_total(self, r: int) -> bool:
        firsts = [compact(v) for v in self.grid[r][:4] if isinstance(v, str) and v.strip()]
        return any(text.startswith(_TOTAL_WORDS) for text in firsts[:2])

    def _total(self, r: int) -> None:
        note = f"row {self._excel(r)} is a total row and was left out"
        col = self.columns.get("investment_wan")
        if col is not None and not is_blank(self.grid[r][col.index]):
            with contextlib.suppress(ValueError):
                stated = parse_amount(self.grid[r][col.index], unit_wan=col.unit_wan)
                summed = float(np.nansum([p["investment_wan"] for p in self.projects]))
                if not np.isclose(stated, summed, rtol=1e-6, atol=0.5):
                    note += (f"; its investment ({stated:g} 万元) differs from the sum of the "
                             f"project rows above it ({summed:g} 万元)")
        self.notes.append(note)

    def _heading(self, r: int, text: str) -> None:
        code = heading_category(text)
        if code is not None:
            self._category = code
            self.notes.append(f"row {self._excel(r)} ({text.strip()!r}) is a section heading: "
                              f"the rows below it are {CATEGORIES[code]} ({code}) unless they "
                              "say otherwise")
        else:
            self.notes.append(f"row {self._excel(r)} ({text.strip()!r}) is a heading and was "
                              "left out")

    def _continues(self, r: int) -> bool:
        """True when row r adds a node to the project of the row above."""
        if not self.projects or not self.has_nodes:
            return False
        keys = [n for n in ("project_id", "name_zh") if n in self.columns]
        if all(is_blank(self._cell(r, n)) for n in keys):
            return True
        prev = self.projects[-1]
        for name in keys:
            top = self.merged.get((r, self.columns[name].index))
            if top is not None and prev["_row"] <= top[0] < r:
                return True
        return all(clean_text(self._cell(r, n)) == prev["_raw"].get(n) for n in keys)

    def _check_repeat(self, r: int) -> None:
        """A node row must not contradict the project cells of the row that started it."""
        project = self.projects[-1]
        for name in _REPEATED_FIELDS:
            col = self.columns.get(name)
            if col is None:
                continue
            value = self.grid[r][col.index]
            top = self.merged.get((r, col.index))
            if is_blank(value) or (top is not None and top[0] < r):
                continue
            first = self.grid[project["_row"]][col.index]
            if clean_text(value) != clean_text(first):
                self._problem(r, name, value, f"this row adds a time node to project "
                              f"{project['project_id']} (row {self._excel(project['_row'])}) but "
                              f"its {col.header} differs ({first!r} there): merge the rows' "
                              "project cells, or give this row its own project id")
        if all(is_blank(self._cell(r, n)) for n in _NODE_FIELDS):
            self.notes.append(f"row {self._excel(r)} repeats project {project['project_id']} "
                              "without a "
                              "time node and was left out")

    def _data_row(self, r: int) -> None:
        if self._continues(r):
            self._check_repeat(r)
        else:
            self._project(r)
        if self.has_nodes:
            self._node(r)

    def _project(self, r: int) -> None:
        raw = {n: clean_text(self._cell(r, n)) for n in ("project_id", "name_zh")}
        ident = raw["project_id"]
        if "project_id" not in self.columns:
            ident = f"XM{len(self.projects) + 1:03d}"
        elif is_blank(ident):
            self._problem(r, "project_id", None, "the project id is blank; give every project "
                          "an id (or remove the id column and ids are given in row order)")
        if is_blank(raw["name_zh"]):
            self._problem(r, "name_zh", None, "the project has no name")
        if not is_blank(ident):
            ident = str(ident)
            if ident in self._seen:
                self._problem(r, "project_id", ident, f"the project id is also used in row "
                              f"{self._excel(self._seen[ident])}; ids must be unique: give one "
                              "of them a new id, or merge the two rows")
            else:
                self._seen[ident] = r
        record: dict[str, Any] = {"_row": r, "_raw": raw, "project_id": ident,
                                  "name_zh": raw["name_zh"]}
        for name in ("name_en", "township", "lead_department", "content", "progress",
                     "remark", "problems", "support_units", "location"):
            if name in self.columns:
                record[name] = clean_text(self._cell(r, name))
        if "lead_department" not in self.columns:
            record["lead_department"] = clean_text(self._cell(r, "responsible"))
        self._codes(r, record)
        self._amounts(r, record)
        for name, partial in (("start_date", "start"), ("planned_completion", "end")):
            record[name] = self._date(r, name, partial)
        self.projects.append(record)

    def _codes(self, r: int, record: dict[str, Any]) -> None:
        for name, vocab in (("category", CATEGORIES), ("status", STATUSES)):
            value = self._cell(r, name)
            code = value_code(name, value)
            if is_blank(value):
                code = self._category if name == "category" else pd.NA
            elif code not in vocab:
                words = ", ".join(vocab.values())
                self._problem(r, name, value, f"unknown {name}: use one of {words} (or add the "
                              "word to planning/data/ledger_values.csv)")
                code = pd.NA
            record[name] = code
        record["listed_in"] = value_code("listed_in", self._cell(r, "listed_in"))

    def _amounts(self, r: int, record: dict[str, Any]) -> None:
        for name in ("investment_wan", "investment_year_wan", "investment_done_wan"):
            col = self.columns.get(name)
            if col is None:
                if name == "investment_wan":
                    record[name] = np.nan
                continue
            try:
                record[name] = parse_amount(self.grid[r][col.index], unit_wan=col.unit_wan)
            except ValueError as exc:
                self._problem(r, name, self.grid[r][col.index], str(exc))
                record[name] = np.nan

    def _date(self, r: int, name: str, partial: str) -> pd.Timestamp | None:
        value = self._cell(r, name)
        try:
            day = parse_date(value, partial="end" if partial == "end" else "start")
        except ValueError as exc:
            self._problem(r, name, value, str(exc))
            return None
        return None if day is None else pd.Timestamp(day)

    def _node(self, r: int) -> None:
        name = clean_text(self._cell(r, "node_name"))
        others = [self._cell(r, n) for n in ("node_due", "node_done", "node_id")]
        if is_blank(name):
            if any(not is_blank(v) for v in others):
                self._problem(r, "node_name", None, "the time node has no name (节点内容)")
            return
        project = self.projects[-1]
        done_value = self._cell(r, "node_done")
        done: pd.Timestamp | None = None
        text = compact(done_value) if isinstance(done_value, str) else ""
        if text in _DONE_WORDS:
            self._problem(r, "node_done", done_value, "the node is marked done without a date: "
                          "write the completion date (for example 2011-12-15)")
        elif text not in _NOT_DONE:
            done = self._date(r, "node_done", "end")
        seq = self._cell(r, "node_seq")
        responsible = clean_text(self._cell(r, "responsible"))
        self.nodes.append({
            "_row": r, "_project_row": project["_row"],
            "node_id": clean_text(self._cell(r, "node_id")),
            "project_id": project["project_id"],
            "seq": seq if isinstance(seq, int | float) and not is_blank(seq) else None,
            "name_zh": name, "due_date": self._date(r, "node_due", "end"), "done_date": done,
            "responsible": project.get("lead_department") if is_blank(responsible)
            else responsible,
        })
        if is_blank(self._cell(r, "node_due")):
            self.notes.append(f"row {self._excel(r)}: the node {name!r} has no due date "
                              "(完成时限); it is never counted overdue")

    # -- frames -------------------------------------------------------------------------
    def projects_frame(self, *, skip: AbstractSet[int] = frozenset()) -> pd.DataFrame:
        frame = pd.DataFrame([{k: v for k, v in p.items() if not k.startswith("_")}
                              for p in self.projects if p["_row"] not in skip])
        if frame.empty:
            return pd.DataFrame(columns=list(_PROJECT_FIELDS))
        for name in ("start_date", "planned_completion"):
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ms]")
        return frame

    def nodes_frame(self, *, skip_projects: AbstractSet[int] = frozenset(),
                    skip_nodes: AbstractSet[int] = frozenset()) -> pd.DataFrame:
        frame = pd.DataFrame(self.nodes, columns=[
            "_row", "_project_row", "node_id", "project_id", "seq", "name_zh", "due_date",
            "done_date", "responsible"])
        for name in ("due_date", "done_date"):
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ms]")
        seq = frame.groupby("_project_row", sort=False).cumcount() + 1
        frame["seq"] = pd.to_numeric(frame["seq"], errors="coerce").fillna(seq).astype("Int64")
        keep = ~frame["_row"].isin(skip_nodes) & ~frame["_project_row"].isin(skip_projects)
        return frame[keep].drop(columns=["_row", "_project_row"]).reset_index(drop=True)
