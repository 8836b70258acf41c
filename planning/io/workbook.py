"""The one workbook layer: every ``.xlsx`` and ``.csv`` the toolkit writes, every sheet it reads.

Writing
-------
:func:`write_workbook` writes sheets given as a :class:`Table` (a frame, its
:class:`Column` specs and title rows) or, for layouts a table cannot express (the ledger's
project cells merged over their time nodes), as a :class:`Sheet` built cell by cell. Both
are written by the same code, which guarantees:

- values from data are stored as values, never as formulas: text is a string cell even
  when it starts with ``=``, ``+``, ``-`` or ``@`` (and gets Excel's quote prefix, so it
  stays text when the cell is edited), and reads back as the same text;
- characters a workbook cannot hold (control characters but tab and line breaks) are
  removed, and text is cut at Excel's 32,767 characters, with a logged note and the counts
  in the returned :class:`WrittenFile`, instead of a crash;
- number formats by kind (:data:`KINDS`): m², 公顷 and 亩 with 2 decimals (another number
  when the caller gives ``decimals``), 万元 as ``#,##0.00``, whole numbers as ``#,##0``,
  shares as ``0.0%``, dates as ``yyyy-mm-dd``; missing values (NaN, NaT, NA) are empty
  cells and numpy scalars plain numbers;
- frozen header rows, an autofilter on the header, column widths fitted to the content
  (CJK characters count double; 8 to 60 characters, wider text wraps), print setup
  (orientation, A4 or A3, fitted to the page width, title and header rows repeated on every
  page) and an atomic write (:func:`planning.io.atomic_output`);
- forms: cells a user fills in (``Sheet.put(..., editable=True)``: unlocked and shaded),
  sheet protection (``Sheet.protected``), data validations (:class:`Validation`: days,
  numbers, a drop-down list) and hidden sheets (``Sheet.hide()``), so that a workbook sent
  out to be filled in says what may be typed where and carries what identifies it.

:func:`write_csv` writes a frame as UTF-8 CSV with a byte-order mark (so that Excel opens
Chinese text), atomically, with text that would start a formula protected the usual (OWASP)
way: a leading ``'``.

Reading
-------
:func:`read_grid` reads one sheet of an ``.xlsx`` / ``.xlsm`` workbook (read-only, cached
values of formulas), an old ``.xls`` workbook (xlrd) or a ``.csv`` file into a :class:`Grid`:
the dense box of the cells that hold a value, merged cells filled from their top-left cell,
the merged ranges, every sheet with its visibility, and the formula cells whose value was
never computed. A workbook is read by what it holds, whatever its suffix says (an ``.xls``
renamed ``.xlsx`` is read, with a note). Memory follows the cells that exist: a sheet whose
one value sits at XFD1048576, or whose one merged range spans A3:XFD1048576, is read in a
fraction of a second; a sheet whose values span more than :data:`MAX_GRID_CELLS` cells (a
value at A1 and one at XFD1048576) is refused with a :class:`~planning.SheetError` naming the
far cell. A hidden sheet is never read in place of a visible one.

:func:`read_header_map` reads a header -> field mapping (a CSV or workbook with the columns
``header`` and ``field``), as the ledger and inspection readers take with ``headers=`` and the
command line with ``--headers FILE``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planning._core.text import fold, is_blank
from planning._errors import LayerFileError, Problem, SheetError
from planning.io._workbook_forms import VALIDATION_KINDS, Validation
from planning.io._workbook_grid import MAX_GRID_CELLS, Grid, MergeIndex, SheetInfo
from planning.io._workbook_read import read_grid_file
from planning.io._workbook_sheet import Column, Sheet, Table, guess_columns
from planning.io._workbook_values import (
    KINDS,
    Cleaning,
    Kind,
    cell_value,
    display_width,
    number_format,
    protect_text,
)
from planning.io._write import atomic_output

log = logging.getLogger(__name__)

__all__ = [
    "KINDS",
    "MAX_GRID_CELLS",
    "VALIDATION_KINDS",
    "Column",
    "Grid",
    "Kind",
    "MergeIndex",
    "Sheet",
    "SheetInfo",
    "Table",
    "Validation",
    "WrittenFile",
    "display_width",
    "guess_columns",
    "number_format",
    "read_grid",
    "read_header_map",
    "write_csv",
    "write_workbook",
]


@dataclass(frozen=True)
class WrittenFile:
    """What :func:`write_workbook` or :func:`write_csv` wrote, and what it had to change.

    Attributes
    ----------
    path : pathlib.Path
    sheets : tuple of str
        The sheet names as written (empty for CSV).
    removed_characters : int
        Control characters removed from text (Excel cannot hold them).
    cells_with_removed_characters : int
    shortened_cells : int
        Texts cut at Excel's 32,767 characters.
    protected_cells : int
        CSV text cells given a leading ``'`` (they would start a formula).
    notes : tuple of str
        One sentence per change, also logged.
    """

    path: Path
    sheets: tuple[str, ...] = ()
    removed_characters: int = 0
    cells_with_removed_characters: int = 0
    shortened_cells: int = 0
    protected_cells: int = 0
    notes: tuple[str, ...] = ()


def _report(path: Path, sheets: Sequence[str], cleaning: Cleaning,
            notes: Sequence[str]) -> WrittenFile:
    every = [*(f"{path.name}: {n}" for n in notes), *cleaning.notes(path.name)]
    for note in every:
        log.warning(note)
    return WrittenFile(path, tuple(sheets), cleaning.removed_characters,
                       cleaning.cells_with_removed_characters, cleaning.shortened_cells,
                       cleaning.protected_cells, tuple(every))


def write_workbook(path: str | os.PathLike[str], sheets: Sequence[Table | Sheet]
                   ) -> WrittenFile:
    """Write sheets to a new ``.xlsx`` workbook, atomically (the one workbook writer).

    Parameters
    ----------
    path : str or path-like
        The ``.xlsx`` file; an existing file is replaced only when the write succeeds.
    sheets : sequence of Table or Sheet
        In order. Sheet names are cut to Excel's 31 characters, characters Excel refuses
        (``[]:*?/\\``) become ``_`` and repeated names get `` (2)`` (each change noted).

    Returns
    -------
    WrittenFile
        The path, the sheet names and what cleaning changed (see the module documentation).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> frame = pd.DataFrame({"name": ['=HYPERLINK("http://x","click")', "城关\\x00镇"],
    ...                       "area_mu": [1.5, 2.25]})
    >>> table = Table("台账", frame, [Column("name", "名称"), Column("area_mu", "面积(亩)",
    ...                                                         kind="mu")], title="冲突台账")
    >>> out = write_workbook(pathlib.Path(tempfile.mkdtemp()) / "l.xlsx", [table])
    >>> out.sheets, out.removed_characters
    (('台账',), 1)
    >>> grid = read_grid(out.path)
    >>> grid.rows[2:]
    [['=HYPERLINK("http://x","click")', 1.5], ['城关镇', 2.25]]
    """
    from planning.io._workbook_xlsx import save_workbook  # noqa: PLC0415  (imports openpyxl)

    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        msg = (f"write_workbook writes Excel workbooks (.xlsx); {target.name} has the suffix "
               f"{target.suffix or '(none)'}: name the file ....xlsx.")
        raise LayerFileError(msg)
    if not sheets:
        msg = "A workbook needs at least one sheet; got none."
        raise ValueError(msg)
    built = [s.to_sheet() if isinstance(s, Table) else s for s in sheets]
    with atomic_output(target) as tmp:
        names, notes = save_workbook(built, tmp)
    cleaning = Cleaning()
    for sheet in built:
        for name in ("removed_characters", "cells_with_removed_characters", "shortened_cells",
                     "non_finite_numbers"):
            setattr(cleaning, name, getattr(cleaning, name) + getattr(sheet.cleaning, name))
    return _report(target, names, cleaning, notes)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], *,
              columns: Sequence[Column] | None = None, protect: bool = True) -> WrittenFile:
    """Write a frame as UTF-8 CSV with a byte-order mark, atomically (the one CSV writer).

    Text cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a
    leading ``'`` (the OWASP advice against CSV injection): Excel and WPS then show them as
    text instead of running them as formulas. Numbers are never changed (``-2`` stays a
    number); the protected text reads back with the ``'``. Control characters other than tab
    and line breaks are removed; missing values are empty; geometries are left out.

    Parameters
    ----------
    frame : pandas.DataFrame
        Never changed.
    path : str or path-like
    columns : sequence of Column, optional
        The columns to write and their headers (default: every column but geometries).
    protect : bool, default True
        Prefix formula-like text with ``'``. Turn it off only for files no spreadsheet
        opens.

    Returns
    -------
    WrittenFile

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> frame = pd.DataFrame({"name": ["=1+2", "-2+3", "城关镇"], "n": [1, -2, 3]})
    >>> out = write_csv(frame, pathlib.Path(tempfile.mkdtemp()) / "t.csv")
    >>> out.protected_cells
    2
    >>> out.path.read_text(encoding="utf-8-sig").splitlines()
    ['name,n', "'=1+2,1", "'-2+3,-2", '城关镇,3']
    """
    target = Path(path)
    specs = tuple(columns) if columns is not None else guess_columns(frame)
    by_name = {str(name): name for name in frame.columns}
    cleaning = Cleaning()
    out = pd.DataFrame(index=range(len(frame)))
    for spec in specs:
        if spec.field not in by_name:
            msg = (f"The frame has no column {spec.field!r}; its columns are "
                   f"{', '.join(by_name)}.")
            raise ValueError(msg)
        values = [cell_value(v, cleaning) for v in frame[by_name[spec.field]]]
        if protect:
            values = [protect_text(v, cleaning) if isinstance(v, str) else v for v in values]
        out[protect_text(spec.title, cleaning) if protect else spec.title] = pd.Series(
            values, dtype=object)
    with atomic_output(target) as tmp:
        out.to_csv(tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    return _report(target, (), cleaning, ())


def read_grid(path: str | os.PathLike[str], sheet: str | int | None = None, *,
              max_cells: int = MAX_GRID_CELLS) -> Grid:
    """Read one sheet as a grid of values (the one sheet reader).

    Parameters
    ----------
    path : str or path-like
        An ``.xlsx`` / ``.xlsm`` workbook, an old ``.xls`` workbook, or a ``.csv`` file (UTF-8
        with or without BOM, or GB18030; its cells are text, an empty field is None).
    sheet : str or int, optional
        The sheet's name or 0-based position among all sheets. Default: the first visible
        sheet (a hidden sheet before it is skipped with a note). A hidden sheet named here is
        read, with a note.
    max_cells : int, default MAX_GRID_CELLS
        The most cells the box of the sheet's values may span.

    Returns
    -------
    Grid

    Raises
    ------
    LayerFileError
        The file is missing, is not a workbook or CSV file (a web page saved as ``.xls``, a
        damaged or password-protected file: the message says how to fix it), or has no such
        sheet.
    SheetError
        The sheet's values span more than ``max_cells`` cells.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> sheet = Sheet("检查")
    >>> sheet.put(3, 2, "责任区", role="head")
    >>> sheet.put(4, 2, "Z1")
    >>> sheet.put(4, 3, 95)
    >>> sheet.merge(4, 3, 5, 3)
    >>> sheet.put(5, 2, "Z2")
    >>> grid = read_grid(write_workbook(path, [sheet]).path)
    >>> grid.first_row, grid.first_column, grid.rows
    (3, 2, [['责任区', None], ['Z1', 95], ['Z2', 95]])
    >>> grid.merged[(2, 1)], grid.excel_row(2)
    ((1, 1), 5)
    """
    return read_grid_file(Path(path), sheet, max_cells=max_cells)


_HEADER_WORDS = ("header", "表头", "列名", "列标题")
_FIELD_WORDS = ("field", "字段", "字段名")


def read_header_map(path: str | os.PathLike[str]) -> dict[str, str]:
    """A header -> field mapping from a file with the columns ``header`` and ``field``.

    The file is a CSV file or a workbook (read by :func:`read_grid`) laid out like
    ``planning/data/ledger_headers.csv``: a row naming the columns ``header`` (or 表头) and
    ``field`` (or 字段), then one row per sheet header. Rows whose header starts with ``#``
    are comments; other columns (a ``note``) are ignored. Headers and fields are kept as
    written (stripped); the readers compare headers without spaces and full-width forms.

    Raises
    ------
    LayerFileError
        The file is missing or cannot be read.
    SheetError
        No ``header`` / ``field`` columns, or rows with a header and no field (every such row
        listed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "headers.csv"
    >>> _ = path.write_text("header,field\\n# a comment\\n工程名称,name_zh\\n", encoding="utf-8")
    >>> read_header_map(path)
    {'工程名称': 'name_zh'}
    """
    grid = read_grid(path)
    columns: tuple[int, int] | None = None
    mapping: dict[str, str] = {}
    problems = []
    for i, row in enumerate(grid.rows):
        first = next((v for v in row if not is_blank(v)), None)
        if first is None or str(first).strip().startswith("#"):
            continue
        if columns is None:
            keys = [fold(v) if not is_blank(v) else "" for v in row]
            found = [next((keys.index(w) for w in words if w in keys), None)
                     for words in (_HEADER_WORDS, _FIELD_WORDS)]
            if found[0] is None or found[1] is None:
                break
            columns = (found[0], found[1])
            continue
        header, target = row[columns[0]], row[columns[1]]
        if is_blank(header):
            continue
        if is_blank(target):
            problems.append(Problem(grid.source, "the header has no field: write the field "
                                    "it reads as", row=grid.excel_row(i), column="field",
                                    value=str(header).strip()))
            continue
        mapping[str(header).strip()] = str(target).strip()
    if columns is None:
        msg = (f"{grid.source} is not a header mapping: its first row must name the columns "
               "'header' and 'field' (as planning/data/ledger_headers.csv does), then one "
               "row per sheet header, such as 工程名称,name_zh.")
        raise SheetError(msg, [Problem(grid.source, "no 'header' and 'field' columns")])
    if problems:
        msg = f"{grid.source} has header rows without a field; fill them in or delete them."
        raise SheetError(msg, problems)
    return mapping
