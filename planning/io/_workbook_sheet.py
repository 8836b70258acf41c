"""What a sheet is before it is written: columns, tables and the cell-by-cell sheet (internals).

A :class:`Table` (a frame, its :class:`Column` specs and title rows) becomes a
:class:`Sheet` (cells with named styles, merged ranges, widths, frozen rows, autofilter,
print setup); layouts a table cannot express, such as the ledger's project cells merged over
their time nodes, are built as a :class:`Sheet` directly. Either way the one writer
(:func:`planning.io.workbook.write_workbook`) writes it. Nothing here imports openpyxl.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from planning._errors import InputError
from planning.io._workbook_forms import SHEET_STATES, SheetState, Validation
from planning.io._workbook_values import (
    KINDS,
    Cleaning,
    Kind,
    cell_value,
    display_width,
    number_format,
)

#: Excel's sheet size
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
#: what a cell is for: it decides font, borders and alignment
Role = Literal["title", "subtitle", "head", "body", "total"]
ROLES = ("title", "subtitle", "head", "body", "total")
Paper = Literal["A4", "A3"]
#: column widths fitted to the content lie between these (in characters)
MIN_WIDTH = 8
MAX_WIDTH = 60
#: a table this wide (sum of column widths, in characters) is printed landscape
LANDSCAPE_FROM = 90


@dataclass(frozen=True)
class CellStyle:
    """The named style of a cell: its role, kind of value, decimals, wrapping, and whether a
    user fills it in (``editable``: unlocked when the sheet is protected, shaded)."""

    role: str = "body"
    kind: str = "text"
    decimals: int | None = None
    wrap: bool = False
    editable: bool = False

    @property
    def name(self) -> str:
        """The name of the workbook's named style."""
        parts = ["planning", self.role]
        if self.role in ("body", "total"):
            parts.append(self.kind)
            if self.decimals is not None:
                parts.append(str(self.decimals))
        if self.wrap:
            parts.append("wrap")
        if self.editable:
            parts.append("editable")
        return " ".join(parts)

    @property
    def number_format(self) -> str:
        if self.role in ("body", "total"):
            return number_format(self.kind, self.decimals)
        return "General"


@functools.lru_cache(maxsize=256)
def _style(role: str, kind: str, decimals: int | None, wrap: bool,
           editable: bool = False) -> CellStyle:
    """One shared CellStyle per combination (a sheet has few, and many cells)."""
    return CellStyle(role, kind, decimals, wrap, editable)


@dataclass(frozen=True)
class Column:
    """How one column of a frame is written.

    Attributes
    ----------
    field : str
        The frame's column.
    header : str, optional
        The header shown (default: ``field``).
    kind : str, default "text"
        One of :data:`planning.io.workbook.KINDS`: sets the number format.
    decimals : int, optional
        Decimals of ``float``, ``m2``, ``ha``, ``mu``, ``wan`` and ``pct`` columns (default 2;
        1 for ``pct``).
    width : float, optional
        Column width in characters (default: fitted to the content, 8 to 60).
    wrap : bool, default False
        Wrap the text of every cell (text wider than the width wraps anyway).
    """

    field: str
    header: str | None = None
    kind: Kind = "text"
    decimals: int | None = None
    width: float | None = None
    wrap: bool = False

    def __post_init__(self) -> None:
        number_format(self.kind, self.decimals)  # raises on an unknown kind or bad decimals
        if self.width is not None and not 0 < self.width <= 255:
            msg = f"width must be between 0 and 255 characters, got {self.width}"
            raise ValueError(msg)

    @property
    def title(self) -> str:
        """The header text."""
        return self.field if self.header is None else self.header


class Sheet:
    """One sheet, cell by cell: values with named styles, merged ranges and page setup.

    Rows and columns count from 1, as Excel shows them. Values are cleaned as they are put
    (:attr:`cleaning` counts what changed); text is always written as text.

    Parameters
    ----------
    name : str
        The sheet's name (cut to 31 characters and cleaned by the writer when needed).
    landscape : bool, default True
        Page orientation.
    paper : {"A4", "A3"}, default "A4"

    Attributes
    ----------
    freeze_at : (row, column) or None
        The first cell that scrolls: ``(4, 3)`` freezes three rows and two columns.
    print_rows : (first, last) or None
        Rows repeated at the top of every printed page.
    autofilter : (first_row, first_column, last_row, last_column) or None
        The filtered range; its first row holds the filter buttons.
    widths : dict of int to float
        Column widths in characters (columns not named here keep Excel's default).
    protected : bool
        Protect the sheet: only the cells put with ``editable=True`` can be changed
        (sorting and filtering stay allowed). No password: protection guards against slips,
        not against a user who means to change a cell; check what comes back.
    state : {"visible", "hidden", "veryHidden"}
        The sheet's visibility (``veryHidden`` sheets are not listed by Excel's Unhide).
    validations : list of (range, Validation)
        Data-validation rules, added with :meth:`validate`.

    Examples
    --------
    >>> sheet = Sheet("台账")
    >>> sheet.put(1, 1, "项目名称", role="head")
    >>> sheet.put(2, 1, '=HYPERLINK("http://x")')
    >>> sheet.put(2, 2, 12.5, kind="wan")
    >>> sheet.merge(2, 1, 3, 1)
    >>> sheet.max_row, sheet.max_column, sheet.merges
    (3, 2, [(2, 1, 3, 1)])
    """

    def __init__(self, name: str, *, landscape: bool = True, paper: Paper = "A4") -> None:
        if paper not in ("A4", "A3"):
            msg = f"paper must be 'A4' or 'A3', got {paper!r}"
            raise ValueError(msg)
        self.name = name
        self.landscape = landscape
        self.paper: Paper = paper
        self.freeze_at: tuple[int, int] | None = None
        self.print_rows: tuple[int, int] | None = None
        self.autofilter: tuple[int, int, int, int] | None = None
        self.widths: dict[int, float] = {}
        self.protected = False
        self.state: SheetState = "visible"
        self.validations: list[tuple[tuple[int, int, int, int], Validation]] = []
        self.cleaning = Cleaning()
        self._cells: dict[tuple[int, int], tuple[object, CellStyle]] = {}
        self._merges: list[tuple[int, int, int, int]] = []
        self._covered: dict[tuple[int, int], tuple[int, int]] = {}
        self._wide_tops: set[tuple[int, int]] = set()
        self.max_row = 0
        self.max_column = 0

    def put(self, row: int, column: int, value: object, *, role: Role = "body",
            kind: Kind = "text", decimals: int | None = None, wrap: bool = False,
            editable: bool = False) -> None:
        """Put a value (cleaned: see :func:`planning.io.workbook.write_workbook`) in a cell.

        ``editable`` cells are the ones a user fills in: unlocked when the sheet is
        :attr:`protected`, and shaded. ``value`` may be None (an empty cell with a style).
        """
        _check_cell(row, column)
        if role not in ROLES:
            msg = f"role must be one of {', '.join(ROLES)}, got {role!r}"
            raise ValueError(msg)
        if kind not in KINDS:
            msg = f"Unknown kind of column {kind!r}: use one of {', '.join(KINDS)}."
            raise ValueError(msg)
        stored = cell_value(value, self.cleaning)
        if isinstance(stored, dt.date) and role in ("body", "total"):
            kind = "date"  # a day in a column of another kind is still shown as a day
        self._cells[(row, column)] = (stored, _style(role, kind, decimals, wrap, editable))
        self.max_row = max(self.max_row, row)
        self.max_column = max(self.max_column, column)

    def validate(self, first_row: int, first_column: int, last_row: int, last_column: int,
                 rule: Validation) -> None:
        """Add a data-validation rule to a range (Excel checks what a user types there).

        Examples
        --------
        >>> from planning.io.workbook import Validation
        >>> sheet = Sheet("填报")
        >>> sheet.validate(2, 3, 40, 3, Validation("decimal", minimum=0, maximum=100))
        >>> sheet.validations[0][0]
        (2, 3, 40, 3)
        """
        _check_cell(first_row, first_column)
        _check_cell(last_row, last_column)
        if last_row < first_row or last_column < first_column:
            msg = (f"A range runs from its top-left to its bottom-right cell, got "
                   f"({first_row}, {first_column}) to ({last_row}, {last_column})")
            raise ValueError(msg)
        if not isinstance(rule, Validation):
            msg = f"rule must be a planning.io.workbook.Validation, got {type(rule).__name__}"
            raise TypeError(msg)
        self.validations.append(((first_row, first_column, last_row, last_column), rule))

    def hide(self, state: SheetState = "hidden") -> None:
        """Hide the sheet (``"veryHidden"``: not listed by Excel's Unhide either)."""
        if state not in SHEET_STATES:
            msg = f"state must be one of {', '.join(SHEET_STATES)}, got {state!r}"
            raise ValueError(msg)
        self.state = state

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
        """Merge a range; its top-left cell holds the value, the others are styled alike."""
        _check_cell(first_row, first_column)
        _check_cell(last_row, last_column)
        if last_row < first_row or last_column < first_column:
            msg = (f"A merged range runs from its top-left to its bottom-right cell, got "
                   f"({first_row}, {first_column}) to ({last_row}, {last_column})")
            raise ValueError(msg)
        area = (last_row - first_row + 1) * (last_column - first_column + 1)
        if area == 1:
            return
        if area > MAX_COLUMNS * 64:
            msg = f"A merged range of {area:,} cells is more than a sheet of this toolkit uses"
            raise ValueError(msg)
        top = (first_row, first_column)
        cells = [(r, c) for r in range(first_row, last_row + 1)
                 for c in range(first_column, last_column + 1)]
        for cell in cells:
            if cell in self._covered:
                msg = f"The merged range at {top} overlaps another merged range at {cell}"
                raise ValueError(msg)
        for cell in cells:
            self._covered[cell] = top
        if last_column > first_column:
            self._wide_tops.add(top)
        self._merges.append((first_row, first_column, last_row, last_column))
        self.max_row = max(self.max_row, last_row)
        self.max_column = max(self.max_column, last_column)

    @property
    def merges(self) -> list[tuple[int, int, int, int]]:
        """The merged ranges: (first_row, first_column, last_row, last_column)."""
        return list(self._merges)

    def cells(self) -> Iterator[tuple[int, int, object, CellStyle]]:
        """Every cell to write, row by row: (row, column, value, style).

        The cells of a merged range other than its top-left one are given the top-left
        cell's style (so that borders are drawn round the whole range) and no value.
        """
        styled = dict(self._cells)
        for (r, c), top in self._covered.items():
            if (r, c) == top:
                continue
            value, style = styled.get((r, c), (None, None))
            if value is not None:
                msg = (f"Sheet {self.name!r}: cell ({r}, {c}) holds {value!r} but lies inside "
                       f"the merged range that starts at {top}; put the value in {top}")
                raise ValueError(msg)
            styled[(r, c)] = (None, styled.get(top, (None, CellStyle()))[1])
        for (r, c) in sorted(styled):
            value, style = styled[(r, c)]
            yield r, c, value, style

    def fit_widths(self, *, minimum: float = MIN_WIDTH, maximum: float = MAX_WIDTH) -> None:
        """Fit the widths of the columns not in :attr:`widths` to their headers and values.

        Title rows and cells merged across columns do not count. Text wider than
        ``maximum`` wraps.
        """
        widest: dict[int, int] = {}
        wide_cells: list[tuple[int, int]] = []
        for (r, c), (value, style) in self._cells.items():
            if style.role in ("title", "subtitle") or self._spans_columns(r, c):
                continue
            width = display_width(value, style.kind, style.decimals)
            widest[c] = max(widest.get(c, 0), width)
            if isinstance(value, str) and width + 2 > maximum and style.role != "head":
                wide_cells.append((r, c))
        for c, width in widest.items():
            self.widths.setdefault(c, min(max(width + 2, minimum), maximum))
        for r, c in wide_cells:
            value, style = self._cells[(r, c)]
            if display_width(value) + 2 > self.widths[c]:
                self._cells[(r, c)] = (value, CellStyle(style.role, style.kind,
                                                        style.decimals, wrap=True,
                                                        editable=style.editable))

    def _spans_columns(self, row: int, column: int) -> bool:
        top = self._covered.get((row, column))
        return top is not None and top in self._wide_tops

    def __repr__(self) -> str:
        return (f"<Sheet {self.name!r}: {len(self._cells)} cells, {len(self._merges)} merged "
                f"ranges, {self.max_row} x {self.max_column}>")


def _check_cell(row: int, column: int) -> None:
    if not (isinstance(row, int) and isinstance(column, int)
            and 1 <= row <= MAX_ROWS and 1 <= column <= MAX_COLUMNS):
        msg = (f"A cell is at row 1 to {MAX_ROWS:,} and column 1 to {MAX_COLUMNS:,} (counted "
               f"from 1), got row {row!r}, column {column!r}")
        raise ValueError(msg)


@dataclass(frozen=True, eq=False)
class Table:
    """A frame written as one sheet: title rows, one header row, one row per record.

    Attributes
    ----------
    name : str
        The sheet's name.
    frame : pandas.DataFrame
        The records (never changed).
    columns : sequence of Column, optional
        The columns to write, in order (default: every column of ``frame`` but its
        geometries, kinds guessed by :func:`guess_columns`).
    title : str or sequence of str
        Rows above the header: the first is the title (bold), the others subtitles.
    landscape : bool, optional
        Page orientation (default: landscape when the columns are wider than 90
        characters in all).
    paper : {"A4", "A3"}, default "A4"

    Written, the header row is frozen, carries the autofilter and is printed on every page
    with the title rows; pages are fitted to the paper's width.
    """

    name: str
    frame: pd.DataFrame
    columns: Sequence[Column] | None = None
    title: str | Sequence[str] = ()
    landscape: bool | None = None
    paper: Paper = "A4"
    _lines: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lines = (self.title,) if isinstance(self.title, str) else tuple(self.title)
        object.__setattr__(self, "_lines", lines)

    def resolved_columns(self) -> tuple[Column, ...]:
        """The columns written: :attr:`columns`, or guessed from the frame."""
        if self.columns is None:
            return guess_columns(self.frame)
        names = set(map(str, self.frame.columns))
        missing = [c.field for c in self.columns if c.field not in names]
        if missing:
            msg = (f"The table of sheet {self.name!r} has no column {', '.join(missing)}; its "
                   f"columns are {', '.join(map(str, self.frame.columns))}.")
            raise InputError(msg)
        return tuple(self.columns)

    def to_sheet(self) -> Sheet:
        """The sheet, cell by cell."""
        columns = self.resolved_columns()
        by_name = {str(name): name for name in self.frame.columns}
        header_row = len(self._lines) + 1
        if header_row + len(self.frame) > MAX_ROWS or len(columns) > MAX_COLUMNS:
            msg = (f"The table of sheet {self.name!r} has {len(self.frame):,} rows and "
                   f"{len(columns):,} columns; a sheet holds {MAX_ROWS - header_row:,} rows "
                   f"and {MAX_COLUMNS:,} columns. Write it with planning.io.write_csv, or "
                   "split it.")
            raise InputError(msg)
        sheet = Sheet(self.name, paper=self.paper)
        for r, line in enumerate(self._lines, start=1):
            sheet.put(r, 1, line, role="title" if r == 1 else "subtitle")
        for c, column in enumerate(columns, start=1):
            sheet.put(header_row, c, column.title, role="head")
            values = self.frame[by_name[column.field]].tolist()
            for r, value in enumerate(values, start=header_row + 1):
                sheet.put(r, c, value, kind=column.kind, decimals=column.decimals,
                          wrap=column.wrap)
            if column.width is not None:
                sheet.widths[c] = column.width
        sheet.fit_widths()
        last_row = header_row + len(self.frame)
        sheet.freeze_at = (header_row + 1, 1)
        sheet.print_rows = (1, header_row)
        if columns:
            sheet.autofilter = (header_row, 1, last_row, len(columns))
        total = sum(sheet.widths.get(c, MIN_WIDTH) for c in range(1, len(columns) + 1))
        sheet.landscape = total > LANDSCAPE_FROM if self.landscape is None else self.landscape
        return sheet


_SUFFIX_KINDS: tuple[tuple[str, Kind], ...] = (
    ("_m2", "m2"), ("_ha", "ha"), ("_mu", "mu"), ("_wan", "wan"), ("_share", "pct"),
    ("_pct", "pct"))


def guess_columns(frame: pd.DataFrame) -> tuple[Column, ...]:
    """A column spec for every column of a frame but geometries, kind from dtype and name.

    Dates become ``date``, whole numbers ``int``; other numbers take the kind their name's
    unit suffix says (``area_m2`` -> ``m2``, ``investment_wan`` -> ``wan``, ``_mu``, ``_ha``,
    ``_share`` / ``_pct`` -> ``pct``), else ``number``; everything else is ``text``.

    Examples
    --------
    >>> frame = pd.DataFrame({"zone_id": ["Z1"], "gap_m2": [1.5], "n": [2]})
    >>> [(c.field, c.kind) for c in guess_columns(frame)]
    [('zone_id', 'text'), ('gap_m2', 'm2'), ('n', 'int')]
    """
    out = []
    for name in frame.columns:
        if str(frame[name].dtype) == "geometry":  # shapes have no cell (GeoDataFrames)
            continue
        dtype = frame[name].dtype
        kind: Kind = "text"
        if pd.api.types.is_datetime64_any_dtype(dtype):
            kind = "date"
        elif pd.api.types.is_bool_dtype(dtype):
            kind = "text"
        elif pd.api.types.is_integer_dtype(dtype):
            kind = "int"
        elif pd.api.types.is_float_dtype(dtype):
            kind = next((k for suffix, k in _SUFFIX_KINDS if str(name).endswith(suffix)),
                        "number")
        out.append(Column(str(name), kind=kind))
    return tuple(out)
