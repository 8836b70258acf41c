"""Writing :class:`~planning.io._workbook_sheet.Sheet` objects with openpyxl (internals).

Every cell is written here: text as a string cell (openpyxl would make text starting with
``=`` a formula and ``#N/A`` an error), text that a spreadsheet would read as a formula
with Excel's quote prefix (shown as text even after the cell is edited), each cell with one
of the workbook's named styles. Forms get their data validations, sheet protection (cells a
user fills in unlocked and shaded) and visibility here too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from planning.io._workbook_forms import Validation
from planning.io._workbook_sheet import CellStyle, Sheet
from planning.io._workbook_values import FORMULA_STARTS, Cleaning, storable_text

#: characters Excel does not allow in sheet names, and its longest sheet name
_BAD_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_MAX_NAME = 31


def sheet_names(wanted: Sequence[str]) -> tuple[list[str], list[str]]:
    """Names Excel accepts (cleaned, cut to 31 characters, unique), and notes on changes.

    Examples
    --------
    >>> sheet_names(["汇总", "a/b", "汇总"])
    (['汇总', 'a_b', '汇总 (2)'], ["sheet name 'a/b' was written as 'a_b'", \
"sheet name '汇总' was written as '汇总 (2)'"])
    """
    names: list[str] = []
    notes: list[str] = []
    taken: set[str] = set()
    for i, name in enumerate(wanted, start=1):
        clean = _BAD_NAME.sub("_", str(name)).strip().strip("'")[:_MAX_NAME].strip() \
            or f"Sheet{i}"
        candidate, n = clean, 2
        while candidate.casefold() in taken:
            suffix = f" ({n})"
            candidate = clean[: _MAX_NAME - len(suffix)] + suffix
            n += 1
        taken.add(candidate.casefold())
        names.append(candidate)
        if candidate != name:
            notes.append(f"sheet name {name!r} was written as {candidate!r}")
    return names, notes


class _Styles:
    """The named styles of one workbook, registered the first time a style is used."""

    def __init__(self, book: Any) -> None:
        from openpyxl.styles import Border, Side  # noqa: PLC0415

        self.book = book
        thin = Side(style="thin")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.known: set[str] = set()

    def name(self, style: CellStyle) -> str:
        key = style.name
        if key not in self.known:
            self.book.add_named_style(self._named(style))
            self.known.add(key)
        return key

    def _named(self, style: CellStyle) -> Any:
        from openpyxl.styles import (  # noqa: PLC0415
            Alignment,
            Font,
            NamedStyle,
            PatternFill,
            Protection,
        )

        named = NamedStyle(name=style.name, number_format=style.number_format)
        if style.editable:  # what a user fills in: unlocked, shaded
            named.protection = Protection(locked=False)
            named.fill = PatternFill("solid", fgColor=EDITABLE_FILL)
        if style.role == "title":
            named.font = Font(bold=True, size=14)
            named.alignment = Alignment(vertical="center")
            return named
        if style.role == "subtitle":
            named.alignment = Alignment(vertical="center")
            return named
        named.border = self.border
        if style.role == "head":
            named.font = Font(bold=True)
            named.fill = PatternFill("solid", fgColor="F2F2F2")
            named.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            return named
        named.font = Font(bold=style.role == "total")
        named.alignment = Alignment(vertical="center", wrap_text=style.wrap)
        return named


#: the fill of the cells a user fills in (light yellow), so that a form shows them
EDITABLE_FILL = "FFF2CC"


def save_workbook(sheets: Sequence[Sheet], path: Path) -> tuple[list[str], list[str]]:
    """Write the sheets to ``path`` (a new file); return the sheet names and notes."""
    from openpyxl import Workbook  # noqa: PLC0415  (heavy; only needed to write workbooks)

    names, notes = sheet_names([s.name for s in sheets])
    book = Workbook()
    book.remove(book.active)
    styles = _Styles(book)
    for sheet, name in zip(sheets, names, strict=True):
        ws = book.create_sheet(name)
        _write_cells(ws, sheet, styles)
        _page(ws, sheet)
        _form(ws, sheet)
    visible = [i for i, sheet in enumerate(sheets) if sheet.state == "visible"]
    if not visible:
        msg = "A workbook needs at least one visible sheet; every sheet given is hidden."
        raise ValueError(msg)
    book.active = visible[0]
    book.save(path)
    return names, notes


def _write_cells(ws: Any, sheet: Sheet, styles: _Styles) -> None:
    from openpyxl.worksheet.cell_range import CellRange  # noqa: PLC0415

    for row, column, value, style in sheet.cells():
        cell = ws.cell(row=row, column=column)
        if value is not None:
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula (=...) nor an error code (#N/A)
        cell.style = styles.name(style)
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    # the ranges are disjoint (Sheet.merge checks): add them directly, which skips
    # openpyxl's scan of every range already there (quadratic on big ledgers)
    for first_row, first_col, last_row, last_col in sheet.merges:
        ws.merged_cells.ranges.add(CellRange(min_col=first_col, min_row=first_row,
                                             max_col=last_col, max_row=last_row))


def _page(ws: Any, sheet: Sheet) -> None:
    """Widths, frozen rows, autofilter and print setup."""
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    for column, width in sheet.widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width
    if sheet.freeze_at is not None:
        row, column = sheet.freeze_at
        ws.freeze_panes = f"{get_column_letter(column)}{row}"
    if sheet.autofilter is not None:
        r1, c1, r2, c2 = sheet.autofilter
        ws.auto_filter.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
    if sheet.print_rows is not None:
        ws.print_title_rows = f"{sheet.print_rows[0]}:{sheet.print_rows[1]}"
    ws.page_setup.orientation = "landscape" if sheet.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if sheet.paper == "A3" else ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


def _form(ws: Any, sheet: Sheet) -> None:
    """Data validations, protection and visibility."""
    from openpyxl.utils import get_column_letter  # noqa: PLC0415
    from openpyxl.worksheet.datavalidation import DataValidation  # noqa: PLC0415

    for (r1, c1, r2, c2), rule in sheet.validations:
        ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
        ws.add_data_validation(_validation(rule, ref, DataValidation))
    if sheet.protected:
        protection = ws.protection
        protection.sheet = True
        # allowed on a protected form: sorting, filtering, resizing (False = not locked)
        protection.sort = False
        protection.autoFilter = False
        protection.formatColumns = False
        protection.formatRows = False
    ws.sheet_state = sheet.state


def _validation(rule: Validation, ref: str, factory: Any) -> Any:
    formula1, formula2, operator = rule.formulas()
    kind = {"text_length": "textLength"}.get(rule.kind, rule.kind)
    cleaning = Cleaning()
    texts = {name: None if value is None else storable_text(value, cleaning)
             for name, value in (("promptTitle", rule.title), ("prompt", rule.prompt),
                                 ("error", rule.error))}
    item = factory(type=kind, formula1=formula1, formula2=formula2, operator=operator,
                   allow_blank=rule.allow_blank, showErrorMessage=True,
                   showInputMessage=rule.prompt is not None, **texts)
    if rule.error is not None:
        item.errorTitle = "输入有误"
    item.add(ref)
    return item
