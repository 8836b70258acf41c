"""Reading the dates people really type into Chinese ledgers and inspection sheets.

One function, :func:`parse_date`, turns a cell value into a :class:`datetime.date` or
``None`` (blank, ``待定`` and other "not fixed yet" markers), or raises :class:`ValueError`
whose text says why the value is not a date and how to write it. :func:`parse_date_column`
does the same for a whole column and collects the failures instead of stopping at the first.

What is read
------------
- real dates (``datetime.date``, ``datetime.datetime``, ``pandas.Timestamp``,
  ``numpy.datetime64``);
- Excel serial numbers of the 1900 date system (``40894`` is 2011-12-17), accepted for
  1950-2100 only, so that a stray count or amount is not taken for a date;
- numbers typed into a numeric cell: ``20111217`` (yyyymmdd), ``201112`` (yyyymm), ``2012``
  (a year), ``2011.12`` (a month; ``2011.1`` is refused because Excel dropped a trailing zero
  and it may mean January or October);
- text: ``2011-12-17``, ``2011.12.17``, ``2011/12/17``, ``2011-12``, ``2011.12``,
  ``2011年12月17日`` (or ``号``), ``2011年12月``, ``2011年12月份``, ``2011年12月上旬`` /
  ``中旬`` / ``下旬``, ``2011年12月初`` / ``底`` / ``末``, ``2011年底``, ``2011年``,
  ``2011年第四季度`` / ``2011Q4``, ``2011年上半年`` / ``下半年``, Chinese numerals
  (``二〇一一年十二月``), full-width digits and spaces, a trailing ``前`` / ``以前`` /
  ``完成`` ("by ..."), and a trailing time of day (``2011-12-17 00:00:00``);
- blanks and the markers ``待定``, ``未定``, ``暂无``, ``无``, ``-``, ``/`` read as ``None``.

A value that names a period rather than a day (a month, a ten-day part of a month, a quarter,
a half-year, a year) gives its first day with ``partial="start"`` (the default, right for
start dates) and its last day with ``partial="end"`` (right for deadlines and completion
dates: a node due in ``2011年12月`` is not late before 2012-01-01).

What an argument means
----------------------
Every function of the toolkit reads its date arguments through this module, with one meaning
per kind of argument:

- ``on=`` (and a ledger's ``as_of=``) is the state **as of** that day, read by :func:`as_of`:
  a period given as ``on`` means its **last** day (``on="2011-12"``, ``on="2011年第四季度"``
  and ``on="2011"`` are all 2011-12-31: the state as of that month, quarter or year);
- arguments that start something (``start=``, ``since=``) take a period's first day, and
  those that end something (``end=``, ``until=``) its last day (:func:`as_day` with
  ``partial``);
- ``period=`` is read by :func:`period_bounds` as its first and last day;
- an exact day means itself everywhere.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
from collections.abc import Hashable
from typing import Literal

import numpy as np
import pandas as pd

from planning._errors import InputError

Partial = Literal["start", "end"]

#: What functions accept as a day: a date, a timestamp, or text in any form read here.
DateLike = dt.date | str | pd.Timestamp | np.datetime64

#: What functions accept as a period: text or a number naming one (``"2011-12"``,
#: ``"2011年第四季度"``, ``"2011Q4"``, ``2011``), a day, a ``pandas.Period``, or
#: ``(first, last)`` dates.
PeriodLike = DateLike | int | pd.Period | tuple[object, object]

#: cell texts that mean "no date (yet)"; compared after removing all spaces
BLANK_MARKERS = frozenset(
    {"", "待定", "未定", "暂定", "暂无", "无", "-", "--", "—", "——", "/", "\\", "nan", "nat",
     "none"}
)

#: the 1900 date system's day zero (it counts the non-existent 1900-02-29, hence the 30th)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_MIN = (dt.date(1950, 1, 1) - _EXCEL_EPOCH).days
_SERIAL_MAX = (dt.date(2100, 12, 31) - _EXCEL_EPOCH).days
_YEAR_MIN, _YEAR_MAX = 1900, 2100

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_RUN = re.compile("[〇零一二两三四五六七八九十]+")
_TIME_OF_DAY = re.compile(r"[ T]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_SUFFIX = re.compile(r"(以前|之前|前)?(完成|完工|竣工)?$")
_SEPARATED = re.compile(r"^(\d{2,4})[-./](\d{1,2})(?:[-./](\d{1,2}))?\.?$")
_QUARTER = re.compile(r"^(\d{4})(?:年第?([1-4])季度?|-?[Qq]([1-4]))$")
_HALF = re.compile(r"^(\d{4})年?(上|下)半年$")
_CHINESE = re.compile(
    r"^(?P<y>\d{2,4})年(?:(?P<ye>初|底|末)|(?P<m>\d{1,2})月份?"
    r"(?:(?P<d>\d{1,2})[日号]|(?P<part>上旬|中旬|下旬|初|中|底|末))?)?$"
)
_MONTH_DAY = re.compile(r"^\d{1,2}月(\d{1,2}[日号]|上旬|中旬|下旬|初|中|底|末)?$")
_RANGE = re.compile(r"[~～至到]|\d{4}.*[-—]+.*\d{4}")


def parse_date(value: object, *, partial: Partial = "start") -> dt.date | None:
    """Read one cell value as a date.

    Parameters
    ----------
    value : object
        A date, timestamp, Excel serial number or text (see the module documentation for
        every form read).
    partial : {"start", "end"}, default "start"
        For a value naming a period (month, ten days, quarter, half-year, year): return its
        first day ("start") or its last day ("end").

    Returns
    -------
    datetime.date or None
        ``None`` for a blank cell and for markers such as ``待定`` (to be fixed).

    Raises
    ------
    ValueError
        When the value is not a date; the message says why and how to write it.

    Examples
    --------
    >>> parse_date("2011年12月")
    datetime.date(2011, 12, 1)
    >>> parse_date("2011年12月", partial="end")
    datetime.date(2011, 12, 31)
    >>> parse_date("2011.12.30"), parse_date(40894), parse_date("　待定 ")
    (datetime.date(2011, 12, 30), datetime.date(2011, 12, 17), None)
    >>> parse_date("2011年13月")
    Traceback (most recent call last):
    ...
    ValueError: month 13 does not exist (months run 1-12)
    """
    if partial not in ("start", "end"):
        msg = f"partial must be 'start' or 'end', got {partial!r}"
        raise ValueError(msg)
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        msg = "a yes/no value is not a date"
        raise ValueError(msg)
    if isinstance(value, dt.datetime):  # before date: datetime is a subclass of date
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date()
    if isinstance(value, int | float | np.integer | np.floating):
        return _from_number(float(value), repr_text=_number_text(value), partial=partial)
    if isinstance(value, str):
        return _from_text(value, partial=partial)
    msg = f"a {type(value).__name__} is not a date"
    raise ValueError(msg)


def parse_date_column(
    values: pd.Series, *, partial: Partial = "start"
) -> tuple[pd.Series, dict[Hashable, str]]:
    """Read a column of cell values as dates, collecting every failure.

    Parameters
    ----------
    values : pandas.Series
        The cells.
    partial : {"start", "end"}, default "start"
        As in :func:`parse_date`.

    Returns
    -------
    dates : pandas.Series
        ``datetime64[s]`` values on the same index; NaT for blanks and for failures.
    failures : dict
        Index label -> the reason the value there is not a date.

    Examples
    --------
    >>> dates, failures = parse_date_column(pd.Series(["2011-12", "待定", "12月30日"]))
    >>> [str(d.date()) if pd.notna(d) else None for d in dates]
    ['2011-12-01', None, None]
    >>> failures
    {2: 'the year is missing: write it in full, for example 2011年12月30日'}
    """
    out: list[dt.date | None] = []
    failures: dict[Hashable, str] = {}
    for label, value in values.items():
        try:
            out.append(parse_date(value, partial=partial))
        except ValueError as exc:
            failures[label] = str(exc)
            out.append(None)
    cells = pd.Series(out, index=values.index, dtype=object)
    return pd.to_datetime(cells).astype("datetime64[s]"), failures


def _number_text(value: object) -> str:
    """The shortest text of a number as a person would have typed it."""
    if isinstance(value, int | np.integer):
        return str(int(value))
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else repr(number)


def _from_number(number: float, *, repr_text: str, partial: Partial) -> dt.date | None:
    if math.isnan(number):
        return None
    if math.isinf(number) or number < 0:
        msg = f"{repr_text} is not a date"
        raise ValueError(msg)
    whole = int(number)
    if number != whole:
        if _YEAR_MIN <= whole <= _YEAR_MAX:
            return _year_dot_month(repr_text, partial=partial)
        if _SERIAL_MIN <= whole <= _SERIAL_MAX:  # a serial with a time of day
            return _EXCEL_EPOCH + dt.timedelta(days=whole)
        msg = f"{repr_text} is not a date"
        raise ValueError(msg)
    return _from_digits(str(whole), partial=partial)


def _year_dot_month(text: str, *, partial: Partial) -> dt.date:
    """``2011.12`` typed into a numeric cell."""
    year_text, _, month_text = text.partition(".")
    if month_text == "1":
        msg = (
            f"{text} is a number, and Excel drops trailing zeros: it may mean "
            f"{year_text}年1月 or {year_text}年10月. Format the cell as text and write "
            f"{year_text}.01 or {year_text}.10"
        )
        raise ValueError(msg)
    if len(month_text) > 2:
        msg = f"{text} is a number, not a date: format the cell as a date or as text"
        raise ValueError(msg)
    return _period(int(year_text), int(month_text), None, partial=partial)


def _from_digits(digits: str, *, partial: Partial) -> dt.date:
    """A run of digits: yyyymmdd, yyyymm, a year, or an Excel serial."""
    if len(digits) == 8:
        return _period(int(digits[:4]), int(digits[4:6]), int(digits[6:]), partial=partial)
    if len(digits) == 6 and _YEAR_MIN <= int(digits[:4]) <= _YEAR_MAX:
        return _period(int(digits[:4]), int(digits[4:]), None, partial=partial)
    number = int(digits)
    if len(digits) == 4 and _YEAR_MIN <= number <= _YEAR_MAX:
        return _year(number, partial=partial)
    if _SERIAL_MIN <= number <= _SERIAL_MAX:
        return _EXCEL_EPOCH + dt.timedelta(days=number)
    msg = (
        f"{digits} is not a date: as an Excel serial number it would fall outside "
        "1950-2100; write the date as 2011-12-30 or 2011年12月30日"
    )
    raise ValueError(msg)


def _normalise(text: str) -> str:
    """Full-width to ASCII, no spaces, no time of day, no "by" suffix, Arabic numerals."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = _TIME_OF_DAY.sub("", text)
    text = re.sub(r"\s+", "", text).replace("—", "-")
    text = _SUFFIX.sub("", text) or text
    return _CN_RUN.sub(_chinese_number, text)


def _chinese_number(match: re.Match[str]) -> str:
    run = match.group(0)
    if "十" not in run:
        return "".join(str(_CN_DIGITS[c]) for c in run)
    tens_text, _, units_text = run.partition("十")
    tens = _CN_DIGITS.get(tens_text, 1) if tens_text else 1
    units = _CN_DIGITS.get(units_text, 0) if units_text else 0
    if len(tens_text) > 1 or len(units_text) > 1:
        return run  # not a number we read; the patterns below will refuse it
    return str(tens * 10 + units)


def _from_text(raw: str, *, partial: Partial) -> dt.date | None:
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw))
    if compact.lower() in BLANK_MARKERS:
        return None
    text = _normalise(raw)
    if text.isdigit():
        return _from_digits(text, partial=partial)
    found = _read_patterns(text, partial=partial)
    if found is not None:
        return found
    raise ValueError(_why_not(raw, text))


def _read_patterns(text: str, *, partial: Partial) -> dt.date | None:
    """The date in ``text`` if one of the patterns matches, else None."""
    if m := _SEPARATED.match(text):
        if len(m.group(1)) <= 2 and m.group(3) is None:
            msg = "the year is missing: write it in full, for example 2011.12.30"
            raise ValueError(msg)
        year = _full_year(m.group(1))
        day = int(m.group(3)) if m.group(3) else None
        return _period(year, int(m.group(2)), day, partial=partial)
    if m := _CHINESE.match(text):
        return _chinese_date(m, partial=partial)
    if m := _QUARTER.match(text):
        first = (int(m.group(2) or m.group(3)) - 1) * 3 + 1
        start = _period(int(m.group(1)), first, None, partial="start")
        end = _period(int(m.group(1)), first + 2, None, partial="end")
        return start if partial == "start" else end
    if m := _HALF.match(text):
        year = int(m.group(1))
        if m.group(2) == "上":
            return dt.date(year, 1, 1) if partial == "start" else dt.date(year, 6, 30)
        return dt.date(year, 7, 1) if partial == "start" else dt.date(year, 12, 31)
    return None


def _chinese_date(m: re.Match[str], *, partial: Partial) -> dt.date:
    """``2011年12月30日``, ``2011年12月``, ``2011年12月中旬``, ``2011年底``, ``2011年``."""
    year = _full_year(m.group("y"))
    if m.group("ye") == "初":
        return _period(year, 1, None, partial=partial)
    if m.group("ye"):
        return dt.date(year, 12, 31)
    if m.group("m") is None:
        return _year(year, partial=partial)
    month = int(m.group("m"))
    if m.group("d"):
        return _period(year, month, int(m.group("d")), partial=partial)
    return _month_part(year, month, m.group("part"), partial=partial)


def _why_not(raw: str, text: str) -> str:
    """The reason a text that matched no pattern is not a date."""
    if _MONTH_DAY.match(text):
        return "the year is missing: write it in full, for example 2011年12月30日"
    if _RANGE.search(text):
        return (
            "this is a period, not a date: put its start and its end in separate columns "
            "(for example 计划开工时间 and 计划完成时间)"
        )
    return (
        f"{raw!r} is not a date in a form this reader knows; write it as 2011-12-30, "
        "2011.12.30, 2011年12月30日 or 2011年12月"
    )


def _full_year(text: str) -> int:
    if len(text) != 4:
        msg = f"two-digit year {text!r}: write the year in full (for example 2011)"
        raise ValueError(msg)
    year = int(text)
    if not _YEAR_MIN <= year <= _YEAR_MAX:
        msg = f"year {year} is outside {_YEAR_MIN}-{_YEAR_MAX}"
        raise ValueError(msg)
    return year


def _year(year: int, *, partial: Partial) -> dt.date:
    _full_year(str(year))
    return dt.date(year, 1, 1) if partial == "start" else dt.date(year, 12, 31)


def _period(year: int, month: int, day: int | None, *, partial: Partial) -> dt.date:
    """A day, or the first or last day of a month, checked."""
    _full_year(str(year))
    if not 1 <= month <= 12:
        msg = f"month {month} does not exist (months run 1-12)"
        raise ValueError(msg)
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return dt.date(year, month, 1 if partial == "start" else last)
    if not 1 <= day <= last:
        msg = f"day {day} does not exist in {year}-{month:02d} (it has {last} days)"
        raise ValueError(msg)
    return dt.date(year, month, day)


def _month_part(year: int, month: int, part: str | None, *, partial: Partial) -> dt.date:
    """A month, or its ten-day part (上旬 1-10, 中旬 11-20, 下旬 21-end), 初 / 底 / 末."""
    last = _period(year, month, None, partial="end").day
    bounds = {
        None: (1, last), "上旬": (1, 10), "初": (1, 10), "中旬": (11, 20), "中": (11, 20),
        "下旬": (21, last), "底": (last, last), "末": (last, last),
    }[part]
    return dt.date(year, month, bounds[0] if partial == "start" else bounds[1])


def date_bounds(value: object) -> tuple[dt.date, dt.date] | None:
    """The first and last day a value names (the same day twice for an exact day).

    Parameters
    ----------
    value : object
        Anything :func:`parse_date` reads.

    Returns
    -------
    tuple of datetime.date, or None
        ``None`` for a blank cell and the "not fixed yet" markers.

    Raises
    ------
    ValueError
        As :func:`parse_date`.

    Examples
    --------
    >>> date_bounds("2011年12月上旬")
    (datetime.date(2011, 12, 1), datetime.date(2011, 12, 10))
    >>> date_bounds("2011-12-17")
    (datetime.date(2011, 12, 17), datetime.date(2011, 12, 17))
    """
    first = parse_date(value, partial="start")
    if first is None:
        return None
    return first, parse_date(value, partial="end") or first


def as_day(value: object, name: str = "on", *, partial: Partial = "start") -> pd.Timestamp:
    """A day given as a date, a timestamp or text (any form :func:`parse_date` reads).

    For arguments that start or end something: ``partial="start"`` (``start=``, ``since=``)
    takes a period's first day, ``partial="end"`` (``end=``, ``until=``) its last day. An
    ``on=`` argument goes through :func:`as_of`.

    Raises :class:`~planning._errors.InputError` naming the argument when the value is not
    a date or is blank.

    Examples
    --------
    >>> as_day("2011年12月17日")
    Timestamp('2011-12-17 00:00:00')
    >>> as_day("2011-12", "until", partial="end")
    Timestamp('2011-12-31 00:00:00')
    >>> as_day("待定", "start")
    Traceback (most recent call last):
    ...
    planning._errors.InputError: start must be a date such as '2011-12-17', got '待定'
    """
    day = optional_day(value, name, partial=partial)
    if day is None:
        msg = f"{name} must be a date such as '2011-12-17', got {value!r}"
        raise InputError(msg)
    return day


def optional_day(value: object, name: str, *, partial: Partial = "start"
                 ) -> pd.Timestamp | None:
    """:func:`as_day` for arguments that may be blank (``done=None``: not done).

    Returns None for a blank value or a marker such as ``待定``.

    Examples
    --------
    >>> optional_day("2012年3月", "due", partial="end"), optional_day("待定", "due")
    (Timestamp('2012-03-31 00:00:00'), None)
    """
    try:
        day = parse_date(value, partial=partial)
    except ValueError as exc:
        msg = f"{name}={value!r} is not a date: {exc}"
        raise InputError(msg) from exc
    return None if day is None else pd.Timestamp(day)


def as_of(value: object, name: str = "on") -> pd.Timestamp:
    """The day an ``on=`` argument means: the state as of that day.

    Every ``on=`` of the toolkit (ledger snapshots, node states, updates, briefings, the
    assessment, the meeting map and pack, ``--on`` of the command line) is read here. An
    exact day is itself; a period (a month, ten days, a quarter, a half-year, a year) means
    its **last** day: the state as of the end of that month, quarter or year.

    Parameters
    ----------
    value : object
        A date, a timestamp, a ``pandas.Period`` or text in any form :func:`parse_date`
        reads.
    name : str, default "on"
        The argument's name, used in the error message.

    Returns
    -------
    pandas.Timestamp
        Midnight of the day.

    Raises
    ------
    InputError
        When the value is blank or not a date; the message names the argument.

    Examples
    --------
    >>> [as_of(v).date().isoformat() for v in ("2011-12-17", "2011-12", "2011年第四季度", "2011")]
    ['2011-12-17', '2011-12-31', '2011-12-31', '2011-12-31']
    >>> as_of("12月17日")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planning._errors.InputError: on='12月17日' is not a date: the year is missing: ...
    """
    if isinstance(value, pd.Period):
        return value.end_time.normalize()
    return as_day(value, name, partial="end")


def period_bounds(value: object, name: str = "period") -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and the last day of a period, as bureaus write periods.

    Parameters
    ----------
    value : str, int, date, pandas.Period or (first, last)
        A month (``"2011-12"``, ``"2011年12月"``, ``"2011.12"``), a quarter (``"2011Q4"``,
        ``"2011年第四季度"``), a half-year (``"2011年上半年"``), a year (``"2011"``,
        ``"2011年"``, ``2011``), a ten-day part (``"2011年12月上旬"``), a single day, a
        ``pandas.Period``, or ``(first, last)``: two values in any of these forms (the
        first day of ``first`` to the last day of ``last``).
    name : str, default "period"
        The argument's name, used in error messages.

    Returns
    -------
    tuple of pandas.Timestamp
        The first and the last day (both included).

    Raises
    ------
    InputError
        Naming the argument, when the value is blank, not a period, or ends before it starts.

    Examples
    --------
    >>> [d.date().isoformat() for d in period_bounds("2011年第四季度")]
    ['2011-10-01', '2011-12-31']
    >>> [d.date().isoformat() for d in period_bounds(("2011-12-01", "2011-12-10"))]
    ['2011-12-01', '2011-12-10']
    >>> period_bounds("下个月")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planning._errors.InputError: period='下个月' is not a period: give a month ('2011-12', ...
    """
    if isinstance(value, tuple):
        if len(value) != 2:
            msg = (f"{name}={value!r}: a period given as a tuple needs two dates "
                   "(first, last), for example ('2011-12-01', '2011-12-10')")
            raise InputError(msg)
        first = _bounds(value[0], f"{name}[0]", value)[0]
        last = _bounds(value[1], f"{name}[1]", value)[1]
    else:
        first, last = _bounds(value, name, value)
    if last < first:
        msg = (f"{name}={value!r} ends ({last.date()}) before it starts ({first.date()}): "
               "give (first, last) in that order")
        raise InputError(msg)
    return first, last


_PERIOD_FORMS = (
    "give a month ('2011-12', '2011年12月'), a quarter ('2011Q4', '2011年第四季度'), "
    "a half-year ('2011年上半年'), a year ('2011') or (first, last) dates"
)


def _bounds(value: object, name: str, shown: object) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of one period value; ``shown`` is the argument as given."""
    if isinstance(value, pd.Period):
        return value.start_time.normalize(), value.end_time.normalize()
    try:
        bounds = date_bounds(value)
    except ValueError as exc:
        msg = f"{name}={shown!r} is not a period: {_PERIOD_FORMS} ({exc})"
        if "not a date in a form" in str(exc):
            msg = f"{name}={shown!r} is not a period: {_PERIOD_FORMS}"
        raise InputError(msg) from exc
    if bounds is None:
        msg = f"{name} is blank ({shown!r}): {_PERIOD_FORMS}"
        raise InputError(msg)
    return pd.Timestamp(bounds[0]), pd.Timestamp(bounds[1])
