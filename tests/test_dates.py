"""Tests of planning._core.dates: the dates people type into ledgers."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planning._core.dates import parse_date, parse_date_column

D = dt.date


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2011年12月30日", D(2011, 12, 30), D(2011, 12, 30)),
        ("2011年12月30号", D(2011, 12, 30), D(2011, 12, 30)),
        ("２０１１年１２月", D(2011, 12, 1), D(2011, 12, 31)),
        ("2011年12月份", D(2011, 12, 1), D(2011, 12, 31)),
        ("2011.12.30", D(2011, 12, 30), D(2011, 12, 30)),
        ("2011．12．30", D(2011, 12, 30), D(2011, 12, 30)),
        ("2011-12", D(2011, 12, 1), D(2011, 12, 31)),
        ("2011.12", D(2011, 12, 1), D(2011, 12, 31)),
        ("2011/2", D(2011, 2, 1), D(2011, 2, 28)),
        ("2012/2", D(2012, 2, 1), D(2012, 2, 29)),
        ("2011年12月上旬", D(2011, 12, 1), D(2011, 12, 10)),
        ("2011年12月中旬", D(2011, 12, 11), D(2011, 12, 20)),
        ("2011年12月下旬", D(2011, 12, 21), D(2011, 12, 31)),
        ("2011年12月底前", D(2011, 12, 31), D(2011, 12, 31)),
        ("2011年12月底前完成", D(2011, 12, 31), D(2011, 12, 31)),
        ("2011年底", D(2011, 12, 31), D(2011, 12, 31)),
        ("2012年", D(2012, 1, 1), D(2012, 12, 31)),
        ("2011年第四季度", D(2011, 10, 1), D(2011, 12, 31)),
        ("2012年1季度", D(2012, 1, 1), D(2012, 3, 31)),
        ("2011Q3", D(2011, 7, 1), D(2011, 9, 30)),
        ("2012年上半年", D(2012, 1, 1), D(2012, 6, 30)),
        ("二〇一一年十二月七日", D(2011, 12, 7), D(2011, 12, 7)),
        ("二〇一一年十二月三十一日", D(2011, 12, 31), D(2011, 12, 31)),
        ("2011-12-17 00:00:00", D(2011, 12, 17), D(2011, 12, 17)),
        ("\u3000 2011 . 12 . 30 \u3000", D(2011, 12, 30), D(2011, 12, 30)),
        ("20111230", D(2011, 12, 30), D(2011, 12, 30)),
        ("40894", D(2011, 12, 17), D(2011, 12, 17)),
        (40894, D(2011, 12, 17), D(2011, 12, 17)),
        (40894.0, D(2011, 12, 17), D(2011, 12, 17)),
        (40894.75, D(2011, 12, 17), D(2011, 12, 17)),
        (np.int64(40884), D(2011, 12, 7), D(2011, 12, 7)),
        (20111230, D(2011, 12, 30), D(2011, 12, 30)),
        (201112, D(2011, 12, 1), D(2011, 12, 31)),
        (2012, D(2012, 1, 1), D(2012, 12, 31)),
        (2011.12, D(2011, 12, 1), D(2011, 12, 31)),
        (np.float64(2011.05), D(2011, 5, 1), D(2011, 5, 31)),
        (dt.datetime(2011, 12, 7, 9, 30), D(2011, 12, 7), D(2011, 12, 7)),
        (D(2011, 12, 7), D(2011, 12, 7), D(2011, 12, 7)),
        (pd.Timestamp("2011-12-07"), D(2011, 12, 7), D(2011, 12, 7)),
        (np.datetime64("2011-12-07"), D(2011, 12, 7), D(2011, 12, 7)),
    ],
)
def test_dates_read(value: object, start: dt.date, end: dt.date) -> None:
    assert parse_date(value) == start
    assert parse_date(value, partial="end") == end


@pytest.mark.parametrize(
    "value",
    [None, "", "   ", "\u3000", "待定", "\u3000待定 ", "未定", "暂无", "无", "-", "—", "/",
     float("nan"), pd.NaT, np.datetime64("NaT")],
)
def test_blanks_and_to_be_fixed_are_none(value: object) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2011年13月", "month 13 does not exist"),
        ("2011-02-30", "day 30 does not exist in 2011-02"),
        ("12月30日", "the year is missing"),
        ("12.30", "the year is missing"),
        ("11.12.30", "two-digit year"),
        ("2011-2013", "a period, not a date"),
        ("2011.12-2012.6", "a period, not a date"),
        ("2011年12月至2012年6月", "a period, not a date"),
        ("开工了", "not a date in a form this reader knows"),
        (2011.1, "2011年1月 or 2011年10月"),
        (123, "outside 1950-2100"),
        (99999, "outside 1950-2100"),
        (-5, "not a date"),
        (True, "yes/no"),
        ([2011, 12], "list is not a date"),
        ("1850年", "outside 1900-2100"),
    ],
)
def test_not_dates_say_why(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_date(value)


def test_partial_must_be_start_or_end() -> None:
    with pytest.raises(ValueError, match="partial must be"):
        parse_date("2011-12", partial="middle")  # type: ignore[arg-type]


def test_column_collects_every_failure() -> None:
    values = pd.Series(["2011-12", "待定", "12月30日", 40894, "2011年13月"], index=list("abcde"))
    dates, failures = parse_date_column(values, partial="end")
    assert dates.dtype == "datetime64[s]"
    assert list(dates.index) == list("abcde")
    assert dates["a"] == pd.Timestamp("2011-12-31")
    assert dates["d"] == pd.Timestamp("2011-12-17")
    assert dates[["b", "c", "e"]].isna().all()
    assert set(failures) == {"c", "e"}
    assert "year is missing" in failures["c"]
    assert values.tolist()[0] == "2011-12"  # the input is not changed


@given(st.dates(min_value=D(1950, 1, 1), max_value=D(2100, 12, 31)))
def test_every_form_of_a_day_reads_back(day: dt.date) -> None:
    serial = (day - D(1899, 12, 30)).days
    forms = [
        day.isoformat(), f"{day.year}.{day.month}.{day.day}", f"{day.year}/{day.month:02d}/"
        f"{day.day:02d}", f"{day.year}年{day.month}月{day.day}日", day.strftime("%Y%m%d"),
        serial, float(serial), str(serial), pd.Timestamp(day),
    ]
    for form in forms:
        assert parse_date(form) == day, form


@given(st.integers(1950, 2100), st.integers(1, 12))
def test_month_forms_give_first_and_last_day(year: int, month: int) -> None:
    first = D(year, month, 1)
    last = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()
    for form in (f"{year}年{month}月", f"{year}-{month}", f"{year}.{month:02d}"):
        assert parse_date(form) == first
        assert parse_date(form, partial="end") == last
