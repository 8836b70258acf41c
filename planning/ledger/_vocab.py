"""The ledger's vocabularies and the cleaning of single cell values.

Shared by :mod:`planning.ledger`, its Excel reader and writer and the briefing. The word lists
users may extend live in ``planning/data/ledger_headers.csv`` (column headers) and
``planning/data/ledger_values.csv`` (category, status and plan words).
"""

from __future__ import annotations

import csv
import functools
import math
import re
from importlib import resources

import numpy as np
import pandas as pd

from planning._core.dates import BLANK_MARKERS
from planning._core.text import compact, is_blank

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
_LIST_SPLIT = re.compile(r"[;；,，、/]+")
_CATEGORY_SUFFIX = re.compile(r"(项目|类|工程)$")
_HEADING_NUMBER = re.compile(
    r"^([一二三四五六七八九十]+[、.]|[(][一二三四五六七八九十\d]+[)]|\d+[、.])")
_COUNT_NOTE = re.compile(r"[(][^)]*[)]$")


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


def header_unit(header: str) -> tuple[str, float]:
    """A compacted header without its unit in brackets, and what the unit is worth in 万元."""
    text = compact(header).rstrip(":")
    found = re.search(r"[(\[【]\s*(万元|亿元|元|万|亿)\s*[)\]】]", text)
    if found is None:
        return text.lower(), 1.0
    return (text[:found.start()] + text[found.end():]).lower(), _UNIT_SCALE[found.group(1)]


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
    if field == "listed_in":
        parts = [p for p in _LIST_SPLIT.split(text) if p]
        return ";".join(_values_table().get(("listed_in", p), p) for p in parts)
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
