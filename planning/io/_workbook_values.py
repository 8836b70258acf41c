"""Cell values for workbooks and CSV files: what a value from data becomes in a cell (internals).

One place decides, for every writer of :mod:`planning.io.workbook`:

- missing values (None, NaN, NaT, NA) become empty cells; numpy scalars become Python
  values; timestamps become dates (or datetimes when they carry a time of day);
- text loses the characters Excel and XML cannot hold (control characters other than tab
  and line breaks, lone surrogates, U+FFFE/U+FFFF) and is cut at Excel's 32,767 characters,
  each counted in a :class:`Cleaning` so that the writer can say what it changed;
- number formats by kind of value (:data:`KINDS`), and the display width of a value (CJK
  characters count double) for fitting column widths.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from planning._core.text import is_missing

#: The kinds of column a sheet knows, and the unit each stands for.
Kind = Literal["text", "number", "int", "float", "m2", "ha", "mu", "wan", "pct", "date"]
KINDS: dict[str, str] = {
    "text": "text (stored as text, never as a formula)",
    "number": "a number shown as Excel's General format",
    "int": "a whole number, #,##0",
    "float": "a number with fixed decimals (2 unless given), 0.00",
    "m2": "square metres (平方米), #,##0.00",
    "ha": "hectares (公顷), 0.00",
    "mu": "mu (亩), 0.00 unless the caller gives other decimals",
    "wan": "ten-thousand yuan (万元), #,##0.00",
    "pct": "a share (0.25 shown as 25.0%), 0.0%",
    "date": "a day, yyyy-mm-dd",
}
_DEFAULT_DECIMALS = {"float": 2, "m2": 2, "ha": 2, "mu": 2, "wan": 2, "pct": 1}
_THOUSANDS = frozenset({"int", "m2", "wan"})

#: the longest text a cell can hold (Excel's limit)
MAX_CELL_TEXT = 32_767
#: openpyxl's ILLEGAL_CHARACTERS_RE (C0 controls but tab, LF, CR) and what XML cannot hold
ILLEGAL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: first characters that make a spreadsheet read text as a formula (OWASP CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Cleaning:
    """What cleaning changed while values were written (counts over a whole file)."""

    removed_characters: int = 0
    cells_with_removed_characters: int = 0
    shortened_cells: int = 0
    non_finite_numbers: int = 0
    protected_cells: int = 0

    def notes(self, target: str) -> list[str]:
        """One sentence per kind of change, naming the file."""
        out = []
        if self.removed_characters:
            out.append(f"{target}: {self.removed_characters} control character(s) that Excel "
                       f"cannot hold were removed from {self.cells_with_removed_characters} "
                       "cell(s)")
        if self.shortened_cells:
            out.append(f"{target}: {self.shortened_cells} text(s) longer than {MAX_CELL_TEXT:,} "
                       "characters (Excel's limit) were cut to that length")
        if self.non_finite_numbers:
            out.append(f"{target}: {self.non_finite_numbers} infinite number(s) were written as "
                       "empty cells")
        if self.protected_cells:
            out.append(f"{target}: {self.protected_cells} text cell(s) starting with = + - @ "
                       "(or a tab or carriage return) got a leading ' so that a spreadsheet "
                       "shows them as text")
        return out


def storable_text(text: str, cleaning: Cleaning) -> str:
    """``text`` without the characters a workbook cannot hold, cut at Excel's limit."""
    cleaned, removed = ILLEGAL_CHARACTERS.subn("", text)
    if removed:
        cleaning.removed_characters += removed
        cleaning.cells_with_removed_characters += 1
    if len(cleaned) > MAX_CELL_TEXT:
        cleaning.shortened_cells += 1
        cleaned = cleaned[:MAX_CELL_TEXT]
    return cleaned


def cell_value(value: object, cleaning: Cleaning) -> object:
    """The value a cell stores: None, str, bool, int, float, date, datetime or timedelta.

    Examples
    --------
    >>> c = Cleaning()
    >>> cell_value(float("nan"), c), cell_value(np.int64(3), c)
    (None, 3)
    >>> cell_value(pd.Timestamp("2011-12-01"), c)
    datetime.date(2011, 12, 1)
    >>> cell_value("城关\\x00镇", c), c.removed_characters
    ('城关镇', 1)
    """
    if type(value) is str:  # the common cases first, without the checks below
        return storable_text(value, cleaning)
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return value
    return _other_value(value, cleaning)


def _other_value(value: object, cleaning: Cleaning) -> object:
    if is_missing(value):
        return None
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | dt.date | dt.timedelta):
        return _moment(value) if isinstance(value, dt.datetime) else value
    if isinstance(value, numbers.Real):
        number = value if isinstance(value, int) else float(value)
        if isinstance(number, float) and not math.isfinite(number):
            cleaning.non_finite_numbers += 1
            return None
        return number
    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
    return storable_text(text, cleaning)


def _moment(value: dt.datetime) -> dt.date | dt.datetime:
    """A day when the time is midnight, else the datetime (time zones dropped: local time)."""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    if stamp == stamp.normalize():
        return stamp.date()
    return stamp.to_pydatetime()


def number_format(kind: str, decimals: int | None = None) -> str:
    """The Excel number format of a kind of column.

    Examples
    --------
    >>> number_format("wan"), number_format("mu"), number_format("mu", 4), number_format("int")
    ('#,##0.00', '0.00', '0.0000', '#,##0')
    """
    if kind not in KINDS:
        msg = f"Unknown kind of column {kind!r}: use one of {', '.join(KINDS)}."
        raise ValueError(msg)
    if kind == "text":
        return "@"
    if kind == "number":
        return "General"
    if kind == "date":
        return "yyyy-mm-dd"
    places = 0 if kind == "int" else _DEFAULT_DECIMALS[kind] if decimals is None else decimals
    if places < 0:
        msg = f"decimals must be 0 or more, got {decimals}"
        raise ValueError(msg)
    base = "#,##0" if kind in _THOUSANDS else "0"
    fraction = "." + "0" * places if places else ""
    return base + fraction + ("%" if kind == "pct" else "")


def display_width(value: object, kind: str = "text", decimals: int | None = None) -> int:
    """How many character widths a value takes in a cell (CJK and full-width count two).

    Examples
    --------
    >>> display_width("城关镇"), display_width("Z1"), display_width(1234.5, "wan")
    (6, 2, 8)
    """
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16  # yyyy-mm-dd hh:mm (days at midnight are stored as dates)
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, int | float) and not isinstance(value, bool):
        return len(shown_number(float(value), kind, decimals))
    text = str(value)
    longest = max(text.split("\n"), key=len) if "\n" in text else text
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def shown_number(number: float, kind: str, decimals: int | None) -> str:
    """A number as a cell of a kind shows it (also what printed documents show)."""
    if kind in ("number", "text"):
        return f"{number:g}"
    places = 0 if kind == "int" else _DEFAULT_DECIMALS.get(kind, 2) if decimals is None \
        else decimals
    if kind == "pct":
        return f"{number:.{places}%}"
    return f"{number:,.{places}f}" if kind in _THOUSANDS else f"{number:.{places}f}"


def protect_text(text: str, cleaning: Cleaning) -> str:
    """Text for a CSV cell: a leading ``'`` when it would start a formula (OWASP).

    Examples
    --------
    >>> c = Cleaning()
    >>> protect_text("=1+2", c), protect_text("-2+3", c), protect_text("城关镇", c)
    ("'=1+2", "'-2+3", '城关镇')
    """
    if text.startswith(FORMULA_STARTS):
        cleaning.protected_cells += 1
        return "'" + text
    return text
