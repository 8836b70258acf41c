"""The one grid reader: a sheet of an ``.xlsx`` / ``.xlsm`` / ``.xls`` workbook or a ``.csv``
file (internals).

A workbook is read by what it holds, not by its name: a zip package as ``.xlsx`` (openpyxl's
streaming parser), an OLE2 compound file holding a BIFF workbook as ``.xls`` (xlrd, in
:mod:`planning.io._workbook_xls`), each with a note when the name says otherwise; a web page,
a password-protected workbook or a damaged file is refused with a message saying what to do.

Memory follows the cells that exist, never a sheet's declared dimensions nor its merged
ranges: an ``.xlsx`` sheet's XML is parsed row by row and only cells holding a value are kept
(:mod:`planning.io._workbook_grid` builds the grid and refuses a box of more than
:data:`MAX_GRID_CELLS` cells before anything is allocated). Formula cells whose value was
never computed (no cached value: a workbook written by a program and never opened in Excel)
are listed in :attr:`Grid.formulas` and noted, so that readers never take them for blanks.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import logging
import warnings
import zipfile
from pathlib import Path
from typing import Any

from planning._errors import LayerFileError, SheetError
from planning.io._workbook_grid import (
    MAX_GRID_CELLS,
    Box,
    Cells,
    Grid,
    Ranges,
    SheetInfo,
    build_grid,
    choose_sheet,
    formula_notes,
)
from planning.io._workbook_xls import OLE_MAGIC, not_a_workbook, read_xls

log = logging.getLogger(__name__)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".txt")
_ZIP_MAGIC = b"PK\x03\x04"

__all__ = ["CSV_SUFFIXES", "MAX_GRID_CELLS", "WORKBOOK_SUFFIXES", "read_grid_file"]


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
    if suffix not in WORKBOOK_SUFFIXES:
        msg = (f"Cannot read {source.name} as a sheet: expected an Excel workbook (.xlsx, "
               f".xlsm, .xls) or a CSV file (.csv), got {suffix or 'no suffix'}.")
        raise LayerFileError(msg)
    with source.open("rb") as handle:
        start = handle.read(8)
    if start.startswith(OLE_MAGIC):
        grid = read_xls(source, sheet, max_cells)
        if suffix != ".xls":
            note = (f"{source.name} is an Excel 97-2003 workbook (.xls) named {suffix}; it was "
                    "read as .xls")
            log.info(note)
            grid = _with_note(grid, note)
        return grid
    if not start.startswith(_ZIP_MAGIC):
        raise not_a_workbook(source, start)
    grid = _read_workbook(source, sheet, max_cells)
    if suffix == ".xls":
        note = f"{source.name} is an Excel workbook (.xlsx) named .xls; it was read as .xlsx"
        log.info(note)
        grid = _with_note(grid, note)
    return grid


def _with_note(grid: Grid, note: str) -> Grid:
    return dataclasses.replace(grid, notes=(note, *grid.notes))


# --------------------------------------------------------------------------------------------
# .xlsx / .xlsm


def _open_error(path: Path, exc: Exception) -> LayerFileError:
    why = (f"it is not a valid .xlsx file ({exc}); it may be damaged or not fully "
           "downloaded: save it again from Excel or WPS as .xlsx")
    return LayerFileError(f"Cannot open {path.name} as an Excel workbook: {why}.")


def _read_workbook(path: Path, sheet: str | int | None, max_cells: int) -> Grid:
    import openpyxl  # noqa: PLC0415  (heavy; only needed to read workbooks)

    # a file object: openpyxl would refuse a workbook named .xls by its name alone
    with warnings.catch_warnings(record=True) as caught, path.open("rb") as handle:
        warnings.simplefilter("always")
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
            raise _open_error(path, exc) from exc
        try:
            infos = tuple(SheetInfo(name, str(book[name].sheet_state))
                          for name in book.sheetnames)
            name, notes = choose_sheet(path, infos, sheet)
            ws = book[name]
            if not hasattr(ws, "_worksheet_path"):
                msg = (f"{path.name}: the sheet {name!r} is a chart sheet and has no cells; "
                       "name a worksheet with sheet=...")
                raise LayerFileError(msg)
            label = f"{path.name} [{name}]"
            parsed = _parse_cells(ws, book, label=label, max_cells=max_cells)
            recalc = bool(getattr(getattr(book, "calculation", None), "fullCalcOnLoad", False))
        finally:
            book.close()
    notes += formula_notes(label, parsed.uncached)
    if recalc and parsed.computed:
        notes.append(f"{label}: the workbook asks to be recalculated when opened (it was "
                     f"written by a program); the values of its {parsed.computed} formula "
                     "cell(s) may not be up to date: open it in Excel or WPS and save it to be "
                     "sure")
    notes += [f"{path.name}: {w.message}" for w in caught]
    for note in notes:
        log.info(note)
    return build_grid(path.name, name, parsed.cells, parsed.ranges, sheets=infos,
                      notes=tuple(notes), max_cells=max_cells, uncached=parsed.uncached,
                      percents=parsed.percents)


@dataclasses.dataclass
class _Parsed:
    """What the streaming parser found in one sheet."""

    cells: Cells
    ranges: Ranges
    uncached: list[tuple[int, int, str]]  # formula cells without a cached value
    computed: int  # formula cells with one
    percents: list[tuple[int, int]]  # numbers shown as percentages


def _percent_styles(book: Any) -> frozenset[int]:
    """The style ids whose number format shows a percentage (``0%``, ``0.0%``)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS  # noqa: PLC0415

    custom = list(getattr(book, "_number_formats", ()))
    found = set()
    for i, style in enumerate(getattr(book, "_cell_styles", ())):
        number = int(getattr(style, "numFmtId", 0) or 0)
        fmt = BUILTIN_FORMATS.get(number, "") if number < 164 else (
            custom[number - 164] if number - 164 < len(custom) else "")
        if "%" in str(fmt).replace('"%"', "").replace("\\%", ""):
            found.add(i)
    return frozenset(found)


@functools.cache
def _parser_class() -> Any:
    """openpyxl's streaming sheet parser, also noting formula cells without a cached value."""
    # the parser behind openpyxl's read-only sheets: it yields only the cells that exist,
    # where ReadOnlyWorksheet.iter_rows pads every row to its last column
    from openpyxl.worksheet._reader import (  # noqa: PLC0415
        FORMULA_TAG,
        VALUE_TAG,
        WorkSheetParser,
    )

    class _Parser(WorkSheetParser):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.uncached: list[tuple[int, int, str]] = []
            self.computed = 0
            self.percents: list[tuple[int, int]] = []
            self.percent_styles: frozenset[int] = frozenset()

        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            value = cell["value"]
            if (cell["style_id"] in self.percent_styles and isinstance(value, int | float)
                    and not isinstance(value, bool)):
                self.percents.append((cell["row"], cell["column"]))
            formula = element.find(FORMULA_TAG)
            if formula is not None:
                # no value, or an empty one that is not an empty text (openpyxl writes <v/>)
                cached = element.findtext(VALUE_TAG)
                if cell["value"] is None and (cached is None or (
                        not cached and element.get("t") not in ("str", "s", "inlineStr"))):
                    self.uncached.append((cell["row"], cell["column"],
                                          "=" + (formula.text or "")))
                else:
                    self.computed += 1
            return cell

    return _Parser


def _parse_cells(ws: Any, book: Any, *, label: str, max_cells: int) -> _Parsed:
    """The rows holding values: (row, columns, values); the merged ranges (1-based min_row,
    min_col, max_row, max_col); the formula cells without a cached value (row, column,
    formula), the count of formula cells with one, and the numbers shown as percentages,
    streamed from the sheet's XML."""
    from openpyxl.utils.cell import range_boundaries  # noqa: PLC0415

    rows: Cells = []
    box = Box()
    with ws._get_source() as src:
        parser = _parser_class()(src, ws._shared_strings, data_only=True,
                                 epoch=book.epoch, date_formats=book._date_formats,
                                 timedelta_formats=book._timedelta_formats)
        parser.percent_styles = _percent_styles(book)
        for row, cells in parser.parse():
            columns = [c["column"] for c in cells if c["value"] is not None]
            if not columns:
                continue
            values = [c["value"] for c in cells if c["value"] is not None]
            box.add(row, columns, values)
            box.check(label, max_cells)
            rows.append((row, columns, values))
        merged = parser.merged_cells
        uncached = parser.uncached
    for r, c, formula in uncached:
        box.add(r, [c], [formula])
    box.check(label, max_cells)
    ranges = []
    for item in (merged.mergeCell if merged is not None else ()):
        bounds = range_boundaries(item.ref)
        if None not in bounds:
            min_col, min_row, max_col, max_row = (int(b) for b in bounds)  # type: ignore[arg-type]
            ranges.append((min_row, min_col, max_row, max_col))
    return _Parsed(rows, ranges, uncached, parser.computed, parser.percents)


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
    return Grid(path.name, path.stem, rows, sheets=(SheetInfo(path.stem),), notes=notes,
                kind="csv")


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
