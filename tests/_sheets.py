"""Writing test workbooks as bureaus send them: the same rows as ``.xlsx`` (openpyxl) or as an
old ``.xls`` (xlwt, pure Python: BIFF8 as Excel 97-2003 writes it).

A sheet is given as rows of values (None for an empty cell), merged ranges in Excel's
``A1:C1`` notation, the cells to show as percentages, and whether it is hidden. Dates are
written as date cells (with a ``yyyy-mm-dd`` format) in both formats, so that both readers see
real dates; text starting with ``=`` is a formula in ``.xlsx`` (openpyxl writes it without a
cached value, as a program that never opened Excel does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries


@dataclass
class SheetSpec:
    """One sheet of a test workbook."""

    name: str
    rows: Sequence[Sequence[object]]
    merges: Sequence[str] = ()
    percents: Sequence[str] = ()  # cells shown as 0% (a number format)
    hidden: bool = False
    first_row: int = 1  # the Excel row of rows[0]
    widths: dict[int, int] = field(default_factory=dict)


def write_xlsx(path: Path, sheets: Sequence[SheetSpec]) -> Path:
    """The sheets as an ``.xlsx`` workbook (openpyxl)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for spec in sheets:
        ws = book.create_sheet(spec.name)
        for r, row in enumerate(spec.rows, start=spec.first_row):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        for ref in spec.percents:
            ws[ref].number_format = "0%"
        for ref in spec.merges:
            ws.merge_cells(ref)
        if spec.hidden:
            ws.sheet_state = "hidden"
    book.save(path)
    return path


def write_xls(path: Path, sheets: Sequence[SheetSpec]) -> Path:
    """The sheets as an old ``.xls`` workbook (xlwt); merged cells keep their top-left value."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    percent_style = xlwt.easyxf(num_format_str="0%")
    plain = xlwt.Style.default_style
    for spec in sheets:
        ws = book.add_sheet(spec.name, cell_overwrite_ok=True)
        percents = {coordinate_to_tuple(ref) for ref in spec.percents}
        covered: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for ref in spec.merges:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            covered[(min_row, min_col)] = (min_row, min_col, max_row, max_col)
        for r, row in enumerate(spec.rows, start=spec.first_row):
            for c, value in enumerate(row, start=1):
                if value is None or (r, c) in covered:
                    continue
                style = (date_style if isinstance(value, dt.date)
                         else percent_style if (r, c) in percents else plain)
                ws.write(r - 1, c - 1, value, style)
        for (r, c), (r1, c1, r2, c2) in covered.items():
            value = spec.rows[r - spec.first_row][c - 1]
            style = date_style if isinstance(value, dt.date) else plain
            ws.write_merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1, value, style)
        if spec.hidden:
            ws.visibility = 1
    book.save(str(path))
    return path


def write_both(folder: Path, stem: str, sheets: Sequence[SheetSpec]) -> tuple[Path, Path]:
    """The same sheets as ``stem.xlsx`` and ``stem.xls``."""
    return (write_xlsx(folder / f"{stem}.xlsx", sheets),
            write_xls(folder / f"{stem}.xls", sheets))


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org"


def raw_xlsx(path: Path, cells: str, *, calc: str = "") -> Path:
    """A one-sheet ``.xlsx`` written by hand: ``cells`` is the XML of ``<sheetData>``, ``calc``
    any ``<calcPr .../>`` for the workbook (as programs that write formulas put there)."""
    import zipfile

    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="' + _REL + '/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.'
            'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
            'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="' + _REL + '/package/'
            '2006/relationships"><Relationship Id="rId1" Type="' + _REL + '/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} xmlns:r="{_REL}/'
            'officeDocument/2006/relationships"><sheets><sheet name="台账" sheetId="1" '
            f'r:id="rId1"/></sheets>{calc}</workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="' + _REL + '/package/'
            '2006/relationships"><Relationship Id="rId1" Type="' + _REL + '/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>{cells}'
            "</sheetData></worksheet>"),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path
