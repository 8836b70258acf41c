"""The planning command: the main job and the data commands."""

from __future__ import annotations

import argparse
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
            "briefing.pdf", "map.pdf", "reviews", "layers.csv", "assessment.xlsx",
            "assessment.png"} <= names
    # the review reports of the projects the check flags, one PDF each
    report = planning.check_conformity(planning.load_sample())
    flagged = report.projects.loc[report.projects["verdict"] != "conforms", "project_id"]
    reviews = sorted(p.name for p in (out / "reviews").iterdir())
    assert [name[:6] for name in reviews] == sorted(flagged)
    assert all(name.endswith("审查意见书.pdf") for name in reviews)
    assert (out / "map.pdf").read_bytes().startswith(b"%PDF")
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
    assert f"reviews/ ({len(flagged)} files, " in printed  # a folder: its files and size
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


def test_import_takes_one_layer_out_of_a_multi_layer_source(tmp_path: Path, capsys):
    source = tmp_path / "plans.gpkg"
    towns = planning.load_sample()["townships"]
    towns.to_file(source, layer="乡镇")
    towns.iloc[:3].to_file(source, layer="other")
    target = tmp_path / "ws.gpkg"
    assert main(["import", str(source), "--layer", "乡镇", "-o", str(target)]) == 0
    assert "乡镇: 9 features" in capsys.readouterr().out
    assert main(["import", f"{source}=three", "--layer", "other", "-o", str(target)]) == 0
    ws = planning.open_workspace(target)
    assert list(ws.layers) == ["乡镇", "three"]
    assert (len(ws["乡镇"]), len(ws["three"])) == (9, 3)
    assert main(["import", str(source), "-o", str(tmp_path / "x.gpkg")]) == 2
    assert "choose one with --layer" in capsys.readouterr().err


def test_county_and_extent_check_flags(tmp_path: Path, capsys):
    far = "650102"  # Urumqi: 2,500 km from Taiqian
    assert main(["inspect", str(GBK_EXAMPLE), "--county", far]) == 2
    err = capsys.readouterr().err
    assert "far from the county 天山区" in err
    assert "--no-extent-check" in err
    assert main(["inspect", str(GBK_EXAMPLE), "--county", far, "--no-extent-check"]) == 0
    assert "EPSG:4527 -> EPSG:4538" in capsys.readouterr().out  # into that county's CRS
    assert main(["inspect", str(GBK_EXAMPLE), "--county", "台前县", "--rows", "1"]) == 0
    assert "the CRS of county 410927" in capsys.readouterr().out
    target = tmp_path / "ws.gpkg"
    assert main(["import", str(GBK_EXAMPLE), "--county", "410927", "-o", str(target)]) == 0
    assert planning.open_workspace(target).county == planning.County.from_code("410927")
    bare = tmp_path / "bare.gpkg"  # a file saved by another tool: no county in it
    planning.load_sample()["townships"].to_file(bare, layer="townships")
    assert main(["info", str(bare), "--county", far]) == 2
    assert "--no-extent-check" in capsys.readouterr().err
    assert main(["info", str(bare), "--county", far, "--no-extent-check"]) == 0
    assert "天山区" in capsys.readouterr().out


def test_sheet_takes_a_name_or_a_position():
    from planning.cli._common import sheet

    assert sheet("2") == 1  # the second sheet, counted from 1
    assert sheet("汇总") == "汇总"
    assert sheet("name:2011") == "2011"  # a sheet named by a number
    for bad in ("0", " "):
        with pytest.raises(argparse.ArgumentTypeError):
            sheet(bad)
