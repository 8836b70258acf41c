"""The model of a printed document: pages, blocks and how values are shown (internals).

Public through :mod:`planning.io.document`; the renderers (``_document_docx``,
``_document_pdf``) read it.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from planning._errors import InputError, LayerFileError
from planning.io._workbook_sheet import Column, guess_columns
from planning.io._workbook_values import (
    Cleaning,
    Kind,
    cell_value,
    display_width,
    number_format,
    shown_number,
)

Paper = Literal["A4", "A3"]
Orientation = Literal["portrait", "landscape"]
#: paper sizes, portrait (width, height) in millimetres
PAPER_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
#: kinds of column shown right-aligned
NUMERIC_KINDS = frozenset({"number", "int", "float", "m2", "ha", "mu", "wan", "pct"})
ParagraphStyle = Literal["body", "note", "center", "right"]
_PARAGRAPH_STYLES = ("body", "note", "center", "right")


def page_size_mm(paper: str, orientation: str) -> tuple[float, float]:
    """(width, height) of a page in millimetres.

    Examples
    --------
    >>> page_size_mm("A3", "landscape")
    (420.0, 297.0)
    """
    if paper not in PAPER_MM:
        msg = f"paper must be one of {', '.join(PAPER_MM)}, got {paper!r}"
        raise InputError(msg)
    if orientation not in ("portrait", "landscape"):
        msg = f"orientation must be 'portrait' or 'landscape', got {orientation!r}"
        raise InputError(msg)
    width, height = PAPER_MM[paper]
    return (height, width) if orientation == "landscape" else (width, height)


@dataclass(frozen=True)
class Heading:
    """A heading; ``level`` 1 (a section, 一、...) to 3."""

    text: str
    level: int = 1

    def __post_init__(self) -> None:
        if self.level not in (1, 2, 3):
            msg = f"a heading's level is 1, 2 or 3, got {self.level!r}"
            raise InputError(msg)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of text (line breaks kept); ``style`` body, note (small, grey), center or
    right; ``bold`` for the whole paragraph."""

    text: str
    style: ParagraphStyle = "body"
    bold: bool = False

    def __post_init__(self) -> None:
        if self.style not in _PARAGRAPH_STYLES:
            msg = f"style must be one of {', '.join(_PARAGRAPH_STYLES)}, got {self.style!r}"
            raise InputError(msg)


@dataclass(frozen=True)
class Facts:
    """Label/value pairs in a bordered grid, ``columns`` pairs to a row (labels shaded).

    Values are formatted by :func:`format_value` (numbers keep 2 decimals, dates are days).
    """

    items: Sequence[tuple[str, object]]
    columns: int = 2

    def __post_init__(self) -> None:
        if self.columns not in (1, 2, 3):
            msg = f"Facts lays out 1, 2 or 3 pairs to a row, got columns={self.columns!r}"
            raise InputError(msg)


@dataclass(frozen=True, eq=False)
class TableBlock:
    """A frame as a table: one header row (repeated on every page), one row per record.

    Attributes
    ----------
    frame : pandas.DataFrame
        Never changed.
    columns : sequence of planning.io.Column, optional
        The columns, their headers and kinds (default: guessed as the workbook layer does).
        ``width`` is a relative width in characters (default: fitted to the content).
    caption : str, optional
        A line above the table.
    empty : str, default "无"
        Shown instead of an empty table.
    highlight : str, optional
        A boolean column of ``frame``: its True rows are shaded.
    """

    frame: pd.DataFrame
    columns: Sequence[Column] | None = None
    caption: str | None = None
    empty: str = "无"
    highlight: str | None = None

    def resolved_columns(self) -> tuple[Column, ...]:
        """The columns shown, checked against the frame."""
        if self.columns is None:
            return guess_columns(self.frame)
        names = {str(c) for c in self.frame.columns}
        missing = [c.field for c in self.columns if c.field not in names]
        if self.highlight is not None and self.highlight not in names:
            missing.append(self.highlight)
        if missing:
            msg = (f"The table has no column {', '.join(missing)}; its columns are "
                   f"{', '.join(map(str, self.frame.columns))}.")
            raise InputError(msg)
        return tuple(self.columns)

    def cells(self) -> list[list[str]]:
        """The body as text, row by row (values formatted by :func:`format_value`)."""
        columns = self.resolved_columns()
        by_name = {str(c): c for c in self.frame.columns}
        values = [self.frame[by_name[c.field]].tolist() for c in columns]
        return [[format_value(v, c.kind, c.decimals) for v, c in zip(row, columns, strict=True)]
                for row in zip(*values, strict=True)] if values else []

    def shaded(self) -> list[bool]:
        """Which body rows are shaded."""
        if self.highlight is None:
            return [False] * len(self.frame)
        return [v is True or (not isinstance(v, str) and bool(v) and not pd.isna(v))
                for v in self.frame[self.highlight].tolist()]

    def relative_widths(self) -> list[float]:
        """The columns' widths in characters (given, or fitted between 4 and 40)."""
        columns = self.resolved_columns()
        rows = self.cells()
        out = []
        for i, column in enumerate(columns):
            if column.width is not None:
                out.append(float(column.width))
                continue
            widest = max([display_width(r[i]) for r in rows] + [4])
            head = display_width(column.title)
            out.append(float(min(max(widest, min(head, 14), 4), 40)))
        return out


@dataclass(frozen=True)
class Image:
    """A PNG or JPEG picture (a map), as bytes or a file.

    ``width_mm`` defaults to the text width; the picture keeps its proportions and is made
    smaller when it would not fit the page's height. ``caption`` is centred below it.
    """

    source: bytes | Path
    width_mm: float | None = None
    caption: str | None = None

    def data(self) -> bytes:
        """The picture's bytes."""
        if isinstance(self.source, bytes):
            return self.source
        try:
            return Path(self.source).read_bytes()
        except OSError as err:
            msg = f"Cannot read the picture {self.source}: {err.strerror or err}."
            raise LayerFileError(msg) from err

    def pixel_size(self) -> tuple[int, int]:
        """(width, height) in pixels; a file that is no picture is refused."""
        from PIL import Image as PILImage  # noqa: PLC0415  (Pillow comes with matplotlib)

        try:
            with PILImage.open(io.BytesIO(self.data())) as picture:
                return picture.size
        except OSError as err:  # PIL's UnidentifiedImageError is an OSError
            where = "bytes given" if isinstance(self.source, bytes) else str(self.source)
            msg = f"A document's Image is a PNG or JPEG picture; the {where} are not one ({err})."
            raise LayerFileError(msg) from err


@dataclass(frozen=True)
class OpinionBox:
    """A blank, bordered box for an opinion written at the meeting.

    ``label`` names it (规划建设局意见); ``height_mm`` is the writing space; ``signature``
    adds 签字 and 日期 lines at its foot.
    """

    label: str
    height_mm: float = 35.0
    signature: bool = True

    def __post_init__(self) -> None:
        if not 5 <= self.height_mm <= 250:
            msg = f"height_mm must be 5 to 250 millimetres, got {self.height_mm!r}"
            raise InputError(msg)


@dataclass(frozen=True)
class PageBreak:
    """Start a new page."""


Block = Heading | Paragraph | Facts | TableBlock | Image | OpinionBox | PageBreak
_BLOCK_TYPES = (Heading, Paragraph, Facts, TableBlock, Image, OpinionBox, PageBreak)
#: signature line of an opinion box
SIGNATURE = "签字：　　　　　　　　　　　　日期：　　　　年　　月　　日"


@dataclass(frozen=True, eq=False)
class Document:
    """A document to print: a title, blocks, and the page.

    Attributes
    ----------
    title : str
        Centred at the top of the first page (and the file's title).
    blocks : sequence of Block
        In order.
    subtitle : str or sequence of str
        Centred lines under the title (the issuing unit, the date).
    paper : {"A4", "A3"}, default "A4"
    orientation : {"portrait", "landscape"}, default "portrait"
    header : str
        A running header on every page (default: none).
    footer : str
        Text at the left of every page's foot (default: none).
    page_numbers : bool, default True
        第 N 页 共 M 页 at the centre of every page's foot.
    margin_mm : float, default 20
    """

    title: str
    blocks: Sequence[Block] = ()
    subtitle: str | Sequence[str] = ()
    paper: Paper = "A4"
    orientation: Orientation = "portrait"
    header: str = ""
    footer: str = ""
    page_numbers: bool = True
    margin_mm: float = 20.0
    _lines: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        page_size_mm(self.paper, self.orientation)
        lines = (self.subtitle,) if isinstance(self.subtitle, str) else tuple(self.subtitle)
        object.__setattr__(self, "_lines", lines)
        object.__setattr__(self, "blocks", tuple(self.blocks))
        wrong = [type(b).__name__ for b in self.blocks if not isinstance(b, _BLOCK_TYPES)]
        if wrong:
            msg = (f"A document's blocks are Heading, Paragraph, Facts, TableBlock, Image, "
                   f"OpinionBox or PageBreak; got {', '.join(wrong)}.")
            raise InputError(msg)
        width, height = self.page_mm
        if not 5 <= self.margin_mm <= min(width, height) / 4:
            msg = (f"margin_mm must be 5 to {min(width, height) / 4:g} mm on {self.paper}, got "
                   f"{self.margin_mm!r}")
            raise InputError(msg)

    @property
    def subtitle_lines(self) -> tuple[str, ...]:
        """The subtitle, line by line."""
        return self._lines

    @property
    def page_mm(self) -> tuple[float, float]:
        """(width, height) of the page in millimetres."""
        return page_size_mm(self.paper, self.orientation)

    @property
    def text_width_mm(self) -> float:
        """The width inside the margins."""
        return self.page_mm[0] - 2 * self.margin_mm


def clean(text: object) -> str:
    """Text as a file can hold it: missing values empty, control characters removed."""
    value = cell_value(text, Cleaning())
    return "" if value is None else str(value)


def format_value(value: object, kind: Kind | str = "text", decimals: int | None = None) -> str:
    """A value as a table cell shows it, by the workbook layer's kinds of column.

    Missing values are empty; dates are ``yyyy-mm-dd``; ``int``, ``m2`` and ``wan`` have
    thousands separators; ``mu``, ``ha``, ``m2``, ``wan`` and ``float`` 2 decimals unless
    ``decimals`` says otherwise; ``pct`` is a share (0.25 -> 25.0%); ``number`` and ``text``
    show whole numbers without decimals and others with up to 2; booleans are 是 / 否.

    Examples
    --------
    >>> format_value(14263.04, "m2"), format_value(3, "int"), format_value(2.5, "number")
    ('14,263.04', '3', '2.5')
    >>> import pandas as pd
    >>> format_value(pd.Timestamp("2011-12-17"), "date"), format_value(True)
    ('2011-12-17', '是')
    """
    number_format(kind, decimals)  # raises on an unknown kind
    stored = cell_value(value, Cleaning())
    if isinstance(stored, bool):
        return "是" if stored else "否"
    if isinstance(stored, dt.date):
        return stored.strftime("%Y-%m-%d %H:%M" if isinstance(stored, dt.datetime)
                               else "%Y-%m-%d")
    if isinstance(stored, int | float):
        return _number_text(float(stored), kind, decimals)
    return "" if stored is None else str(stored)


def _number_text(number: float, kind: str, decimals: int | None) -> str:
    if kind not in ("number", "text", "date"):
        return shown_number(number, kind, decimals)
    if not math.isfinite(number):
        return ""
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.2f}".rstrip("0").rstrip(".")
