"""Reading one sheet of an old Excel 97-2003 workbook (``.xls``, BIFF) with xlrd (internals).

The sheet is loaded alone (``on_demand``) with ragged rows, so memory follows the cells the
file holds, not the 65,536 x 256 cells a sheet may declare; the box of its values is checked
against ``max_cells`` like an ``.xlsx`` sheet's. Merged ranges, sheet visibility (hidden
sheets are never read in place of the visible one), dates (by the cell's number format),
booleans and error values (``#N/A``) are read as the ``.xlsx`` reader reads them; whole
numbers come back as ``int`` (BIFF stores every number as a double). An ``.xls`` formula always
carries the value its program last computed, and that value is what is read.
"""

from __future__ import annotations

import io
import logging
import struct
from pathlib import Path
from typing import Any

from planning._errors import LayerFileError, SheetError
from planning.io._workbook_grid import (
    Box,
    Cells,
    Grid,
    Ranges,
    SheetInfo,
    build_grid,
    choose_sheet,
)

log = logging.getLogger(__name__)

#: the first bytes of an OLE2 compound file (an .xls, or a password-protected .xlsx)
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_STATES = {0: "visible", 1: "hidden", 2: "veryHidden"}
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_WORD = "WordDocument".encode("utf-16-le")


def _xlrd_errors() -> tuple[type[BaseException], ...]:
    """What xlrd raises on a damaged or unexpected file."""
    from xlrd.biffh import XLRDError  # noqa: PLC0415
    from xlrd.compdoc import CompDocError  # noqa: PLC0415

    return (XLRDError, CompDocError, struct.error, AssertionError, IndexError, KeyError,
            ValueError, TypeError, OverflowError, EOFError)


def read_xls(path: Path, sheet: str | int | None, max_cells: int) -> Grid:
    """One sheet of an ``.xls`` workbook as a :class:`Grid` (see the module documentation)."""
    import xlrd  # noqa: PLC0415  (only needed for .xls)

    data = path.read_bytes()
    messages = io.StringIO()
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, formatting_info=True,
                                  ragged_rows=True, logfile=messages, verbosity=0)
    except _xlrd_errors() as exc:
        raise _damaged(path, data, exc) from exc
    try:
        names = list(book.sheet_names())
        states = list(getattr(book, "_sheet_visibility", ())) or [0] * len(names)
        infos = tuple(SheetInfo(n, _STATES.get(s, "hidden"))
                      for n, s in zip(names, states, strict=False))
        if not infos:
            msg = f"{path.name} holds no worksheet (only charts or macros); nothing to read."
            raise LayerFileError(msg)
        name, notes = choose_sheet(path, infos, sheet)
        label = f"{path.name} [{name}]"
        try:
            ws = book.sheet_by_name(name)
            cells, percents = _cells(ws, book, label, max_cells)
            ranges: Ranges = [(rlo + 1, clo + 1, rhi, chi)
                              for rlo, rhi, clo, chi in ws.merged_cells if rhi > rlo and chi > clo]
        except SheetError:
            raise
        except _xlrd_errors() as exc:
            raise _damaged(path, data, exc) from exc
    finally:
        book.release_resources()
    notes += [f"{path.name}: {line.strip()}" for line in messages.getvalue().splitlines()
              if line.strip()]
    for note in notes:
        log.info(note)
    return build_grid(path.name, name, cells, ranges, sheets=infos, notes=tuple(notes),
                      max_cells=max_cells, kind="xls", percents=percents)


def _percent_xfs(book: Any) -> frozenset[int]:
    """The cell formats (XF records) whose number format shows a percentage."""
    formats = getattr(book, "format_map", {})
    found = set()
    for i, xf in enumerate(getattr(book, "xf_list", ())):
        fmt = getattr(formats.get(xf.format_key), "format_str", "")
        if "%" in str(fmt).replace('"%"', "").replace("\\%", ""):
            found.add(i)
    return frozenset(found)


def _cells(ws: Any, book: Any, label: str, max_cells: int
           ) -> tuple[Cells, list[tuple[int, int]]]:
    """The cells holding a value, and the numbers shown as percentages (1-based)."""
    import xlrd  # noqa: PLC0415

    text, number = xlrd.XL_CELL_TEXT, xlrd.XL_CELL_NUMBER
    box = Box()
    rows: Cells = []
    percent_xfs = _percent_xfs(book)
    percents = []
    for r in range(ws.nrows):
        columns: list[int] = []
        values: list[Any] = []
        for c, (kind, raw) in enumerate(zip(ws.row_types(r), ws.row_values(r), strict=True)):
            if kind == text:  # the common cases first, inline
                value = raw if raw != "" else None
            elif kind == number:
                value = int(raw) if raw.is_integer() and abs(raw) < 2**53 else raw
                if percent_xfs and ws.cell_xf_index(r, c) in percent_xfs:
                    percents.append((r + 1, c + 1))
            else:
                value = _value(kind, raw, book.datemode)
            if value is not None:
                columns.append(c + 1)
                values.append(value)
        if columns:
            box.add(r + 1, columns, values)
            box.check(label, max_cells)
            rows.append((r + 1, columns, values))
    return rows, percents


def _value(kind: int, raw: Any, datemode: int) -> Any:
    """A date, boolean or error cell as the ``.xlsx`` reader gives it; None for a blank."""
    import xlrd  # noqa: PLC0415

    value: Any = None  # empty, or a blank cell that only carries formatting
    if kind == xlrd.XL_CELL_DATE:
        try:
            value = xlrd.xldate.xldate_as_datetime(raw, datemode)
        except (xlrd.xldate.XLDateError, OverflowError, ValueError):
            value = float(raw)
    elif kind == xlrd.XL_CELL_BOOLEAN:
        value = bool(raw)
    elif kind == xlrd.XL_CELL_ERROR:
        value = xlrd.error_text_from_code.get(raw, "#VALUE!")
    return value


def _damaged(path: Path, data: bytes, exc: BaseException) -> LayerFileError:
    text = str(exc)
    if "encrypted" in text.lower():
        why = ("it is protected by a password: open it in Excel or WPS, remove the password "
               "(File > Info > Protect Workbook, or 文件 > 文档加密), save it, and read it again")
    elif _ENCRYPTED_PACKAGE in data:
        why = ("it is a password-protected workbook: open it in Excel or WPS, remove the "
               "password (File > Info > Protect Workbook, or 文件 > 文档加密), save it as an "
               "Excel Workbook (.xlsx), and read that")
    elif "find workbook" in text.lower():
        what = "a Word document" if _WORD in data else "an Office file of another kind"
        why = f"it holds no workbook ({what}): check that this is the right file"
    else:
        why = (f"it is damaged or not a complete Excel 97-2003 workbook ({text or type(exc)}):"
               " open it in Excel or WPS, save it as an Excel Workbook (.xlsx), and read that")
    return LayerFileError(f"Cannot read {path.name} as an Excel workbook: {why}.")


def not_a_workbook(path: Path, start: bytes) -> LayerFileError:
    """The error for a workbook that is neither an OLE2 file nor a zip package."""
    suffix = path.suffix.lower() or "workbook"
    if start.lstrip().startswith(b"<"):
        why = (f"it is a web page or an XML spreadsheet saved under an {suffix} name (systems "
               "that export \"Excel\" often write these): open it in Excel or WPS and save it "
               "as an Excel Workbook (.xlsx)")
    elif not start:
        why = "the file is empty (0 bytes): copy or download it again"
    elif all(32 <= b < 127 or b in b"\t\r\n" or b >= 128 for b in start):
        why = (f"it is a text file (tab- or comma-separated values) under an {suffix} name: "
               "rename it to .csv, or open it in Excel or WPS and save it as .xlsx")
    else:
        why = ("it does not begin like an Excel workbook: it may be damaged, or wrapped by a "
               "document-encryption program (decrypt it there first), or another kind of file")
    return LayerFileError(f"Cannot read {path.name} as an Excel workbook: {why}.")
