"""The ledger's vocabularies and the cleaning of single cell values.

Shared by :mod:`planning.ledger`, its Excel reader and writer and the briefing. The word lists
users may extend live in ``planning/data/ledger_headers.csv`` (column headers) and
``planning/data/ledger_values.csv`` (category, status and plan words).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
import re
from importlib import resources

import numpy as np
import pandas as pd

from planning._core.dates import BLANK_MARKERS, date_bounds, parse_date
from planning._core.text import compact, header_key, is_blank

#: the key-task categories of the layer contract, code -> Chinese name
CATEGORIES: dict[str, str] = {
    "old_town": "老城改造", "new_district": "新区开发", "industry_city": "产城融合",
    "small_town": "小城镇建设", "new_countryside": "新农村建设", "new_community": "新型社区建设",
    "infrastructure": "基础设施", "industry": "产业项目", "culture": "文化旅游",
}
#: project statuses, code -> Chinese name
STATUSES: dict[str, str] = {
    "planned": "计划", "in_progress": "在建", "completed": "已完成", "suspended": "暂停",
}
#: node states on a day, code -> Chinese name
NODE_STATES: dict[str, str] = {
    "done": "按期完成", "done_late": "逾期完成", "overdue": "逾期未完成", "open": "未到期",
}
#: what a responsible unit reports of a node (the 推进状态 of a fill-in workbook), code -> Chinese
REPORT_STATES: dict[str, str] = {
    "not_started": "未开始", "in_progress": "推进中", "done": "已完成", "blocked": "受阻",
}

#: project columns of the layer contract (docs/ARCHITECTURE.md), in order
PROJECT_COLUMNS = (
    "project_id", "name_zh", "name_en", "category", "category_zh", "township",
    "lead_department", "investment_wan", "start_date", "planned_completion", "status",
    "listed_in",
)
#: time-node columns of the layer contract
NODE_COLUMNS = ("node_id", "project_id", "seq", "name_zh", "due_date", "done_date", "responsible")
#: what the responsible units report of a node, kept in the node history beside the node
#: columns (``planning ledger merge``): percentage complete (0-100), the reported state
#: (:data:`REPORT_STATES`), progress text (进展情况) and problems (存在问题)
REPORT_COLUMNS = ("progress_pct", "report_state", "progress", "problems")
#: columns every history record adds to the project or node columns
LOG_COLUMNS = ("revision", "as_of", "removed", "note")

_UNIT_SCALE = {"万元": 1.0, "万": 1.0, "亿元": 10_000.0, "亿": 10_000.0, "元": 1e-4}
_AMOUNT = re.compile(r"^(?P<num>[+-]?\d+(?:\.\d*)?|\.\d+)(?P<unit>万元|万|亿元|亿|元)?$")
_LIST_SPLIT = re.compile(r"[;；,，、/／\s]+")
_CATEGORY_SUFFIX = re.compile(r"(项目|类|工程)$")
_HEADING_NUMBER = re.compile(
    r"^([一二三四五六七八九十百]+[、.]|[(][一二三四五六七八九十百\d]+[)]|\d+[、.]|"
    r"第[一二三四五六七八九十百\d]+(?:部分|类|项|章|节|篇)[、.:]?)")
#: a section's number: 一、 / 第一部分 (level 1), (一) (level 2); compared after NFKC
_SECTION = (re.compile(r"^(?:[一二三四五六七八九十百]+[、.]|第[一二三四五六七八九十百]+"
                       r"(?:部分|类|项|章|节|篇))"),
            re.compile(r"^[(][一二三四五六七八九十百]+[)]"))
_ORDINAL = re.compile(r"^[一二三四五六七八九十百]+$")
_COUNT_NOTE = re.compile(r"[(][^)]*[)]$")
_PERIOD_SPLIT = re.compile(r"[-—－~～至到]+")


def parse_amount(value: object, *, unit_wan: float = 1.0) -> float:
    """An investment in 万元 (ten-thousand yuan); NaN for blanks and ``待定``.

    Parameters
    ----------
    value : object
        A number, or text such as ``1,200``, ``1200万元``, ``1.2亿元``, ``３５００``.
    unit_wan : float, default 1.0
        What a bare number is worth in 万元 (10000 under a header in 亿元).

    Raises
    ------
    ValueError
        When the value is not an amount or is negative.

    Examples
    --------
    >>> parse_amount("1,200"), parse_amount("1.2亿元"), parse_amount("待定")
    (1200.0, 12000.0, nan)
    >>> parse_amount(1.5, unit_wan=10_000)
    15000.0
    """
    if is_blank(value):
        return math.nan
    if isinstance(value, bool | np.bool_):
        msg = "a yes/no value is not an amount"
        raise ValueError(msg)
    if isinstance(value, int | float | np.integer | np.floating):
        number, scale = float(value), unit_wan
    else:
        text = compact(value).replace(",", "").replace("，", "")
        if text.lower() in BLANK_MARKERS:
            return math.nan
        match = _AMOUNT.match(text)
        if match is None:
            msg = (f"{value!r} is not an amount: write a number of 万元 (for example 1200), "
                   "or leave it blank / 待定 when it is not known yet")
            raise ValueError(msg)
        number = float(match.group("num"))
        unit = match.group("unit")
        scale = _UNIT_SCALE[unit] if unit else unit_wan
    if math.isnan(number):
        return math.nan
    if number < 0 or math.isinf(number):
        msg = f"{value!r} is not a possible investment (it must be 0 or more)"
        raise ValueError(msg)
    return number * scale


def header_unit(header: str) -> tuple[str, float | None]:
    """A compacted header without its unit in brackets, and what the unit is worth in 万元.

    The unit is None when the header names none (``总投资``), so that a unit the title rows
    give (``单位：亿元``) can apply.

    Examples
    --------
    >>> header_unit("总投资\\n（亿元）"), header_unit("计划总投资")
    (('总投资', 10000.0), ('计划总投资', None))
    """
    text = header_key(header).rstrip(":")
    found = re.search(r"[(\[【]\s*(?:单位[:]?)?(万元|亿元|元|万|亿)\s*[)\]】]", text)
    if found is None:
        return text, None
    return text[:found.start()] + text[found.end():], _UNIT_SCALE[found.group(1)]


def sheet_unit(text: str) -> float | None:
    """The amount unit a title or note line states (``单位：亿元``, ``金额单位：万元``), in 万元.

    Examples
    --------
    >>> sheet_unit("台前县重点项目台账（单位：亿元）"), sheet_unit("注：投资单位为万元")
    (10000.0, 1.0)
    >>> sheet_unit("填报单位：县发改委") is None
    True
    """
    found = re.search(r"单位(?:[:]|为|是)\s*(万元|亿元|元)", compact(text))
    return None if found is None else _UNIT_SCALE[found.group(1)]


def section_level(text: object) -> int | None:
    """1 for a section numbered ``一、`` or ``第一部分``, 2 for ``（一）``; None otherwise.

    Examples
    --------
    >>> section_level("一、拆除重建类"), section_level("（二）综合整治类")
    (1, 2)
    >>> section_level("一中扩建") is None
    True
    """
    if not isinstance(text, str):
        return None
    key = compact(text)
    for level, pattern in enumerate(_SECTION, start=1):
        if pattern.match(key):
            return level
    return None


def is_ordinal(text: object) -> bool:
    """True for a bare Chinese numeral (``一``, ``十二``): a section's number in the 序号 column."""
    return isinstance(text, str) and bool(_ORDINAL.match(compact(text)))


@functools.cache
def _values_table() -> dict[tuple[str, str], str]:
    table: dict[tuple[str, str], str] = {}
    for row in _read_data_csv("ledger_values.csv"):
        table[(row["field"], compact(row["text"]))] = row["code"]
    return table


@functools.cache
def default_headers() -> dict[str, str]:
    """The default header -> field mapping (``planning/data/ledger_headers.csv``)."""
    return {header_unit(row["header"])[0]: row["field"]
            for row in _read_data_csv("ledger_headers.csv")}


def header_fields() -> frozenset[str]:
    """The fields a ledger header may read as (``_ignore``: recognised, not read)."""
    return frozenset(default_headers().values())


def _read_data_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("planning").joinpath("data", name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines))


def value_code(field: str, value: object) -> object:
    """The code of a category, status or plan word; the value itself when unknown, NA blank.

    Examples
    --------
    >>> value_code("category", "老城改造项目"), value_code("status", " 在 建 ")
    ('old_town', 'in_progress')
    >>> value_code("listed_in", "十二五规划、2011年台账")
    'fyp12;ledger2011'
    """
    if is_blank(value):
        return pd.NA
    text = compact(value)
    if field == "listed_in":  # known plans as their keys, others as written
        parts = [p for p in _LIST_SPLIT.split(str(value).strip()) if p]
        return ";".join(_values_table().get(("listed_in", compact(p)), p) for p in parts)
    vocab = {"category": CATEGORIES, "status": STATUSES, "report_state": REPORT_STATES
             }.get(field, {})
    if text in vocab:
        return text
    table = _values_table()
    found = table.get((field, text))
    if found is None and field == "category":
        found = table.get((field, _CATEGORY_SUFFIX.sub("", text)))
    return found if found is not None else str(value)


def heading_category(text: str) -> str | None:
    """The category a section heading such as ``一、老城改造项目（5个）`` names, or None."""
    core = _HEADING_NUMBER.sub("", compact(text))
    core = _COUNT_NOTE.sub("", core)
    code = value_code("category", core)
    return code if isinstance(code, str) and code in CATEGORIES else None


def period_dates(value: object) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day of a ``建设年限`` cell: ``2023-2025``, ``2023年3月-2024年12月``.

    A single date or period (``2024年``, ``2024-06``) gives its own first and last day; an end
    without its year (``2023.3-12``, ``2023年3月-12月``) takes the start's year.

    Raises
    ------
    ValueError
        When the value is neither a date nor two dates joined by ``-``, ``~`` or ``至``.

    Examples
    --------
    >>> period_dates("2023-2025")
    (datetime.date(2023, 1, 1), datetime.date(2025, 12, 31))
    >>> period_dates("2023年3月至12月")
    (datetime.date(2023, 3, 1), datetime.date(2023, 12, 31))
    >>> period_dates("2024年"), period_dates("待定")
    ((datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)), (None, None))
    """
    try:
        bounds = date_bounds(value)
    except ValueError:
        bounds = None
    else:
        return (None, None) if bounds is None else bounds
    text = compact(value)
    for match in _PERIOD_SPLIT.finditer(text):
        left, right = text[:match.start()], text[match.end():]
        if not left or not right:
            continue
        year = re.match(r"^(\d{4})", left)
        tries = [right]
        if year and re.fullmatch(r"\d{1,2}月.*", right):
            tries.append(f"{year.group(1)}年{right}")
        elif year and re.fullmatch(r"\d{1,2}(\.\d{1,2})?", right):
            tries.append(f"{year.group(1)}.{right}")
        for candidate in tries:
            try:
                return parse_date(left, partial="start"), parse_date(candidate, partial="end")
            except ValueError:
                continue
    msg = (f"{value!r} is not a period: write its start and end as 2023-2025 or "
           "2023年3月-2024年12月")
    raise ValueError(msg)
