"""Tests of planning._core.dates: the dates people type into ledgers."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import planning
from planning._core.dates import (
    as_day,
    as_of,
    date_bounds,
    optional_day,
    parse_date,
    parse_date_column,
    period_bounds,
)
from planning._errors import InputError
from planning.cli import _parser, main

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


# --- one meaning of on=, start/end arguments, periods ----------------------------------------

T = pd.Timestamp


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2011-12-17", T("2011-12-17")), ("2011年12月17日", T("2011-12-17")),
        (D(2011, 12, 17), T("2011-12-17")), (T("2011-12-17 15:30"), T("2011-12-17")),
        (40894, T("2011-12-17")),
        # a period given as on= is the state as of its last day
        ("2011-12", T("2011-12-31")), ("2011年12月", T("2011-12-31")),
        ("2011年12月上旬", T("2011-12-10")), ("2011年第四季度", T("2011-12-31")),
        ("2011Q4", T("2011-12-31")), ("2011年下半年", T("2011-12-31")),
        ("2011", T("2011-12-31")), (2011, T("2011-12-31")),
        (pd.Period("2011-12", freq="M"), T("2011-12-31")),
    ],
)
def test_on_means_the_state_as_of_that_day(value: object, day: pd.Timestamp) -> None:
    assert as_of(value) == day


def test_start_and_end_arguments_take_first_and_last_day() -> None:
    assert as_day("2011-12", "start") == T("2011-12-01")
    assert as_day("2011-12", "end", partial="end") == T("2011-12-31")
    assert as_day("2011-12-17", "start") == as_day("2011-12-17", "end", partial="end")
    assert optional_day("待定", "done", partial="end") is None
    assert date_bounds("2011年第四季度") == (D(2011, 10, 1), D(2011, 12, 31))
    assert date_bounds("") is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("待定", "on must be a date such as '2011-12-17', got '待定'"),
        (None, "on must be a date"),
        ("12月17日", "on='12月17日' is not a date: the year is missing"),
        ("next tuesday", "on='next tuesday' is not a date"),
    ],
)
def test_on_errors_name_the_argument(value: object, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        as_of(value)


@pytest.mark.parametrize(
    ("value", "first", "last"),
    [
        ("2011-12", "2011-12-01", "2011-12-31"),
        ("2011年12月", "2011-12-01", "2011-12-31"),
        ("2011.12", "2011-12-01", "2011-12-31"),
        ("2011年12月份", "2011-12-01", "2011-12-31"),
        (201112, "2011-12-01", "2011-12-31"),
        ("2012-02", "2012-02-01", "2012-02-29"),
        ("2011Q4", "2011-10-01", "2011-12-31"),
        ("2011q1", "2011-01-01", "2011-03-31"),
        ("2011年第四季度", "2011-10-01", "2011-12-31"),
        ("2011年4季度", "2011-10-01", "2011-12-31"),
        ("二〇一一年第三季度", "2011-07-01", "2011-09-30"),
        ("2011年上半年", "2011-01-01", "2011-06-30"),
        ("2011年下半年", "2011-07-01", "2011-12-31"),
        ("2011", "2011-01-01", "2011-12-31"),
        ("2011年", "2011-01-01", "2011-12-31"),
        (2011, "2011-01-01", "2011-12-31"),
        ("2011年12月中旬", "2011-12-11", "2011-12-20"),
        ("2011-12-17", "2011-12-17", "2011-12-17"),
        (D(2011, 12, 17), "2011-12-17", "2011-12-17"),
        (pd.Period("2011Q4"), "2011-10-01", "2011-12-31"),
        (pd.Period("2011-12", freq="M"), "2011-12-01", "2011-12-31"),
        (("2011-12-01", "2011-12-10"), "2011-12-01", "2011-12-10"),
        (("2011年10月", "2011年12月"), "2011-10-01", "2011-12-31"),
        ((D(2011, 12, 1), T("2011-12-10")), "2011-12-01", "2011-12-10"),
    ],
)
def test_every_period_form(value: object, first: str, last: str) -> None:
    assert period_bounds(value) == (T(first), T(last))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("下个月", "period='下个月' is not a period: give a month"),
        ("2011年13月", "period='2011年13月' is not a period: give a month ('2011-12'"),
        (None, "period is blank (None)"),
        ("", "period is blank"),
        (("2011-12-10", "2011-12-01"), "ends (2011-12-01) before it starts (2011-12-10)"),
        (("2011-12",), "a period given as a tuple needs two dates"),
        (("2011-12", "月底"), "period[1]=('2011-12', '月底') is not a period"),
        ([2011, 12], "period=[2011, 12] is not a period"),
    ],
)
def test_period_errors_name_the_argument(value: object, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        period_bounds(value)


def test_period_errors_use_the_name_given() -> None:
    with pytest.raises(InputError, match=re.escape("--period='2011-13' is not a period")):
        period_bounds("2011-13", "--period")
    with pytest.raises(InputError, match="month 13 does not exist"):
        period_bounds("2011-13")


# --- the same on= gives the same day everywhere ---------------------------------------------

SAME_DAY = [
    ("2011-12-17", D(2011, 12, 17)), ("2011年12月17日", D(2011, 12, 17)),
    ("2011.12.17", D(2011, 12, 17)), (D(2011, 12, 17), D(2011, 12, 17)),
    (T("2011-12-17"), D(2011, 12, 17)), (40894, D(2011, 12, 17)),
    ("2011-12", D(2011, 12, 31)), ("2011年12月", D(2011, 12, 31)),
    ("2011年12月中旬", D(2011, 12, 20)), ("2011年第四季度", D(2011, 12, 31)),
    ("2011Q4", D(2011, 12, 31)), ("2011", D(2011, 12, 31)),
]


@pytest.mark.parametrize(("on", "day"), SAME_DAY)
def test_the_same_on_is_the_same_day_in_every_function(sample_ro: planning.Workspace,
                                                       on: object, day: dt.date) -> None:
    ledger = sample_ro.ledger
    assert set(ledger.snapshot(on=on)["as_of"]) == {T(day)}
    assert set(ledger.node_states(on=on)["state"]) == set(ledger.node_states(on=day)["state"])
    assert ledger.briefing(on=on).on == T(day)
    assert planning.meeting_map(sample_ro, layers=["projects"], on=on).day == day
    assert planning.assessment.rank(ledger, period="2011Q4", on=on).on == T(day)
    if isinstance(on, str):
        for command in (["brief", "--on", on], ["map", "--on", on], ["assess", "--on", on]):
            assert _parser().parse_args(command).on == day, command


def test_a_month_as_on_counts_the_whole_month(sample_ro: planning.Workspace) -> None:
    """``on="2011-12"`` used to be 1 December in the briefing and 31 December on the map."""
    ledger = sample_ro.ledger
    month = ledger.briefing(on="2011-12")
    first = ledger.briefing(on="2011-12-01")
    assert month.on == T("2011-12-31") != first.on
    assert len(month.overdue) >= len(first.overdue)
    assert month.to_html().count("2011年12月31日") >= 1


def test_command_line_dates_are_checked_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["brief", "--on", "2011-13-01"]) == 2  # the exit status, no SystemExit
    err = capsys.readouterr().err
    assert "argument --on: --on='2011-13-01' is not a date: month 13 does not exist" in err
    assert "Traceback" not in err
    assert main(["assess", "--period", "下个月"]) == 2
    err = capsys.readouterr().err
    assert "argument --period: --period='下个月' is not a period: give a month" in err
    assert "Traceback" not in err
    assert _parser().parse_args(["assess", "--period", "2011年第四季度"]).period == "2011年第四季度"
