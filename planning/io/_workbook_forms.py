"""What a fill-in form needs of a sheet: data validations and sheet protection (internals).

A form is a sheet whose cells are locked except the ones a user fills in
(``Sheet.put(..., editable=True)``), with :class:`Validation` rules on the ranges a user
types into (a date between two days, a number between 0 and 100, a word from a list), and
optionally hidden (``Sheet.state``) to carry what the sender needs to recognise the returned
file. The rules are written by :mod:`planning.io._workbook_xlsx`; nothing here imports
openpyxl. The formulas of a rule are built here from numbers, days and list words: no text
from data ever becomes a formula.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Literal

#: what a validation rule accepts
ValidationKind = Literal["date", "decimal", "whole", "list", "text_length"]
VALIDATION_KINDS = ("date", "decimal", "whole", "list", "text_length")
#: sheet visibility, as Excel keeps it
SheetState = Literal["visible", "hidden", "veryHidden"]
SHEET_STATES = ("visible", "hidden", "veryHidden")
#: Excel's limits on a validation's texts and on an inline list
_MAX_TITLE = 32
_MAX_MESSAGE = 255
_MAX_LIST = 255
_LIST_BAD = re.compile(r'[,"\x00-\x1f]')


@dataclass(frozen=True)
class Validation:
    """A data-validation rule on the cells of a range (Excel's 数据有效性 / 数据验证).

    Attributes
    ----------
    kind : {"date", "decimal", "whole", "list", "text_length"}
        What the cells accept: a day, any number, a whole number, one word of
        ``options``, or text of at most ``maximum`` characters.
    minimum, maximum : date or number, optional
        The bounds (inclusive); either may be left out. Days for ``"date"``.
    options : tuple of str
        The words of a ``"list"`` rule, shown as a drop-down (no commas or quotes; 255
        characters in all at most, Excel's limit for an inline list).
    allow_blank : bool, default True
        An empty cell is accepted.
    title, prompt : str, optional
        The input message shown when a cell is selected (title at most 32 characters).
    error : str, optional
        The message shown when a value is refused (at most 255 characters).

    Examples
    --------
    >>> import datetime as dt
    >>> Validation("decimal", minimum=0, maximum=100).formulas()
    ('0', '100', 'between')
    >>> Validation("date", maximum=dt.date(2011, 12, 24)).formulas()
    ('DATE(2011,12,24)', None, 'lessThanOrEqual')
    >>> Validation("list", options=("未开始", "推进中", "已完成")).formulas()
    ('"未开始,推进中,已完成"', None, None)
    """

    kind: ValidationKind
    minimum: dt.date | float | None = None
    maximum: dt.date | float | None = None
    options: tuple[str, ...] = ()
    allow_blank: bool = True
    title: str | None = None
    prompt: str | None = None
    error: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in VALIDATION_KINDS:
            msg = (f"Unknown kind of validation {self.kind!r}: use one of "
                   f"{', '.join(VALIDATION_KINDS)}.")
            raise ValueError(msg)
        if self.kind == "list":
            self._check_options()
        elif self.options:
            msg = f"options are for a 'list' validation, not for {self.kind!r}"
            raise ValueError(msg)
        elif self.minimum is None and self.maximum is None:
            msg = f"A {self.kind!r} validation needs minimum=, maximum= or both"
            raise ValueError(msg)
        for bound in (self.minimum, self.maximum):
            self._check_bound(bound)
        if self.minimum is not None and self.maximum is not None \
                and self.maximum < self.minimum:  # type: ignore[operator]
            msg = f"maximum ({self.maximum}) is below minimum ({self.minimum})"
            raise ValueError(msg)
        for name, limit in (("title", _MAX_TITLE), ("prompt", _MAX_MESSAGE),
                            ("error", _MAX_MESSAGE)):
            text = getattr(self, name)
            if text is not None and len(text) > limit:
                msg = f"A validation's {name} holds at most {limit} characters, got {len(text)}"
                raise ValueError(msg)

    def _check_options(self) -> None:
        if not self.options or not all(isinstance(o, str) and o for o in self.options):
            msg = "A 'list' validation needs options=(...): one or more words"
            raise ValueError(msg)
        bad = [o for o in self.options if _LIST_BAD.search(o)]
        if bad:
            msg = (f"List words cannot hold commas, quotes or control characters (Excel "
                   f"splits the list at commas): {bad}")
            raise ValueError(msg)
        if len(",".join(self.options)) > _MAX_LIST:
            msg = f"An inline list holds at most {_MAX_LIST} characters in all"
            raise ValueError(msg)

    def _check_bound(self, bound: object) -> None:
        if bound is None:
            return
        if self.kind == "date":
            if not isinstance(bound, dt.date) or isinstance(bound, dt.datetime):
                msg = f"The bounds of a 'date' validation are days (datetime.date), got {bound!r}"
                raise ValueError(msg)
            return
        if isinstance(bound, bool) or not isinstance(bound, int | float) \
                or not math.isfinite(bound):
            msg = f"The bounds of a {self.kind!r} validation are finite numbers, got {bound!r}"
            raise ValueError(msg)

    def formulas(self) -> tuple[str, str | None, str | None]:
        """Excel's ``formula1``, ``formula2`` and operator for this rule."""
        if self.kind == "list":
            return '"' + ",".join(self.options) + '"', None, None
        low, high = (None if b is None else _formula(b) for b in (self.minimum, self.maximum))
        if low is not None and high is not None:
            return low, high, "between"
        if low is not None:
            return low, None, "greaterThanOrEqual"
        return str(high), None, "lessThanOrEqual"


def _formula(bound: dt.date | float) -> str:
    if isinstance(bound, dt.date):
        return f"DATE({bound.year},{bound.month},{bound.day})"
    return str(int(bound)) if float(bound).is_integer() else repr(float(bound))

