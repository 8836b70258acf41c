"""The grid every sheet reader builds: :class:`Grid`, its merge index, the sheet choice and
the box check shared by the ``.xlsx``, ``.xls`` and CSV readers (internals).

Memory follows the cells that exist: readers hand over only the cells holding a value (and
formula cells without a cached value), the grid spans the box those cells occupy, and a box of
more than :data:`MAX_GRID_CELLS` cells is refused with a :class:`~planning._errors.SheetError`
naming the far cell. Merged ranges are filled from their top-left cell only inside the grid,
and looked up through a per-row index, never expanded cell by cell.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planning._errors import LayerFileError, Problem, SheetError

#: the most cells the box of a sheet's values may span (rows x columns), e.g. 100,000 rows
#: of 20 columns; a sheet beyond it is refused rather than allocated
MAX_GRID_CELLS = 2_000_000

#: cells of one row: (Excel row, columns, values), 1-based, only cells holding a value
Cells = list[tuple[int, list[int], list[Any]]]
#: merged ranges: (min_row, min_column, max_row, max_column), 1-based, inclusive
Ranges = list[tuple[int, int, int, int]]


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
        What the reader noticed (a hidden sheet skipped, formulas without a value, warnings
        of the file).
    formulas : Mapping
        ``(i, j) -> formula``: the grid cells holding a formula whose value was never
        computed (a workbook written by a program and never opened in a spreadsheet program);
        their value in ``rows`` is None. Readers report them instead of reading a blank.
    kind : str
        What the file was read as: ``"xlsx"``, ``"xls"`` or ``"csv"``.
    percents : frozenset of (i, j)
        The grid cells holding a number shown as a percentage (a ``0%`` number format):
        ``0.85`` there is what the sheet shows as ``85%``.
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
    formulas: Mapping[tuple[int, int], str] = field(default_factory=dict)
    kind: str = "xlsx"
    percents: frozenset[tuple[int, int]] = frozenset()

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

    def cell_name(self, i: int, j: int) -> str:
        """The name Excel shows for grid cell ``(i, j)``, such as ``C5``."""
        return f"{column_letter(self.first_column + j)}{self.first_row + i}"

    def frame(self) -> pd.DataFrame:
        """The grid as a DataFrame of objects (columns and index numbered from 0)."""
        return pd.DataFrame(self.rows, dtype=object)


def column_letter(column: int) -> str:
    """Excel's letters for a 1-based column number (1 -> A, 27 -> AA, 16384 -> XFD)."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def choose_sheet(path: Path, infos: tuple[SheetInfo, ...], sheet: str | int | None
                 ) -> tuple[str, list[str]]:
    """The sheet to read (the first visible one by default) and notes on what was skipped."""
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


class Box:
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
        """Refuse the sheet when its box (or its count of cells) exceeds ``max_cells``."""
        if self.size <= max_cells and self.count <= max_cells:
            return
        first = f"{column_letter(self.columns[0])}{self.rows[0]}"
        last = f"{column_letter(self.columns[1])}{self.rows[1]}"
        n_rows = self.rows[1] - self.rows[0] + 1
        n_cols = self.columns[1] - self.columns[0] + 1
        problems = []
        where = ""
        if self.far is not None:
            row, col, value = self.far
            where = (f" The value at {column_letter(col)}{row} ({str(value)[:40]!r}) lies far "
                     "from the others.")
            problems.append(Problem(label, "a value far from the table", row=row,
                                    column=column_letter(col), value=str(value)[:40]))
        msg = (f"The sheet {label} has values from {first} to {last} ({n_rows:,} rows by "
               f"{n_cols:,} columns, {n_rows * n_cols:,} cells), more than the "
               f"{max_cells:,} cells a sheet may span here.{where} A stray value below or to "
               "the right of the table usually causes this: in Excel or WPS delete the rows "
               "below and the columns to the right of the table, save, and read it again.")
        raise SheetError(msg, problems)


def formula_notes(label: str, uncached: Sequence[tuple[int, int, str]]) -> list[str]:
    """One note on the formula cells without a cached value (Excel names, first ten)."""
    if not uncached:
        return []
    shown = ", ".join(f"{column_letter(c)}{r} ({f if f != '=' else 'a shared formula'})"
                      for r, c, f in uncached[:10])
    more = f" and {len(uncached) - 10} more" if len(uncached) > 10 else ""
    return [f"{label}: {len(uncached)} formula cell(s) have no computed value (the workbook "
            f"was written by a program and never opened in Excel or WPS): {shown}{more}; "
            "they are read as unknown, not blank: open the workbook in Excel or WPS, save "
            "it, and read it again"]


def build_grid(source: str, title: str, cells: Cells, ranges: Ranges, *,
               sheets: tuple[SheetInfo, ...], notes: tuple[str, ...], max_cells: int,
               uncached: Sequence[tuple[int, int, str]] = (), kind: str = "xlsx",
               percents: Sequence[tuple[int, int]] = ()) -> Grid:
    """The dense grid over the box of ``cells`` (and ``uncached`` formula cells), merged
    ranges filled inside it; ``percents`` are the (Excel row, column) of numbers shown as
    percentages."""
    everything = [*cells, *((r, [c], [None]) for r, c, _ in uncached)]
    if not everything:
        return Grid(source, title, [], merges=tuple(ranges), sheets=sheets, notes=notes,
                    kind=kind)
    first_row = min(r for r, _, _ in everything)
    last_row = max(r for r, _, _ in everything)
    first_col = min(min(cols) for _, cols, _ in everything)
    last_col = max(max(cols) for _, cols, _ in everything)
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
    formulas = {(r - first_row, c - first_col): f for r, c, f in uncached}
    shown_as_percent = frozenset((r - first_row, c - first_col) for r, c in percents)
    return Grid(source, title, rows, first_row, first_col, tuple(ranges), MergeIndex(clipped),
                sheets, notes, formulas, kind, shown_as_percent)
