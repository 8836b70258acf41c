"""Reading sanitation inspection sheets (卫生检查记录) row by row.

Real sheets arrive as Excel (``.xlsx`` or an old ``.xls``) or CSV with Chinese headers, a
title row above the header, merged header cells over the score items, dates as text or Excel
serial numbers, placeholders (``/``, ``—``) in cells that do not apply, template rows with
only a row number, filling instructions (``填写说明``, ``注：``) and a total row at the bottom.
Placeholders are blank; template, instruction and summary rows are left out and reported in
:attr:`Inspections.skipped`. Every other cell is checked; a row with any problem is left out of
the records and each of its problems is reported (row as shown in Excel, column as headed in
the sheet, the value, why), so that the good rows still count and nothing is dropped without a
word. Names are stored as written; zone ids are matched to the zones by key (full-width and
case folded) and stored as the zones write them.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planning._core.dates import date_bounds
from planning._core.text import (
    cell_text,
    clean_text,
    compact,
    fold,
    header_key,
    instruction_row,
    is_blank,
    is_placeholder,
    is_unfilled,
    shown,
)
from planning._errors import InputError, LayerFileError, Problem, SheetError
from planning.io import Grid, read_grid, read_header_map

log = logging.getLogger(__name__)

#: canonical column -> header spellings (compared after NFKC, without spaces, lower case)
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "inspection_id": ("inspection_id", "检查编号", "记录编号", "编号", "id"),
    "zone_id": ("zone_id", "责任区编号", "责任区代码", "卫生区编号", "责任段编号", "责任区",
                "卫生区", "责任段", "zone"),
    "date": ("date", "检查日期", "检查时间", "日期", "时间"),
    "inspector": ("inspector", "检查人", "检查人员", "检查组", "检查单位", "考核人"),
    "total": ("total", "总分", "合计得分", "总得分", "得分", "合计", "score"),
    "note": ("note", "备注", "存在问题", "问题"),
}
#: headers that describe the zone or number the rows; never score items
IGNORED_HEADERS = ("序号", "no", "name_zh", "责任区名称", "名称", "department", "责任单位",
                   "township", "乡镇", "所属乡镇", "person_in_charge", "责任人", "kind")
#: first cell of a summary row at the bottom of a sheet
SUMMARY_MARKERS = ("合计", "总计", "小计", "平均", "平均分", "total", "average")
#: what a header may be mapped to with ``headers=``: a field, ``item`` (a score item) or
#: ``_ignore`` (not read)
HEADER_FIELDS = (*HEADER_ALIASES, "item", "_ignore")
_UNCOMPUTED = ("the cell holds a formula whose value was never computed (the workbook was "
               "written by a program and not opened in Excel or WPS since): open it in Excel "
               "or WPS, save it, and read it again")

_HEADER_SCAN_ROWS = 15
_SUM_TOLERANCE = 0.01


@dataclass(frozen=True)
class Inspections:
    """Inspection records read from a sheet: the good rows and every problem found.

    Attributes
    ----------
    records : pandas.DataFrame
        The good rows: ``inspection_id``, ``zone_id`` (text), ``date`` (datetime64),
        ``inspector``, one float column per score item, ``total`` (float), ``note`` and
        ``row`` (where the record is in the source: the Excel row number, the CSV line number,
        or the 0-based position in a DataFrame).
    problems : tuple of Problem
        One per bad cell: row, column (as headed in the sheet), value and why. A row with any
        problem is not in ``records``.
    skipped : tuple of Problem
        Rows that are not inspections (a total or average row, a template row with only a
        row number, a filling instruction or note), reported and left out.
    items : tuple of str
        The score item columns, as headed in the sheet.
    source : str
        The file (and sheet) or table read.
    n_rows : int
        Data rows read (blank rows and the rows in ``skipped`` not counted).
    notes : tuple of str
        What else the reader noticed (placeholders read as blank, hidden sheets skipped,
        columns not used for scores).
    """

    records: pd.DataFrame
    problems: tuple[Problem, ...] = ()
    skipped: tuple[Problem, ...] = ()
    items: tuple[str, ...] = ()
    source: str = "inspections"
    n_rows: int = 0
    notes: tuple[str, ...] = ()

    @property
    def bad_rows(self) -> list[int]:
        """The rows with at least one problem, in order."""
        return sorted({p.row for p in self.problems if p.row is not None})

    def problems_frame(self) -> pd.DataFrame:
        """The problems as a table: ``row``, ``column``, ``value``, ``message``."""
        return pd.DataFrame(
            [(p.row, p.column, p.value, p.message) for p in self.problems],
            columns=["row", "column", "value", "message"],
        )

    def raise_if_any(self) -> None:
        """Raise :class:`~planning.SheetError` listing every problem, if there is any."""
        if self.problems:
            msg = (f"{len(self.bad_rows)} of {self.n_rows} rows of {self.source} cannot be "
                   "read; fix them in the sheet and read it again.")
            raise SheetError(msg, self.problems)

    def __repr__(self) -> str:
        return (f"Inspections({self.source!r}: {len(self.records)} good rows of {self.n_rows}, "
                f"{len(self.problems)} problem(s) in {len(self.bad_rows)} row(s))")


# --------------------------------------------------------------------------------------------
# values


def parse_score(value: object) -> float | None:
    """A score cell as a float (``"９５分"`` -> 95.0); None when blank.

    Raises ValueError when the cell is not a number.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("a yes/no value is not a score")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = cell_text(value).removesuffix("分").strip()
        number = float(text)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def inspection_day(value: object) -> dt.date | None:
    """The day of an inspection (read by :func:`planning._core.dates.date_bounds`).

    Returns None when blank; raises ValueError when the value is not a date or names a period
    (a month, a ten-day part, a quarter) rather than one day.

    Examples
    --------
    >>> inspection_day("2011年12月17日"), inspection_day("待定")
    (datetime.date(2011, 12, 17), None)
    >>> inspection_day("2011年12月上旬")
    Traceback (most recent call last):
    ...
    ValueError: it names a period (2011-12-01 to 2011-12-10), not the day of the inspection
    """
    bounds = date_bounds(value)
    if bounds is None:
        return None
    first, last = bounds
    if last != first:
        msg = f"it names a period ({first} to {last}), not the day of the inspection"
        raise ValueError(msg)
    return first


# --------------------------------------------------------------------------------------------
# loading the raw grid


def _load_grid(source: str | os.PathLike[str], sheet: str | int | None) -> tuple[Grid, str]:
    """Read a sheet as a grid of raw cells; return it and its label.

    Read by the one grid reader (:func:`planning.io.read_grid`): merged ranges filled from
    their first cell, memory following the cells that exist, a hidden sheet never read in
    place of a visible one; ``.xlsx``, ``.xlsm``, ``.xls`` and CSV files.
    """
    path = Path(source)
    if not path.is_file():
        msg = f"Inspection sheet {str(path)!r} does not exist or is not a file."
        raise LayerFileError(msg)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"} and sheet is not None:
        msg = f"{str(path)!r} is a CSV file and has no sheets; leave out sheet={sheet!r}."
        raise InputError(msg)
    if suffix not in {".xlsx", ".xlsm", ".csv", ".txt", ".xls"}:
        msg = (f"Cannot read inspections from {str(path)!r}: expected an Excel workbook (.xlsx "
               "or .xls) or a CSV file (.csv).")
        raise LayerFileError(msg)
    grid = read_grid(path, sheet)
    for note in grid.notes:
        log.info(note)
    return grid, grid.source if suffix in {".csv", ".txt"} else grid.label


def header_aliases(headers: Mapping[str, str] | str | os.PathLike[str] | None
                   ) -> dict[str, str]:
    """``headers=`` (a mapping, or a file with ``header`` and ``field`` columns) as folded
    header -> field; raises :class:`~planning.InputError` for a field the reader lacks.

    Examples
    --------
    >>> header_aliases({"区域代码": "zone_id", "抽查人": "inspector"})
    {'区域代码': 'zone_id', '抽查人': 'inspector'}
    """
    if headers is None:
        return {}
    pairs = dict(headers) if isinstance(headers, Mapping) else read_header_map(headers)
    unknown = [Problem("headers", f"{target!r} is not an inspection field", column=str(h),
                       value=str(target)) for h, target in pairs.items()
               if target not in HEADER_FIELDS]
    if unknown:
        msg = (f"headers maps {len(unknown)} header(s) to fields the inspection reader does not "
               f"know; the fields are {', '.join(HEADER_FIELDS)}.")
        raise InputError(msg, unknown)
    return {header_key(h): target for h, target in pairs.items()}


def _canonical(header: object, extra: Mapping[str, str] | None = None) -> str | None:
    key = header_key(header)
    if extra and key in extra:
        return extra[key]
    for name, aliases in HEADER_ALIASES.items():
        if key in {fold(a) for a in aliases}:
            return name
    return None


def _find_header(grid: pd.DataFrame, label: str, extra: Mapping[str, str]) -> int:
    """Index of the header row: the first row naming a zone id column and another field."""
    for i in range(min(_HEADER_SCAN_ROWS, len(grid))):
        names = {_canonical(v, extra) for v in grid.iloc[i] if not is_blank(v)} - {
            None, "item", "_ignore"}
        if "zone_id" in names and len(names) >= 2:
            return i
    expected = " / ".join(HEADER_ALIASES["zone_id"][:3])
    msg = (f"{label}: no header row with a zone id column ({expected}) and a date or score "
           f"column in the first {_HEADER_SCAN_ROWS} rows. Name the columns as in "
           "docs/sanitation.md, or map them with headers={...}.")
    raise SheetError(msg)


def _headers(grid: pd.DataFrame, at: int, extra: Mapping[str, str]) -> tuple[list[str], int]:
    """Column headers, merging a second header row under merged cells; and the first data row."""
    top = [shown(v) if not is_blank(v) else "" for v in grid.iloc[at]]
    # merged cells: only the first cell of a merged range carries text; carry it right
    filled: list[str] = []
    for i, value in enumerate(top):
        filled.append(value or (filled[i - 1] if i and _canonical(filled[i - 1], extra) is None
                                else ""))
    if at + 1 >= len(grid):
        return filled, at + 1
    below = ["" if is_blank(v) else v for v in grid.iloc[at + 1]]
    # a second header row: blank (or repeating a vertically merged header) under the zone id
    # and date headers, text elsewhere, and at least one name of its own (the score items)
    key_cols = [i for i, v in enumerate(top) if _canonical(v, extra) in {"zone_id", "date"}]
    same = [fold(b) == fold(t) for t, b in zip(filled, below, strict=True)]
    is_sub = (all(below[i] == "" or same[i] for i in key_cols)
              and any(b != "" and not s for b, s in zip(below, same, strict=True))
              and all(b == "" or (isinstance(b, str) and not _is_number(b)) for b in below))
    if not is_sub:
        return filled, at + 1
    merged = [shown(b) if b != "" else t for t, b in zip(filled, below, strict=True)]
    return merged, at + 2


def _is_number(text: str) -> bool:
    try:
        parse_score(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# reading


@dataclass
class _Layout:
    """Which sheet column holds which field."""

    fields: dict[str, int]
    items: dict[str, int]
    headers: list[str]
    ignored: list[str] = field(default_factory=list)


def _layout(headers: list[str], data: pd.DataFrame, label: str,
            extra: Mapping[str, str]) -> _Layout:
    fields: dict[str, int] = {}
    items: dict[str, int] = {}
    ignored: list[str] = []
    ignored_keys = {fold(h) for h in IGNORED_HEADERS}
    for i, header in enumerate(headers):
        name = _canonical(header, extra)
        if name == "item" and header not in items:
            items[header] = i
        elif name == "_ignore":
            ignored.append(header or f"column {i + 1}")
        elif name is not None and name not in fields:
            fields[name] = i
        elif not header or fold(header) in ignored_keys or name is not None:
            ignored.append(header or f"column {i + 1}")
        elif _mostly_numbers(data.iloc[:, i]):
            items[header] = i
        else:
            ignored.append(header)
    if "total" not in fields and not items:
        msg = (f"{label}: found no total score column ({' / '.join(HEADER_ALIASES['total'][:3])})"
               " and no score item columns.")
        raise SheetError(msg)
    if "date" not in fields:
        msg = f"{label}: found no date column ({' / '.join(HEADER_ALIASES['date'][:3])})."
        raise SheetError(msg)
    if ignored:
        log.info("%s: columns not used for scores: %s", label, ", ".join(ignored))
    return _Layout(fields, items, headers, ignored)


def _mostly_numbers(values: pd.Series) -> bool:
    filled = [v for v in values if not is_unfilled(v) and instruction_row([v]) is None]
    if not filled:
        return False
    numbers = sum(1 for v in filled
                  if (isinstance(v, int | float) and not isinstance(v, bool))
                  or (isinstance(v, str) and _is_number(v)))
    return numbers * 2 > len(filled)


def _summary_row(cells: Sequence[object]) -> bool:
    markers = {fold(m) for m in SUMMARY_MARKERS}
    return any(not is_blank(v) and fold(v) in markers for v in cells[:3])


def read_inspections(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    sheet: str | int | None = None,
    zones: pd.DataFrame | Iterable[Hashable] | None = None,
    max_score: float = 100.0,
    check_sum: bool = True,
    headers: Mapping[str, str] | str | os.PathLike[str] | None = None,
) -> Inspections:
    """Read inspection records from Excel, CSV or a table, reporting every bad row.

    Parameters
    ----------
    source : path or pandas.DataFrame
        An Excel workbook (``.xlsx``, ``.xlsm`` or an old ``.xls``), a CSV file (UTF-8 or
        GB18030), or a table already in memory such as the workspace table ``inspections``.
        Headers may be the contract names (``inspection_id``, ``zone_id``, ``date``,
        ``inspector``, ``total``) or the usual Chinese ones (编号, 责任区编号, 检查日期, 检查人,
        总分, ...); a title row above the header and a second header row under merged cells
        are recognised. Every other numeric column is a score item.
    sheet : str or int, optional
        The sheet of a workbook (name or 0-based position); the first visible sheet by
        default.
    zones : DataFrame or iterable of ids, optional
        The zones layer (its ``zone_id`` column) or the zone ids; rows naming another zone
        are reported.
    max_score : float, default 100.0
        Totals must lie in ``[0, max_score]``; item scores must not be negative or above it.
    check_sum : bool, default True
        Report rows whose total differs from the sum of their item scores by more than 0.01.
        A blank total is filled with that sum.
    headers : mapping or path, optional
        Headers of this sheet -> what they hold: a field (``inspection_id``, ``zone_id``,
        ``date``, ``inspector``, ``total``, ``note``), ``item`` (a score item) or ``_ignore``
        (not read); a dict, or a CSV file (or workbook) with the columns ``header`` and
        ``field``. They take precedence over the usual names.

    Returns
    -------
    Inspections
        ``records`` holds the good rows; ``problems`` one entry per bad cell (row as in
        Excel, column as headed, value, why); ``skipped`` the total rows left out.

    Raises
    ------
    LayerFileError
        When the file does not exist or is not Excel or CSV.
    SheetError
        When the sheet has no recognisable header (zone id and date columns).
    InputError
        When ``headers`` maps a header to a field the reader does not know.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({
    ...     "zone_id": ["Z1", "Z9", "Z2"], "date": ["2011-12-05", "2011-12-05", "昨天"],
    ...     "inspector": ["王", "王", "李"], "total": [92, 88, 75]})
    >>> result = read_inspections(table, zones=["Z1", "Z2"])
    >>> result.records[["zone_id", "total"]].to_dict("records")
    [{'zone_id': 'Z1', 'total': 92.0}]
    >>> [(p.row, p.column, p.value) for p in result.problems]
    [(1, 'zone_id', 'Z9'), (2, 'date', '昨天')]
    """
    extra = header_aliases(headers)
    notes: list[str] = []
    formulas: Mapping[tuple[int, int], str] = {}
    if isinstance(source, pd.DataFrame):
        label = "inspections table"
        grid = pd.concat([pd.DataFrame([list(map(str, source.columns))]),
                          pd.DataFrame(source.to_numpy(dtype=object))], ignore_index=True)
        grid = grid.astype(object)
        base = -1  # data row i of the frame is grid row i + 1
    else:
        sheet_grid, label = _load_grid(source, sheet)
        grid, base = sheet_grid.frame(), sheet_grid.first_row
        notes += sheet_grid.notes
        formulas = sheet_grid.formulas
    known = _zone_ids(zones)
    at = _find_header(grid, label, extra)
    names, first = _headers(grid, at, extra)
    data = grid.iloc[first:].reset_index(drop=True)
    layout = _layout(names, data, label, extra)
    reader = _RowReader(layout, label, known, max_score=max_score, check_sum=check_sum)
    for offset in range(len(data)):
        uncomputed = {c: formulas[(first + offset, c)] for c in range(len(names))
                      if (first + offset, c) in formulas}
        reader.read(list(data.iloc[offset]), row=first + offset + base, uncomputed=uncomputed)
    if layout.ignored:
        notes.append(f"{label}: columns not used for scores: {', '.join(layout.ignored)}")
    return reader.result(notes)


def _zone_ids(zones: pd.DataFrame | Iterable[Hashable] | None) -> dict[str, str] | None:
    """The zone ids by key (:func:`fold`), as the zones write them (``str``)."""
    if zones is None:
        return None
    if isinstance(zones, pd.DataFrame):
        if "zone_id" not in zones.columns:
            msg = "zones has no 'zone_id' column; pass the sanitation_zones layer or the ids."
            raise InputError(msg)
        values: Iterable[Hashable] = zones["zone_id"].dropna()
    else:
        values = zones
    return {fold(shown(v)): str(v) for v in values}


class _RowReader:
    """Checks rows one by one and keeps the good ones."""

    def __init__(self, layout: _Layout, label: str, known: dict[str, str] | None, *,
                 max_score: float, check_sum: bool) -> None:
        self.layout = layout
        self.label = label
        self.known = known
        self.max_score = max_score
        self.check_sum = check_sum
        self.records: list[dict[str, object]] = []
        self.problems: list[Problem] = []
        self.skipped: list[Problem] = []
        self.seen_ids: dict[str, int] = {}
        self.placeholders: dict[int, list[str]] = {}
        self.n_rows = 0
        self.used = sorted({*layout.fields.values(), *layout.items.values()})

    def _problem(self, row: int, field_name: str, value: object, message: str) -> None:
        index = self.layout.fields.get(field_name, self.layout.items.get(field_name))
        column = self.layout.headers[index] if index is not None else field_name
        if any(p.row == row and p.column == column for p in self.problems[-8:]):
            return  # one problem per cell (a formula never computed is also blank)
        self.problems.append(Problem(self.label, message, row=row, column=column,
                                     value=None if is_blank(value) else shown(value)))

    def _skip(self, row: int, message: str, value: object = None) -> None:
        self.skipped.append(Problem(self.label, message, row=row,
                                    value=None if value is None else shown(value)))

    def read(self, raw: list[object], *, row: int,
             uncomputed: Mapping[int, str] | None = None) -> None:
        found = [str(v).strip() for v in raw if is_placeholder(v)]
        cells = [None if is_placeholder(v) else v for v in raw]
        uncomputed = uncomputed or {}
        if all(is_blank(v) for v in cells) and not uncomputed:
            if found:
                self._skip(row, "a template row (only placeholders): left out")
            return
        if found:
            self.placeholders[row] = found
        fields = self.layout.fields
        text = instruction_row(cells)
        if text is not None:
            self._skip(row, "a note or filling instruction, not an inspection: left out", text)
            return
        if _summary_row(cells) and is_blank(cells[fields["zone_id"]]):
            self._skip(row, "a summary row, not an inspection: left out",
                       next(v for v in cells if not is_blank(v)))
            return
        if not uncomputed and all(is_blank(cells[i]) for i in self.used):
            self._skip(row, "a template row (only a row number or columns that are not read): "
                       "left out")
            return
        self._record(cells, row, uncomputed)

    def _record(self, cells: list[object], row: int, uncomputed: Mapping[int, str]) -> None:
        self.n_rows += 1
        before = len(self.problems)
        by_index = {i: name for name, i in (*self.layout.fields.items(),
                                            *self.layout.items.items())}
        for i, formula in uncomputed.items():
            if i in by_index:
                self._problem(row, by_index[i], formula, _UNCOMPUTED)
        fields = self.layout.fields
        record: dict[str, object] = {"row": row}
        record["zone_id"] = self._zone(cells[fields["zone_id"]], row)
        record["date"] = self._date(cells[fields["date"]], row)
        record["inspection_id"] = self._inspection_id(cells, row)
        for name in ("inspector", "note"):
            value = cells[fields[name]] if name in fields else None
            record[name] = None if is_unfilled(value) else clean_text(value)
        items = {name: self._score(cells[i], row, name, item=True)
                 for name, i in self.layout.items.items()}
        record.update(items)
        record["total"] = self._total(cells, items, row)
        if len(self.problems) == before:
            self.records.append(record)

    def _zone(self, value: object, row: int) -> str | None:
        if is_blank(value):
            self._problem(row, "zone_id", value, "the zone id is missing")
            return None
        text = str(clean_text(value))
        if self.known is None:
            return text
        match = self.known.get(fold(text))
        if match is None:
            sample = ", ".join(sorted(self.known.values())[:5])
            self._problem(row, "zone_id", value, f"unknown zone id: no zone has it (zone ids "
                          f"look like {sample}); correct the id or add the zone")
            return text
        return match

    def _date(self, value: object, row: int) -> dt.date | None:
        try:
            parsed = inspection_day(value)
        except ValueError as err:
            self._problem(row, "date", value, f"not the date of an inspection: {err}")
            return None
        if parsed is None:
            self._problem(row, "date", value, "the inspection date is missing")
        return parsed

    def _inspection_id(self, cells: list[object], row: int) -> str:
        index = self.layout.fields.get("inspection_id")
        if index is None or is_blank(cells[index]):
            return f"{self.label}:{row}"
        text = str(clean_text(cells[index]))
        if compact(text) in self.seen_ids:
            self._problem(row, "inspection_id", text, f"duplicate inspection id (first in row "
                          f"{self.seen_ids[compact(text)]}); give every record its own id")
        else:
            self.seen_ids[compact(text)] = row
        return text

    def _score(self, value: object, row: int, name: str, *, item: bool) -> float | None:
        what = "item score" if item else "total score"
        try:
            score = parse_score(value)
        except ValueError:
            self._problem(row, name, value, f"the {what} is not a number")
            return None
        if score is not None and not 0 <= score <= self.max_score:
            self._problem(row, name, value, f"the {what} is out of range (0 to "
                          f"{self.max_score:g})")
            return None
        return score

    def _total(self, cells: list[object], items: dict[str, float | None], row: int
               ) -> float | None:
        index = self.layout.fields.get("total")
        total = (self._score(cells[index], row, "total", item=False)
                 if index is not None else None)
        complete = bool(items) and all(v is not None for v in items.values())
        item_sum = math.fsum(v for v in items.values() if v is not None)
        if total is None and index is not None and is_blank(cells[index]) and not complete:
            self._problem(row, "total", None, "the total score is missing")
        if total is None and complete:
            if item_sum > self.max_score:
                self._problem(row, "total", None, f"the item scores add up to {item_sum:g}, "
                              f"above {self.max_score:g}")
                return None
            return item_sum
        if (self.check_sum and complete and total is not None
                and abs(total - item_sum) > _SUM_TOLERANCE):
            self._problem(row, "total", cells[index] if index is not None else None,
                          f"the total does not equal the sum of the item scores ({item_sum:g})")
        return total

    def result(self, notes: Sequence[str] = ()) -> Inspections:
        items = tuple(self.layout.items)
        columns = ["inspection_id", "zone_id", "date", "inspector", *items, "total", "note",
                   "row"]
        records = pd.DataFrame(self.records, columns=columns)
        records["date"] = pd.to_datetime(records["date"])
        for name in (*items, "total"):
            records[name] = records[name].astype(float)
        records["row"] = records["row"].astype(int)
        if self.problems:
            log.warning("%s: %d problem(s) in %d row(s); those rows are left out", self.label,
                        len(self.problems), len({p.row for p in self.problems}))
        every = list(notes)
        if self.placeholders:
            texts = [t for found in self.placeholders.values() for t in found]
            rows = ", ".join(map(str, sorted(self.placeholders)[:10]))
            every.append(f"{self.label}: {len(texts)} cell(s) hold a placeholder "
                         f"({', '.join(sorted(set(map(repr, texts))))}) and were read as "
                         f"blank: rows {rows}" + (" ..." if len(self.placeholders) > 10 else ""))
        for note in every:
            log.info(note)
        return Inspections(records=records, problems=tuple(self.problems),
                           skipped=tuple(self.skipped), items=items, source=self.label,
                           n_rows=self.n_rows, notes=tuple(every))


# --------------------------------------------------------------------------------------------
# coercion


def as_inspections(
    inspections: Inspections | pd.DataFrame, zones: pd.DataFrame | None = None
) -> Inspections:
    """An :class:`Inspections` from itself or from a table (checked; problems raise)."""
    if isinstance(inspections, Inspections):
        return inspections
    if isinstance(inspections, pd.DataFrame):
        result = read_inspections(inspections, zones=zones)
        result.raise_if_any()
        return result
    msg = ("inspections must be the result of planning.sanitation.read_inspections() or a "
           f"table (pandas.DataFrame), got {type(inspections).__name__}.")
    raise TypeError(msg)
