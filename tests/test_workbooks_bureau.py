"""Workbooks as a bureau expects them: totals agree across sheets, no internal codes in
Chinese sheets, wide wrapped bordered opinion columns, formats, filters and print setup."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

import planning

#: internal codes that must never reach a Chinese sheet
CODES = re.compile(r"\b(fyp12|ledger2011|permanent_basic_farmland|ecological_red_line|"
                   r"urban_development_boundary|conforms|conditional|conflict|township|"
                   r"department|basic_farmland)\b")


@pytest.fixture(scope="module")
def ledger_book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    report = planning.check_conformity(planning.load_sample())
    path = report.to_excel(tmp_path_factory.mktemp("wb") / "冲突台账.xlsx")
    return openpyxl.load_workbook(path)


def _rows(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[dict[str, object]]:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True))
            for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_totals_agree_across_sheets(ledger_book: openpyxl.Workbook) -> None:
    ledger, slivers = _rows(ledger_book["冲突台账"]), _rows(ledger_book["碎图斑"])
    check = {str(r["项目"]): r for r in _rows(ledger_book["面积核对"])}
    conflict = check["冲突图斑合计（冲突台账 + 碎图斑）"]
    assert conflict["图斑数"] == len(ledger) + len(slivers)
    assert conflict["面积(平方米)"] == pytest.approx(
        sum(r["面积(平方米)"] for r in ledger + slivers), abs=0.01 * (len(ledger) + 1))
    flagged = check["其中：冲突细小图斑（见碎图斑表）"]
    assert flagged["图斑数"] == len(slivers)
    assert flagged["面积(平方米)"] == pytest.approx(sum(r["面积(平方米)"] for r in slivers),
                                                abs=0.01)
    every = check["细小图斑合计（各类差异图斑中）"]
    assert every["图斑数"] >= flagged["图斑数"]  # slivers of every kind, conflicts among them
    summary = {str(r["所属乡镇"]): r for r in _rows(ledger_book["汇总"])}
    conflict_columns = [c for c in summary["合计"] if str(c).startswith(("03", "04"))]
    assert sum(summary["合计"][c] for c in conflict_columns) == pytest.approx(
        conflict["面积(亩)"], rel=1e-6)
    towns = [r for name, r in summary.items() if name != "合计"]
    assert sum(r["合计(亩)"] for r in towns) == pytest.approx(summary["合计"]["合计(亩)"])


def test_no_internal_codes_in_chinese_sheets(ledger_book: openpyxl.Workbook) -> None:
    for sheet in ledger_book.worksheets:
        found = {m for row in sheet.iter_rows(values_only=True) for v in row
                 if isinstance(v, str) for m in CODES.findall(v)}
        assert not found, (sheet.title, found)


def test_opinion_columns_and_print_setup(ledger_book: openpyxl.Workbook) -> None:
    for name in ("冲突台账", "碎图斑"):
        sheet = ledger_book[name]
        header = {c.value: c.column_letter for c in sheet[1]}
        for opinion in ("经发意见", "规建意见", "国土意见", "处理措施"):
            column = header[opinion]
            assert sheet.column_dimensions[column].width >= 24
            cell = sheet[f"{column}2"]
            assert cell.alignment.wrap_text
            assert all(getattr(cell.border, side).style == "thin"
                       for side in ("left", "right", "top", "bottom"))
        assert sheet.auto_filter.ref
        assert sheet.print_title_rows
        assert sheet.page_setup.orientation == "landscape"
    review = ledger_book["项目审查"]
    header = {c.value: c.column_letter for c in review[1]}
    assert review[f"{header['用地面积(亩)']}2"].number_format == "0.00"
    assert review[f"{header['审查意见']}2"].alignment.wrap_text


def test_assessment_workbook(tmp_path: Path) -> None:
    result = planning.assessment.rank_workspace(planning.load_sample(), period="2011Q4",
                                                on="2011-12-17")
    book = openpyxl.load_workbook(result.to_excel(tmp_path / "考核.xlsx"))
    assert book.sheetnames == ["排名", "奖励", "问责"]
    sheet = book["排名"]
    header = {c.value: c.column_letter for c in sheet[2]}
    for name in ("节点得分", "时效得分", "卫生得分", "总分"):
        assert sheet[f"{header[name]}3"].number_format == "0.0"
    assert sheet.column_dimensions[header["责任单位"]].width == 24
    assert sheet.auto_filter.ref
    found = {m for s in book.worksheets for row in s.iter_rows(values_only=True) for v in row
             if isinstance(v, str) for m in CODES.findall(v)}
    assert not found
    # units with no node are listed, not ranked, and never rewarded on sanitation alone
    table = result.table
    idle = table[table["nodes"] == 0]
    assert len(idle)
    assert not idle["ranked"].any()
    assert not set(idle["unit"]) & set(result.reward["unit"])
