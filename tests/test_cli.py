"""The planning command: the main job and the data commands."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import openpyxl
import pytest

import planning
from planning.cli import main

ROOT = Path(__file__).resolve().parent.parent
GBK_EXAMPLE = ROOT / "layers" / "examples" / "dltb_gbk" / "DLTB.shp"


@pytest.mark.slow
def test_demo_writes_the_meeting_outputs(tmp_path: Path, capsys):
    out = tmp_path / "maps"
    assert main(["demo", "-o", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"meeting.html", "conformity.xlsx", "conformity.gpkg", "briefing.html",
            "layers.csv", "assessment.xlsx", "assessment.png"} <= names
    html = (out / "meeting.html").read_text(encoding="utf-8")
    assert "城关镇" in html
    assert "县城西环路" in html
    # offline: no script or stylesheet is fetched from the network
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?://", html)
    sheet = openpyxl.load_workbook(out / "conformity.xlsx").worksheets[0]
    headers = {c.value for row in sheet.iter_rows(max_row=5) for c in row}
    assert {"序号", "所属乡镇", "差异类型", "面积(亩)", "国土意见"} <= headers
    briefing = (out / "briefing.html").read_text(encoding="utf-8")
    assert "TQ-001" in briefing or "县城西环路" in briefing
    printed = capsys.readouterr().out
    assert "conflict" in printed
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_inspect_shows_chinese_and_what_was_done(capsys):
    assert main(["inspect", str(GBK_EXAMPLE), "--rows", "2"]) == 0
    out = capsys.readouterr().out
    assert "GB18030" in out
    assert "城关镇第" in out
    assert "EPSG:4527 -> EPSG:4548" in out


def test_import_builds_a_workspace(tmp_path: Path, capsys):
    target = tmp_path / "bureau.gpkg"
    assert main(["import", f"{GBK_EXAMPLE}=survey", "-o", str(target)]) == 0
    ws = planning.open_workspace(target)
    assert list(ws.layers) == ["survey"]
    assert ws["survey"]["DLMC"].str.len().min() > 0
    assert ws.crs.to_epsg() == 4548
    assert "survey: 30 features" in capsys.readouterr().out


def test_import_into_a_workspace_uses_its_county(tmp_path: Path, capsys):
    # the same county kept in zone 38 (as neighbouring Henan data often is)
    county = dataclasses.replace(planning.TAIQIAN, crs="EPSG:4547")
    target = tmp_path / "bureau.gpkg"
    planning.Workspace({"county": planning.load_sample()["county"].to_crs(county.crs)},
                       county=county).save(target)
    assert main(["import", f"{GBK_EXAMPLE}=survey", "-o", str(target)]) == 0
    ws = planning.open_workspace(target)
    assert ws.county == county
    assert ws["survey"].crs.to_epsg() == 4547  # the county's CRS, not the zone of the data
    assert "survey: 30 features" in capsys.readouterr().out


def test_info_lists_the_layers(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for name in ("townships", "landuse_plan", "time_nodes"):
        assert name in out


def test_errors_are_reported_not_raised(tmp_path: Path, capsys):
    assert main(["inspect", str(tmp_path / "missing.shp")]) == 2
    assert "No such file" in capsys.readouterr().err


def test_sanitation_command_lists_the_sample_problems(tmp_path: Path, capsys):
    status = main(["sanitation", "--period", "2011-12", "-o", str(tmp_path / "s.xlsx")])
    out = capsys.readouterr().out
    assert status == 1  # the sample has designed problems
    assert "HW010" in out
    assert "县审计局" in out
    # one workbook: coverage, owners and scores, every sheet Chinese
    names = openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames
    assert {"覆盖情况", "问题清单", "缺口", "重叠", "按责任单位", "无责任段的道路",
            "单位检查得分", "责任区检查得分"} <= set(names)
    assert all(not re.search("[a-z]", n) for n in names)
