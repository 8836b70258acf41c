"""Reading what the responsible units send back: fill-in workbooks, node sheets, ledgers.

Internals of :mod:`planning.ledger` (see :meth:`planning.Ledger.merge_returns`). A returned
file is read by the one grid reader (:func:`planning.io.read_grid`) into a
:class:`Returned`: who it is from, which send it answers, and one row per time node with the
values it holds. Columns are found by their headers (``planning/data/ledger_headers.csv``) and
rows by their node ids, so a workbook a unit retyped, or whose rows and columns it reordered,
reads the same. Three kinds of file are told apart:

- ``fill_in``: a fill-in workbook (its very hidden ``_planning`` sheet says which unit, which
  send and what was sent; when it is missing or was changed, the cover row, the title and
  the file name say as much as they can);
- ``node_sheet``: any sheet with a node id column (节点编号), such as a separate node sheet
  or the ``台账`` sheet :meth:`planning.Ledger.to_excel` writes;
- ``ledger``: a ledger in the bureau's own layout without node ids, read by the ledger's
  reader (:meth:`planning.Ledger.from_excel`) and matched to the ledger by project and node.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from planning._core.dates import parse_date
from planning._core.text import clean_text, compact, instruction_row, is_blank
from planning._errors import LayerFileError, SheetError
from planning._validate import Checker
from planning.io import Grid, read_grid
from planning.ledger import _tables as _lt
from planning.ledger._fill_in import (
    META_FORMAT,
    META_SHEET,
    SENT_FIELDS,
    checksum,
    text_of,
)
from planning.ledger._read_excel import (
    _HEADER_SCAN_ROWS,
    _find_header,
    _header_columns,
    _lookup,
    _title_date,
    header_mapping,
    read_ledger_sheet,
)
from planning.ledger._sheet_rows import _DONE_WORDS, _NOT_DONE, _TOTAL_WORDS, LedgerHeader
from planning.ledger._vocab import REPORT_STATES, value_code

log = logging.getLogger(__name__)

Kind = Literal["fill_in", "node_sheet", "ledger"]
#: sheet field (ledger_headers.csv) -> field of a returned row
_FIELDS = {
    "node_id": "node_id", "project_id": "project_id", "name_zh": "project_name",
    "node_name": "name_zh", "start_date": "start_date", "node_due": "due_date",
    "responsible": "responsible", "node_done": "done_date", "node_state": "report_state",
    "node_pct": "progress_pct", "progress": "progress", "problems": "problems",
}
ROW_FIELDS = ("node_id", "project_id", "project_name", "name_zh", "start_date", "due_date",
              "responsible", "done_date", "report_state", "progress_pct", "progress",
              "problems")
_DATE_FIELDS = {"start_date": "start", "due_date": "end", "done_date": "end"}
_UNIT_LABELS = ("填报单位", "报送单位", "单位名称", "填报单位(盖章)", "报送单位(盖章)")
_FILE_NAME = re.compile(r"^(\d{8})_(.+?)_台账填报")
#: the header fields of the columns a unit reports
_REPORT_HEADERS = frozenset({"node_done", "node_state", "node_pct", "progress", "problems"})
_MONTH_SHEET = re.compile(r"^\s*(\d{4})年(\d{1,2})月\s*$")


@dataclass(frozen=True)
class CellProblem:
    """A cell of a returned sheet that cannot be read."""

    row: int
    column: str
    value: str
    message: str
    message_zh: str
    node_id: str | None = None


@dataclass(frozen=True, eq=False)
class Meta:
    """What the hidden sheet of a fill-in workbook says."""

    unit: str
    as_of: pd.Timestamp
    deadline: pd.Timestamp
    send_id: str
    sheet: str
    locked_checksum: str
    intact: bool  # the record checksum matches: the hidden sheet was not changed
    sent: pd.DataFrame  # SENT_FIELDS as text, one row per node sent


@dataclass(eq=False)
class Returned:
    """One returned file, read."""

    path: Path
    source: str
    sheet: str
    kind: Kind
    meta: Meta | None
    unit: str | None  # as written in the cover row (填报单位)
    unit_row: int | None
    as_of: pd.Timestamp | None
    report_date: pd.Timestamp | None
    rows: pd.DataFrame
    present: frozenset[str]
    problems: list[CellProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @functools.cached_property
    def content(self) -> str:
        """A checksum of what the file says (identity and every row), to recognise it."""
        head = [self.kind, self.meta.send_id if self.meta else "", self.unit or "",
                text_of(self.as_of)]
        body = [[text_of(v) for v in row] for row in
                self.rows.sort_values("row")[list(ROW_FIELDS)].itertuples(index=False)]
        return checksum([head, *body])


def read_return(path: Path) -> Returned:
    """Read one returned file (see the module documentation)."""
    meta, notes = _read_meta(path)
    grid, header, sheet_notes = _data_sheet(path, meta)
    notes += sheet_notes
    kind: Kind
    if meta is not None:
        kind = "fill_in"
    elif "node_id" in header.columns:
        kind = "node_sheet"
    else:
        kind = "ledger"
    unit, unit_row, report_date = _cover(grid, header)
    if kind == "node_sheet" and unit is not None:
        kind = "fill_in"  # our form, retyped or without its hidden sheet
    as_of = meta.as_of if meta is not None else _title_date(grid.rows[: header.first])
    match = _FILE_NAME.match(path.stem)
    if as_of is None and match:
        as_of = pd.Timestamp(match.group(1))
    if unit is None and meta is None and match:
        unit = _text(match.group(2))
    if kind == "ledger":
        rows, problems, present = _ledger_rows(path, grid.title)
    else:
        rows, problems, present, row_notes = _node_rows(grid, header)
        notes += [f"{path.name}: {n}" for n in row_notes]
    return Returned(path, path.name, grid.title, kind, meta, unit, unit_row, as_of,
                    report_date, rows, present, problems, [*notes, *grid.notes])


# --------------------------------------------------------------------------------------------
# the hidden sheet


def _read_meta(path: Path) -> tuple[Meta | None, list[str]]:
    try:
        grid = read_grid(path, META_SHEET)
    except LayerFileError:
        return None, []
    rows = [list(r) for r in grid.rows]
    if not rows or rows[0][0] != "format" or rows[0][1] != META_FORMAT:
        return None, [f"{path.name}: the sheet {META_SHEET} is not a planning fill-in record"]
    meta: dict[str, str] = {}
    i = 0
    while i < len(rows) and not is_blank(rows[i][0]):
        meta[str(rows[i][0])] = "" if rows[i][1] is None else str(rows[i][1])
        i += 1
    table = rows[i + 1:] if i + 1 < len(rows) else []
    header = [str(v) for v in table[0][: len(SENT_FIELDS)]] if table else []
    sent_rows = [["" if v is None else str(v) for v in r[: len(SENT_FIELDS)]]
                 for r in table[1:]]
    stated = meta.pop("record_checksum", "")
    record = checksum([*meta.items(), tuple(header), *sent_rows])
    notes = []
    intact = header == list(SENT_FIELDS) and record == stated
    if not intact:
        notes.append(f"{path.name}: the hidden record of the fill-in workbook was changed; "
                     "the return is checked against the ledger instead")
    try:
        out = Meta(meta["unit"], pd.Timestamp(meta["as_of"]), pd.Timestamp(meta["deadline"]),
                   meta["send_id"], meta.get("sheet", ""), meta.get("locked_checksum", ""),
                   intact, pd.DataFrame(sent_rows, columns=list(SENT_FIELDS)))
    except (KeyError, ValueError):
        return None, [f"{path.name}: the hidden record of the fill-in workbook cannot be read"]
    return out, notes


# --------------------------------------------------------------------------------------------
# the data sheet


def _data_sheet(path: Path, meta: Meta | None) -> tuple[Grid, LedgerHeader, list[str]]:
    """The sheet holding the nodes, its header, and a note when it is not the one sent.

    The sheet the hidden record names, else the first visible sheet, else the next visible
    sheet with a time-node header: a renamed sheet is found by its header.
    """
    mapping = header_mapping()
    first = read_grid(path)
    names = [s.name for s in first.sheets]
    wanted = meta.sheet if meta is not None and meta.sheet else None
    if wanted is not None and wanted in names and wanted != first.title:
        first = read_grid(path, wanted)
    others = [s.name for s in first.sheets if s.visible and s.name != first.title]
    months = sorted(((int(m.group(1)), int(m.group(2))), s.name) for s in first.sheets
                    if s.visible and (m := _MONTH_SHEET.match(s.name)))
    if wanted is None and months:  # a ledger by month: the sheet of the latest month holds
        latest = months[-1][1]
        found_month = _node_header(read_grid(path, latest), mapping)
        if found_month is not None:
            skipped = [s.name for s in first.sheets if s.visible and s.name != latest]
            note = (f"{path.name}: a ledger by month; the nodes were read from the sheet of "
                    f"the latest month, {latest}; the sheets {'、'.join(skipped)} were not read "
                    "(edit the latest month's sheet, or send that sheet alone)")
            return found_month[0], found_month[1], [note]
    for grid in itertools.chain([first], (read_grid(path, name) for name in others)):
        found_header = _node_header(grid, mapping)
        if found_header is not None:
            header = found_header[1]
            notes = []
            if wanted is not None and grid.title != wanted:
                notes.append(f"{path.name}: the sheet {wanted} sent has no time-node header "
                             f"or was renamed; the nodes were read from the sheet "
                             f"{grid.title}, found by its header")
            return grid, header, notes
    msg = (f"No sheet of {path.name} has a time-node header (节点内容 with another known "
           "column, or 节点编号 with a column the units report such as 完成进度 or 推进状态; "
           "planning/data/ledger_headers.csv); it is not a ledger return.")
    raise SheetError(msg)


def _node_header(grid: Grid, mapping: dict[str, str]) -> tuple[Grid, LedgerHeader] | None:
    """The grid and its header when it has a time-node header: the ledger's (a name column
    and another known one), or 节点编号 with a column the units report (完成进度, ...)."""
    found = _find_header(grid.rows, grid.merged, mapping) or _node_id_header(grid, mapping)
    if found is None:
        return None
    header = _header_columns(grid.rows, *found, mapping, None)
    return (grid, header) if {"node_id", "node_name"} & set(header.columns) else None


def _node_id_header(grid: Grid, mapping: dict[str, str]) -> tuple[int, int] | None:
    """The header row of a sheet with 节点编号 and a reported column but no node name."""
    for r in range(min(_HEADER_SCAN_ROWS, grid.n_rows)):
        fields = {_lookup(str(v), mapping)[0] for v in grid.rows[r] if isinstance(v, str)}
        if "node_id" in fields and fields & _REPORT_HEADERS:
            return r, r
    return None


def _cover(grid: Grid, header: LedgerHeader) -> tuple[str | None, int | None, pd.Timestamp | None]:
    """The unit and the day written in the rows above the header (填报单位, 填报日期)."""
    unit: str | None = None
    unit_row: int | None = None
    day: pd.Timestamp | None = None
    for r in range(header.first):
        cells = grid.rows[r]
        for c, value in enumerate(cells):
            # labels compared without spaces and colons (填报单位：, 填报单位 :), the value in
            # the next filled cell or after the colon (填报单位：县水利局)
            label, _, rest = (compact(value) if isinstance(value, str) else "").partition(":")
            following = rest or next((v for v in cells[c + 1:] if not is_blank(v)), None)
            if label in _UNIT_LABELS and unit is None:
                unit, unit_row = _text(following), grid.excel_row(r)
            elif label == "填报日期" and following is not None:
                try:
                    parsed = parse_date(following, partial="end")
                except ValueError:
                    parsed = None
                day = pd.Timestamp(parsed) if parsed is not None else None
    return unit, unit_row, day


#: the fields a unit reports: a row holding one of them is a report, even without a node
_REPORTED = ("done_date", "report_state", "progress_pct", "progress", "problems")
_UNCOMPUTED = ("a formula whose value was never computed: open the file in Excel or WPS, "
               "save it and send it again, or type the value",
               "公式未计算出结果：请用Excel或WPS打开后保存再报送，或直接填写数值")


def _node_rows(grid: Grid, header: LedgerHeader
               ) -> tuple[pd.DataFrame, list[CellProblem], frozenset[str], list[str]]:
    """The node rows below the header, the cells that cannot be read and notes.

    A number shown as a percentage (Excel turns ``80%`` typed into 0.8 shown ``80%``) is read
    as the percentage it shows; a formula without a computed value is a problem, not a blank;
    notes and signature lines (``注：``, ``审核：``) are left out with a note; a row reporting
    something without a node id or node name is a problem.
    """
    columns = {_FIELDS[f]: col for f, col in header.columns.items() if f in _FIELDS}
    records: list[dict[str, Any]] = []
    problems: list[CellProblem] = []
    notes: list[str] = []
    for r in range(header.last + 1, grid.n_rows):
        cells = grid.rows[r]
        uncomputed = {name for name, col in columns.items() if (r, col.index) in grid.formulas}
        if (all(is_blank(v) for v in cells) and not uncomputed) or _is_total(cells):
            continue
        row = grid.excel_row(r)
        text = instruction_row(cells)
        if text is not None:
            notes.append(f"row {row} ({text[:40]!r}) is a note or a signature line and was "
                         "left out")
            continue
        raw = {name: cells[col.index] for name, col in columns.items()}
        if is_blank(raw.get("node_id")) and is_blank(raw.get("name_zh")):
            filled = [columns[n].header for n in _REPORTED
                      if n in columns and (not is_blank(raw.get(n)) or n in uncomputed)]
            if filled:
                where = columns.get("node_id") or columns.get("name_zh")
                problems.append(CellProblem(
                    row, where.header if where is not None else "节点编号", "",
                    f"the row reports {', '.join(filled)} but has no node id: fill in 节点编号 "
                    "(or 节点内容 and the project) of the node it is about",
                    f"该行填报了{'、'.join(filled)}，但没有节点编号：请填写节点编号（或项目和节点内容）"))
            continue  # a heading: no node
        record: dict[str, Any] = {"row": row}
        for name in ROW_FIELDS:
            value = raw.get(name)
            if name in uncomputed:
                problems.append(CellProblem(row, columns[name].header,
                                            str(grid.formulas[(r, columns[name].index)]),
                                            *_UNCOMPUTED, node_id=_text(raw.get("node_id"))))
                record[name] = None
                continue
            if (name == "progress_pct" and name in columns
                    and (r, columns[name].index) in grid.percents
                    and isinstance(value, int | float) and not isinstance(value, bool)):
                value = round(float(value) * 100, 10)  # 0.8 shown as 80 %
            parsed, problem = _parse(name, value)
            if problem is not None:
                problems.append(CellProblem(row, columns[name].header, str(value), *problem,
                                            node_id=_text(raw.get("node_id"))))
            record[name] = parsed
        records.append(record)
    return _frame(records), problems, frozenset(columns), notes


def _is_total(cells: list[Any]) -> bool:
    firsts = [compact(v) for v in cells[:4] if isinstance(v, str) and v.strip()]
    return any(text.startswith(_TOTAL_WORDS) for text in firsts[:2])


def _text(value: object) -> str | None:
    return None if is_blank(value) else str(clean_text(value))


def _parse(name: str, value: object) -> tuple[object, tuple[str, str] | None]:
    """A cell as the field's value, or None and why it cannot be read (English, Chinese)."""
    if is_blank(value):
        return None, None
    if name in _DATE_FIELDS:
        return _date(name, value)
    if name == "progress_pct":
        return _percent(value)
    if name == "report_state":
        code = value_code("report_state", value)
        if code in REPORT_STATES:
            return code, None
        words = "、".join(REPORT_STATES.values())
        return None, (f"unknown state; use one of {', '.join(REPORT_STATES.values())}",
                      f"推进状态应为{words}之一")
    return _text(value), None


def _date(name: str, value: object) -> tuple[object, tuple[str, str] | None]:
    text = compact(value) if isinstance(value, str) else ""
    if name == "done_date" and text in _NOT_DONE:
        return None, None
    if name == "done_date" and text in _DONE_WORDS:
        return None, ("marked done without a date: write the completion date",
                      "标为完成但未填写完成日期，请填写实际完成时间")
    try:
        day = parse_date(value, partial=_DATE_FIELDS[name])  # type: ignore[arg-type]
    except ValueError as exc:
        return None, (str(exc), "不是日期，请按 yyyy-mm-dd 填写")
    return (None if day is None else pd.Timestamp(day)), None


def _percent(value: object) -> tuple[object, tuple[str, str] | None]:
    text = compact(value).rstrip("%") if isinstance(value, str) else value
    try:
        number = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not np.isfinite(number) or not 0 <= number <= 100:
        return None, ("the percentage complete is a number from 0 to 100",
                      "完成进度应为0到100之间的数")
    return number, None


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=["row", *ROW_FIELDS])
    for name in _DATE_FIELDS:
        frame[name] = pd.to_datetime(frame[name]).astype(_lt.DATE_DTYPE)
    frame["progress_pct"] = pd.to_numeric(frame["progress_pct"]).astype(float)
    frame["row"] = frame["row"].astype(int)
    return frame


def _ledger_rows(path: Path, sheet: str
                 ) -> tuple[pd.DataFrame, list[CellProblem], frozenset[str]]:
    """A ledger in the bureau's layout, read by the ledger's reader, as node rows."""
    data = read_ledger_sheet(path, sheet=sheet, errors="skip")
    problems = [CellProblem(p.row or 0, p.column or "", p.value or "", p.message,
                            "无法读取，请更正后重报") for p in data.problems]
    checker = Checker()
    projects = _lt.clean_projects(data.projects, checker)
    nodes = _lt.clean_nodes(data.nodes, projects, checker) if len(projects) else data.nodes
    names = projects.set_index("project_id")["name_zh"] if len(projects) else pd.Series()
    records = []  # node ids of this layout are made up by the reader: matched by name later
    for row, node in zip(data.node_rows, nodes.to_dict("records"), strict=True):
        records.append({
            "row": row, "node_id": None, "project_id": node["project_id"],
            "project_name": names.get(node["project_id"]), "name_zh": node["name_zh"],
            "start_date": None, "due_date": node["due_date"], "responsible": node["responsible"],
            "done_date": node["done_date"], "report_state": None, "progress_pct": None,
            "progress": None, "problems": None})
    present = frozenset({"node_id", "project_id", "project_name", "name_zh", "due_date",
                         "responsible", "done_date"})
    return _frame(records), problems, present


def mtime_day(path: Path) -> pd.Timestamp | None:
    """The local day a file was last modified (when it came in, if nothing else says)."""
    try:
        local = time.localtime(path.stat().st_mtime)
    except OSError:
        return None
    return pd.Timestamp(local.tm_year, local.tm_mon, local.tm_mday)


def resolve_paths(paths: object) -> list[tuple[Path, object]]:
    """(path, received) pairs from a path, a list of paths, or a mapping path -> day."""
    if isinstance(paths, str | Path):
        return [(Path(paths), None)]
    if isinstance(paths, Mapping):
        return [(Path(p), d) for p, d in paths.items()]
    return [(Path(p), None) for p in paths]  # type: ignore[attr-defined]


def filled_in(path: Path) -> str | None:
    """Why an existing file must not be overwritten by a new send (None: a fill-in workbook
    as written, nothing typed into it): a unit's return saved under the name it was sent
    with, or a file that is no fill-in workbook."""
    try:
        read = read_return(path)
    except (LayerFileError, SheetError):
        return "it is not a fill-in workbook this toolkit wrote"
    meta = read.meta
    if meta is None or not meta.intact:
        return "it is not a fill-in workbook as sent (no hidden record, or a changed one)"
    if read.problems or read.report_date is not None:
        return "it was filled in (a unit's return)"
    sent = {str(r["node_id"]): r for r in meta.sent.to_dict("records")}
    for record in read.rows.to_dict("records"):
        was = sent.get(str(record["node_id"]))
        for name in ("done_date", "report_state", "progress_pct", "progress", "problems"):
            now = "" if is_blank(record[name]) or record[name] is pd.NaT else text_of(record[name])
            before = "" if was is None else str(was.get(name) or "")
            if compact(now) != compact(before):
                return "it was filled in (a unit's return)"
    return None
