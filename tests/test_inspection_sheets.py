"""Inspection sheets as they really arrive: ``.xls``, template rows, placeholders, filling
instructions, names kept as written, zone ids matched by key, formulas never computed, and
header mappings in Python and on the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from _sheets import SheetSpec, write_both, write_xlsx
from shapely.geometry import box

import planning
from planning.cli import main
from planning.sanitation import read_inspections, unit_scores, zone_scores

ZONES = ["HW001", "HW002", "HW003"]


def december_sheet() -> SheetSpec:
    rows: list[list[object]] = [
        ["台前县县城环境卫生检查评分表（2011年12月）"] + [None] * 7,
        ["填写说明：不适用的项目填“/”；每个责任区一行。"] + [None] * 7,
        ["序号", "责任区编号", "检查日期", "检查人", "道路清扫", "垃圾清运", "总分", "备注"],
        [1, "HW001", dt.date(2011, 12, 5), "（一）组", 55, 38, 93, "无"],
        [2, "ｈｗ００２", "2011.12.5", "/", 50, "/", 50, "—"],     # a full-width id, a "/"
        [3, None, None, None, None, None, None, None],           # only 序号: a template row
        [4, "/", "/", "/", "/", "/", "/", "/"],                  # only placeholders
        [5, "HW003", "2011年12月6日", "（二）组", 40, 30, 70, "门前乱堆放"],
        ["合计", None, None, None, None, None, 213, None],
        ["注：满分100分，低于60分的责任区通报批评。"] + [None] * 7,
        ["检查人：王五", None, "审核：赵六"] + [None] * 5,
    ]
    return SheetSpec("12月", rows, merges=["A1:H1", "A2:H2"])


def test_an_inspection_sheet_as_it_arrives_in_xlsx_and_xls(tmp_path: Path) -> None:
    for path in write_both(tmp_path, "检查", [december_sheet()]):
        result = read_inspections(path, zones=ZONES)
        assert result.problems == (), (path, result.problems)
        records = result.records
        assert records["zone_id"].tolist() == ["HW001", "HW002", "HW003"]  # as the zones have it
        assert records["row"].tolist() == [4, 5, 8]
        assert records["inspector"].tolist()[0] == "（一）组"  # as written
        assert pd.isna(records["inspector"].tolist()[1])      # "/" is nobody
        assert records["note"].tolist()[0] is None or pd.isna(records["note"].tolist()[0])
        assert records["note"].tolist()[2] == "门前乱堆放"
        assert records["total"].tolist() == [93.0, 50.0, 70.0]
        assert records["垃圾清运"].isna().tolist() == [False, True, False]
        assert result.items == ("道路清扫", "垃圾清运")
        assert result.n_rows == 3
        skipped = {p.row: p.message for p in result.skipped}
        assert set(skipped) == {6, 7, 9, 10, 11}
        assert "template row" in skipped[6]
        assert "template row" in skipped[7]
        assert "summary row" in skipped[9]
        assert "note or filling instruction" in skipped[10]
        assert "note or filling instruction" in skipped[11]
        assert any("hold a placeholder" in n for n in result.notes)
    # without the zones, the id is kept as written
    assert read_inspections(path).records["zone_id"].tolist()[1] == "ｈｗ００２"


def test_scores_count_the_matched_zone(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "检查.xlsx", [december_sheet()])
    zones = gpd.GeoDataFrame({"zone_id": ZONES, "department": ["县城管局", "县住建局", "城关镇"],
                              "township": ["城关镇"] * 3},
                             geometry=[box(i * 100, 0, i * 100 + 100, 100) for i in range(3)],
                             crs="EPSG:4548")
    result = read_inspections(path, zones=zones)
    scores = zone_scores(result, zones).set_index("zone_id")["score"]
    assert scores.to_dict() == {"HW001": 93.0, "HW002": 50.0, "HW003": 70.0}
    units = unit_scores(result, zones).set_index("unit")["score"]
    assert units["县住建局"] == 50.0


def test_blank_and_formula_cells_are_problems_not_crashes(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["责任区编号", "检查日期", "检查人", "道路清扫", "垃圾清运", "总分"],
        [None, "2011-12-05", "一组", 50, 40, 90],           # no zone id
        ["HW001", None, "一组", 50, 40, 90],                # no date
        ["HW002", "2011-12-05", "一组", 50, 40, "=D4+E4"],  # a total never computed
        ["HW003", "=TODAY()", "一组", 50, 40, 90],          # a date never computed
    ]
    path = write_xlsx(tmp_path / "f.xlsx", [SheetSpec("检查", rows)])
    result = read_inspections(path, zones=ZONES)
    found = {(p.row, p.column, p.value) for p in result.problems}
    assert found == {(2, "责任区编号", None), (3, "检查日期", None),
                     (4, "总分", "=D4+E4"), (5, "检查日期", "=TODAY()")}
    messages = {p.row: p.message for p in result.problems if p.value}
    assert "never computed" in messages[4]
    assert "never computed" in messages[5]
    assert result.records.empty
    with pytest.raises(planning.SheetError, match="4 of 4 rows"):
        result.raise_if_any()


def _custom_sheet(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "抽查.xlsx", [SheetSpec("抽查", [
        ["区域代码", "抽查时间", "抽查人", "卫生", "秩序", "得分合计", "序"],
        ["HW001", "2011-12-05", "王", 50, 40, 90, 1],
        ["HW002", "2011-12-06", "李", 45, "/", 45, 2],
    ])])


def test_inspection_headers_in_python(tmp_path: Path) -> None:
    path = _custom_sheet(tmp_path)
    with pytest.raises(planning.SheetError, match="no header row"):
        read_inspections(path)
    mapping = {"区域代码": "zone_id", "抽查时间": "date", "抽查人": "inspector",
               "得分合计": "total", "秩序": "item", "序": "_ignore"}
    result = read_inspections(path, zones=ZONES, headers=mapping)
    assert result.problems == ()
    assert result.items == ("卫生", "秩序")
    assert result.records["total"].tolist() == [90.0, 45.0]
    assert result.records["inspector"].tolist() == ["王", "李"]
    file = tmp_path / "headers.csv"
    file.write_text("header,field\n" + "".join(f"{h},{f}\n" for h, f in mapping.items()),
                    encoding="utf-8")
    assert read_inspections(path, zones=ZONES, headers=file).records.equals(result.records)
    with pytest.raises(planning.InputError, match="does not know") as info:
        read_inspections(path, headers={"区域代码": "zone"})
    assert info.value.problems[0].column == "区域代码"


def test_inspection_headers_on_the_command_line(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = _custom_sheet(tmp_path)
    file = tmp_path / "headers.csv"
    file.write_text("header,field\n区域代码,zone_id\n抽查时间,date\n得分合计,total\n",
                    encoding="utf-8")
    out = tmp_path / "sanitation.xlsx"
    argv = ["sanitation", "--inspections", str(path), "--headers", str(file),
            "--header", "抽查人=inspector", "--header", "序=_ignore", "-o", str(out),
            "--period", "2011-12"]
    assert main(argv) == 1  # the sample's zones have their gap and overlap
    printed = capsys.readouterr().out
    assert out.exists()
    assert "抽查.xlsx" not in printed  # no problem in the sheet
    scores = {line.split()[0]: line.split()[1] for line in printed.splitlines()
              if line.strip().startswith(("城关镇", "县发展和改革委员会"))}
    assert scores == {"城关镇": "90.0", "县发展和改革委员会": "45.0"}  # HW001, HW002
    for bad, words in ((["--header", "抽查人"], "--header expects HEADER=FIELD"),
                       (["--header", "抽查人=who"], "'who' (for the header '抽查人') is not an "
                        "inspection field")):
        target = tmp_path / "never.xlsx"
        assert main(["sanitation", "--inspections", str(path), "-o", str(target), *bad]) == 2
        err = capsys.readouterr().err
        assert words in err, err
        assert len(err.strip().splitlines()) == 1, err
        assert not target.exists()
    assert main(["sanitation", "--header", "a=zone_id", "-o", str(tmp_path / "x.xlsx")]) == 2
    assert "give --inspections FILE as well" in capsys.readouterr().err
