"""The one grid reader: a sheet of an ``.xlsx`` / ``.xlsm`` workbook or a ``.csv`` file (internals).

Memory follows the cells that exist, never a sheet's declared dimensions nor its merged
ranges: the sheet's XML is parsed row by row, only cells holding a value are kept, and the
grid spans the box those cells occupy (its :attr:`Grid.first_row` / :attr:`Grid.first_column`
say where it starts). When that box would hold more than :data:`MAX_GRID_CELLS` cells the
sheet is refused with a :class:`~planning._errors.SheetError` naming the far cell, before
anything is allocated. Merged ranges are filled from their top-left cell only inside the grid,
and looked up through a per-row index, never expanded cell by cell.
"""

from __future__ import annotations

import csv
import logging
import warnings
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planning._errors import LayerFileError, Problem, SheetError

log = logging.getLogger(__name__)

#: the most cells the box of a sheet's values may span (rows x columns), e.g. 100,000 rows
#: of 20 columns; a sheet beyond it is refused rather than allocated
MAX_GRID_CELLS = 2_000_000
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an old .xls (or a password-protected workbook)


@dataclass(frozen=True)
class SheetInfo:
    """A sheet of a workbook: its name and visibility (``visible``, ``hidden``, ``veryHidden``)."""

    name: str
    state: str = "visible"

    @property
    def visible(self) -> bool:
        return self.state == "visible"


class MergeIndex(Mapping[tuple[int, int], tuple[int, int]]):
    """Grid cell -> grid cell of its merged range's top-left, for cells inside a merge.

    Kept as one interval per merged range and grid row, so a range such as A3:XFD1048576
    costs what the grid's rows cost, not what the range declares.
    """

    def __init__(self, ranges: Sequence[tuple[int, int, int, int]] = ()) -> None:
        self._by_row: dict[int, list[tuple[int, int, tuple[int, int]]]] = {}
        self._size = 0
        for r1, c1, r2, c2 in ranges:  # grid coordinates, inclusive, already clipped
            for r in range(r1, r2 + 1):
                self._by_row.setdefault(r, []).append((c1, c2, (r1, c1)))
            self._size += (r2 - r1 + 1) * (c2 - c1 + 1)

    def __getitem__(self, key: tuple[int, int]) -> tuple[int, int]:
        row, column = key
        for c1, c2, top in self._by_row.get(row, ()):
            if c1 <= column <= c2:
                return top
        raise KeyError(key)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for row, spans in self._by_row.items():
            for c1, c2, _ in spans:
                for column in range(c1, c2 + 1):
                    yield row, column

    def __len__(self) -> int:
        return self._size


@dataclass(frozen=True, eq=False)
class Grid:
    """The values of one sheet, as a dense grid over the box of cells holding a value.

    Attributes
    ----------
    source : str
        The file's name.
    title : str
        The sheet's name (the file's stem for a CSV file).
    rows : list of list
        ``rows[i][j]`` is the cell at Excel row ``first_row + i``, column
        ``first_column + j``: None when empty, cells of a merged range filled with the value
        of its top-left cell.
    first_row, first_column : int
        Where the grid starts in the sheet (1-based).
    merges : tuple of (min_row, min_column, max_row, max_column)
        Every merged range as the sheet declares it (1-based, not clipped).
    merged : Mapping
        ``(i, j) -> (i0, j0)``: the grid cells inside a merged range whose top-left cell lies
        in the grid, to that top-left cell.
    sheets : tuple of SheetInfo
        Every sheet of the workbook in order, with its visibility.
    notes : tuple of str
        What the reader noticed (a hidden sheet skipped, warnings of the file).
    """

    source: str
    title: str
    rows: list[list[Any]]
    first_row: int = 1
    first_column: int = 1
    merges: tuple[tuple[int, int, int, int], ...] = ()
    merged: Mapping[tuple[int, int], tuple[int, int]] = field(default_factory=MergeIndex)
    sheets: tuple[SheetInfo, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``file [sheet]``, for messages."""
        return f"{self.source} [{self.title}]"

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def n_columns(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    def excel_row(self, i: int) -> int:
        """The row number Excel shows for grid row ``i``."""
        return self.first_row + i

    def frame(self) -> pd.DataFrame:
        """The grid as a DataFrame of objects (columns and index numbered from 0)."""
        return pd.DataFrame(self.rows, dtype=object)


def read_grid_file(path: str | Path, sheet: str | int | None = None, *,
                   max_cells: int = MAX_GRID_CELLS) -> Grid:
    """Read one sheet (see :func:`planning.io.workbook.read_grid`)."""
    source = Path(path)
    if not source.is_file():
        msg = f"The file {source} does not exist (or is a folder); check the path."
        raise LayerFileError(msg)
    suffix = source.suffix.lower()
    if suffix in CSV_SUFFIXES:
        if sheet is not None:
            msg = f"{source.name} is a CSV file and has no sheets; leave out sheet={sheet!r}."
            raise LayerFileError(msg)
        return _read_csv(source, max_cells)
    if suffix == ".xls":
        msg = (f"{source.name} is an old Excel 97-2003 workbook (.xls), which this toolkit "
               "does not read: open it in Excel or WPS, save it as an Excel Workbook (.xlsx) "
               "and read the .xlsx.")
        raise LayerFileError(msg)
    if suffix not in WORKBOOK_SUFFIXES:
        msg = (f"Cannot read {source.name} as a sheet: expected an Excel workbook (.xlsx, "
               f".xlsm) or a CSV file (.csv), got {suffix or 'no suffix'}.")
        raise LayerFileError(msg)
    return _read_workbook(source, sheet, max_cells)


# --------------------------------------------------------------------------------------------
# workbooks


def _open_error(path: Path, exc: Exception) -> LayerFileError:
    with path.open("rb") as handle:
        start = handle.read(8)
    if start.startswith(_OLE_MAGIC):
        why = ("it is an old Excel 97-2003 workbook (.xls) renamed to .xlsx, or a workbook "
               "protected by a password: open it in Excel or WPS and save it as an Excel "
               "Workbook (.xlsx) without a password")
    elif start.lstrip().startswith(b"<"):
        why = ("it is a web page or an XML spreadsheet saved under an .xlsx name: open it in "
               "Excel or WPS and save it as an Excel Workbook (.xlsx)")
    else:
        why = (f"it is not a valid .xlsx file ({exc}); it may be damaged or not fully "
               "downloaded: save it again from Excel or WPS as .xlsx")
    return LayerFileError(f"Cannot open {path.name} as an Excel workbook: {why}.")


def _read_workbook(path: Path, sheet: str | int | None, max_cells: int) -> Grid:
    import openpyxl  # noqa: PLC0415  (heavy; only needed to read workbooks)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
            raise _open_error(path, exc) from exc
        try:
            infos = tuple(SheetInfo(name, str(book[name].sheet_state))
                          for name in book.sheetnames)
            name, notes = _choose_sheet(path, infos, sheet)
            ws = book[name]
            if not hasattr(ws, "_worksheet_path"):
                msg = (f"{path.name}: the sheet {name!r} is a chart sheet and has no cells; "
                       "name a worksheet with sheet=...")
                raise LayerFileError(msg)
            cells, ranges = _parse_cells(ws, book, label=f"{path.name} [{name}]",
                                         max_cells=max_cells)
        finally:
            book.close()
    notes += [f"{path.name}: {w.message}" for w in caught]
    for note in notes:
        log.info(note)
    return _grid(path.name, name, cells, ranges, sheets=infos, notes=tuple(notes),
                 max_cells=max_cells)


def _choose_sheet(path: Path, infos: tuple[SheetInfo, ...], sheet: str | int | None
                  ) -> tuple[str, list[str]]:
    names = [i.name for i in infos]
    listing = ", ".join(f"{i.name}" + ("" if i.visible else f" ({i.state})") for i in infos)
    if sheet is None:
        visible = [i for i in infos if i.visible]
        if not visible:
            msg = (f"{path.name} has no visible sheet ({listing}); name the sheet to read "
                   "with sheet=..., or unhide it in Excel or WPS.")
            raise LayerFileError(msg)
        skipped = infos[: infos.index(visible[0])]
        notes = [f"{path.name}: the sheet {i.name!r} is {i.state} and was not read; the first "
                 f"visible sheet {visible[0].name!r} was read instead (name it with "
                 f"sheet={i.name!r} to read it)" for i in skipped]
        return visible[0].name, notes
    if isinstance(sheet, bool) or not isinstance(sheet, str | int):
        msg = f"sheet must be a sheet's name or its 0-based position, got {sheet!r}"
        raise LayerFileError(msg)
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            msg = f"{path.name} has {len(names)} sheet(s) ({listing}); no sheet {sheet}"
            raise LayerFileError(msg)
        info = infos[sheet]
    elif sheet not in names:
        msg = f"{path.name} has no sheet {sheet!r}; its sheets are {listing}"
        raise LayerFileError(msg)
    else:
        info = infos[names.index(sheet)]
    notes = [] if info.visible else [
        f"{path.name}: the sheet {info.name!r} is {info.state}; it was read because it was "
        "named"]
    return info.name, notes


_Cells = list[tuple[int, list[int], list[Any]]]


def _parse_cells(ws: Any, book: Any, *, label: str, max_cells: int
                 ) -> tuple[_Cells, list[tuple[int, int, int, int]]]:
    """The rows holding values: (row, columns, values); and the merged ranges (1-based
    min_row, min_col, max_row, max_col), streamed from the sheet's XML."""
    from openpyxl.utils.cell import range_boundaries  # noqa: PLC0415

    # the streaming parser behind openpyxl's read-only sheets: it yields only the cells that
    # exist, where ReadOnlyWorksheet.iter_rows pads every row to its last column
    from openpyxl.worksheet._reader import WorkSheetParser  # noqa: PLC0415

    rows: _Cells = []
    box = _Box()
    with ws._get_source() as src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=True,
                                 epoch=book.epoch, date_formats=book._date_formats,
                                 timedelta_formats=book._timedelta_formats)
        for row, cells in parser.parse():
            columns = [c["column"] for c in cells if c["value"] is not None]
            if not columns:
                continue
            values = [c["value"] for c in cells if c["value"] is not None]
            box.add(row, columns, values)
            box.check(label, max_cells)
            rows.append((row, columns, values))
        merged = parser.merged_cells
    ranges = []
    for item in (merged.mergeCell if merged is not None else ()):
        bounds = range_boundaries(item.ref)
        if None not in bounds:
            min_col, min_row, max_col, max_row = (int(b) for b in bounds)  # type: ignore[arg-type]
            ranges.append((min_row, min_col, max_row, max_col))
    return rows, ranges


class _Box:
    """The running box of the cells holding a value, and the cell that last widened it."""

    def __init__(self) -> None:
        self.rows = (0, 0)
        self.columns = (0, 0)
        self.count = 0
        self.far: tuple[int, int, Any] | None = None

    def add(self, row: int, columns: list[int], values: list[Any]) -> None:
        self.count += len(columns)
        low, high = min(columns), max(columns)
        if not self.count - len(columns):
            self.rows, self.columns = (row, row), (low, high)
            return
        if high > self.columns[1]:
            self.far = (row, high, values[columns.index(high)])
        elif low < self.columns[0]:
            self.far = (row, low, values[columns.index(low)])
        elif row > self.rows[1]:
            self.far = (row, columns[0], values[0])
        self.rows = (min(self.rows[0], row), max(self.rows[1], row))
        self.columns = (min(self.columns[0], low), max(self.columns[1], high))

    @property
    def size(self) -> int:
        return (self.rows[1] - self.rows[0] + 1) * (self.columns[1] - self.columns[0] + 1)

    def check(self, label: str, max_cells: int) -> None:
        if self.size <= max_cells and self.count <= max_cells:
            return
        from openpyxl.utils import get_column_letter  # noqa: PLC0415

        first = f"{get_column_letter(self.columns[0])}{self.rows[0]}"
        last = f"{get_column_letter(self.columns[1])}{self.rows[1]}"
        n_rows = self.rows[1] - self.rows[0] + 1
        n_cols = self.columns[1] - self.columns[0] + 1
        problems = []
        where = ""
        if self.far is not None:
            row, col, value = self.far
            where = f" The value at {get_column_letter(col)}{row} ({str(value)[:40]!r}) lies far " \
                    "from the others."
            problems.append(Problem(label, "a value far from the table", row=row,
                                    column=get_column_letter(col), value=str(value)[:40]))
        msg = (f"The sheet {label} has values from {first} to {last} ({n_rows:,} rows by "
               f"{n_cols:,} columns, {n_rows * n_cols:,} cells), more than the "
               f"{max_cells:,} cells a sheet may span here.{where} A stray value below or to "
               "the right of the table usually causes this: in Excel or WPS delete the rows "
               "below and the columns to the right of the table, save, and read it again.")
        raise SheetError(msg, problems)


def _grid(source: str, title: str, cells: _Cells, ranges: list[tuple[int, int, int, int]], *,
          sheets: tuple[SheetInfo, ...], notes: tuple[str, ...], max_cells: int) -> Grid:
    """The dense grid over the box of ``cells``, merged ranges filled inside it."""
    if not cells:
        return Grid(source, title, [], merges=tuple(ranges), sheets=sheets, notes=notes)
    first_row = min(r for r, _, _ in cells)
    last_row = max(r for r, _, _ in cells)
    first_col = min(min(cols) for _, cols, _ in cells)
    last_col = max(max(cols) for _, cols, _ in cells)
    width = last_col - first_col + 1
    rows: list[list[Any]] = [[None] * width for _ in range(last_row - first_row + 1)]
    for r, cols, values in cells:
        line = rows[r - first_row]
        for c, value in zip(cols, values, strict=True):
            line[c - first_col] = value
    clipped = []
    filled = 0
    for min_row, min_col, max_row, max_col in ranges:
        top = (min_row - first_row, min_col - first_col)
        if not (0 <= top[0] < len(rows) and 0 <= top[1] < width):
            continue  # the top-left cell holds no value: nothing to fill
        r2, c2 = min(max_row - first_row, len(rows) - 1), min(max_col - first_col, width - 1)
        filled += (r2 - top[0] + 1) * (c2 - top[1] + 1)
        if filled > max_cells:
            msg = (f"The merged ranges of {source} [{title}] overlap over more than "
                   f"{max_cells:,} cells; unmerge them in Excel or WPS and read it again.")
            raise SheetError(msg)
        value = rows[top[0]][top[1]]
        for r in range(top[0], r2 + 1):
            rows[r][top[1]: c2 + 1] = [value] * (c2 - top[1] + 1)
        clipped.append((top[0], top[1], r2, c2))
    return Grid(source, title, rows, first_row, first_col, tuple(ranges), MergeIndex(clipped),
                sheets, notes)


# --------------------------------------------------------------------------------------------
# CSV


def _read_csv(path: Path, max_cells: int) -> Grid:
    """A CSV file as text cells (UTF-8 with or without BOM, else GB18030); "" is empty."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            rows = _csv_rows(path, encoding, max_cells)
        except UnicodeDecodeError:
            continue
        break
    else:
        msg = f"{path.name} is neither UTF-8 nor GB18030 text; save it as UTF-8 CSV."
        raise LayerFileError(msg)
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend([None] * (width - len(row)))
    notes = () if encoding == "utf-8-sig" else (f"{path.name}: read as GB18030 text",)
    return Grid(path.name, path.stem, rows, sheets=(SheetInfo(path.stem),), notes=notes)


def _csv_rows(path: Path, encoding: str, max_cells: int) -> list[list[Any]]:
    rows: list[list[Any]] = []
    width = 0
    with path.open(encoding=encoding, newline="") as handle:
        try:
            for line in csv.reader(handle):
                width = max(width, len(line))
                if (len(rows) + 1) * width > max_cells:
                    msg = (f"{path.name} has more than {max_cells:,} cells ({len(rows) + 1:,} "
                           f"rows by {width:,} columns); split the file.")
                    raise SheetError(msg)
                rows.append([v if v != "" else None for v in line])
        except csv.Error as exc:
            msg = f"Cannot read {path.name} as CSV: {exc}. Save it again as UTF-8 CSV."
            raise LayerFileError(msg) from exc
    return rows
