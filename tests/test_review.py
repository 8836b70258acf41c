"""Review reports (planning.review_report): read back, they hold the conformity report's figures."""

from __future__ import annotations

from pathlib import Path

import docx
import pandas as pd
import pytest
from _pdf import fonts, need_poppler, page_sizes_mm, text

import planning
from planning import InputError
from planning.io.document import format_value

ON = "2011-12-17"


@pytest.fixture(scope="module")
def checked() -> tuple[planning.Workspace, planning.ConformityReport]:
    ws = planning.load_sample()
    return ws, planning.check_conformity(ws)


def _sections(book: docx.document.Document) -> list[str]:
    return [p.text for p in book.paragraphs if p.style.name.startswith("Heading")]


def test_docx_holds_the_reports_figures(tmp_path: Path, checked: tuple) -> None:
    ws, report = checked
    out = planning.review_report(report, "TQ-001", tmp_path / "r.docx", ws=ws, date=ON,
                                 unit="台前县规划局")
    book = docx.Document(str(out))
    assert _sections(book) == ["一、项目基本情况", "二、项目位置图", "三、三规合一审查",
                               "用地面积构成", "控制线占用", "审查结论", "四、会议审查意见"]
    assert book.paragraphs[0].text == "台前县建设项目选址审查意见书"
    assert len(book.inline_shapes) == 1  # the location map
    facts, areas, lines, *opinions = book.tables
    cells = [c.text for row in facts.rows for c in row.cells]
    project = report.projects.set_index("project_id").loc["TQ-001"]
    assert cells[cells.index("项目名称") + 1] == project["name_zh"]
    assert cells[cells.index("审查结论") + 1] == "冲突"
    assert cells[cells.index("用地面积（亩）") + 1] == format_value(round(project["site_area_mu"],
                                                                        2))
    assert cells[cells.index("所属乡镇") + 1] == "城关镇"
    assert "fyp12" not in "".join(cells)  # listed_in through the vocabulary
    reasons = report.reasons[report.reasons["project_id"] == "TQ-001"]
    line_rows = reasons[reasons["check"].isin(["control_line", "outside_development_boundary"])]
    area_rows = reasons[~reasons.index.isin(line_rows.index) & reasons["area_m2"].notna()]
    # every area of the report, in the same order, formatted as the workbook formats it
    shown = [r.cells[3].text for r in areas.rows[1:]]
    assert shown == [format_value(v, "m2") for v in area_rows["area_m2"]]
    assert [r.cells[3].text for r in areas.rows[1:]] != []
    assert [r.cells[0].text for r in lines.rows[1:]] == list(line_rows["name_zh"])
    assert [r.cells[3].text for r in lines.rows[1:]] == [format_value(v, "mu")
                                                         for v in line_rows["area_mu"]]
    assert [t.rows[0].cells[0].text for t in opinions] == ["经发意见", "规建意见", "国土意见",
                                                           "处理措施"]
    body = [p.text for p in book.paragraphs]
    assert "审查结论：冲突。" in body
    conflicts = reasons[reasons["counted"] & (reasons["verdict"] == "conflict")]
    start = body.index(f"冲突项（{len(conflicts)}项）：")
    # conflicts first, one line each, the report's own words
    assert body[start + 1:start + 1 + len(conflicts)] == [
        f"{i}. {t}" for i, t in enumerate(conflicts["detail_zh"], start=1)]
    conforming = reasons[reasons["counted"] & (reasons["verdict"] == "conforms")]
    summary = [p for p in body if p.startswith("符合项")]
    assert summary == [summary[0]]  # all conforming items on one line
    assert f"（{len(conforming)}项）" in summary[0]
    assert "fyp12" not in summary[0]
    assert "十二五规划" in summary[0]


def test_pdf_report_and_new_checks_flow_in(tmp_path: Path, checked: tuple) -> None:
    """A check the report did not have before (a territorial review) appears as a row."""
    need_poppler()
    _, report = checked
    extra = pd.DataFrame([{"project_id": "TQ-004", "check": "territorial_zone", "code": "Z1",
                           "name_zh": "城镇集中建设区", "verdict": "conforms", "area_m2": 1234.5,
                           "area_mu": 1.85175, "counted": True, "detail": "x",
                           "detail_zh": "符合：国土空间规划分区Z1 城镇集中建设区，占用1.85亩"}])
    grown = planning.ConformityReport(report.discrepancies, report.projects,
                                      pd.concat([report.reasons, extra], ignore_index=True),
                                      report.by_township, report.areas)
    out = planning.review_report(grown, "TQ-004", tmp_path / "r.pdf", date=ON)
    assert set(page_sizes_mm(out)) == {(210.0, 297.0)}
    assert all(f.embedded for f in fonts(out))
    body = "".join(text(out).split())
    for expected in ("建设项目选址审查意见书", "用地面积构成", "控制线占用", "审查结论：符合",
                     "Z1城镇集中建设区", "1,234.50", "经发意见", "签字", "第1页共"):
        assert expected in body, expected


def test_territorial_review_beside_the_two_plans_one(tmp_path: Path) -> None:
    """With check_conformity(system="both") the report has a section for each review, each
    with the figures of its own reasons table."""
    ws = planning.load_sample()
    both = planning.check_conformity(ws, system="both")
    out = planning.review_report(both, "TQ-001", tmp_path / "r.docx", ws=ws, date=ON,
                                 location_map=False)
    book = docx.Document(str(out))
    sections = _sections(book)
    assert sections == ["一、项目基本情况", "二、三规合一审查", "用地面积构成", "控制线占用",
                        "审查结论", "三、国土空间规划审查", "用地面积构成", "控制线占用",
                        "审查结论", "四、会议审查意见"]
    territorial = both.territorial_reasons
    own = territorial[(territorial["project_id"] == "TQ-001") & territorial["counted"]]
    body = [p.text for p in book.paragraphs]
    verdict = both.territorial_projects.set_index("project_id").loc["TQ-001", "verdict"]
    words = {"conflict": "冲突", "conditional": "有条件符合", "conforms": "符合"}
    assert f"审查结论：{words[verdict]}。" in body
    for line in own.loc[own["verdict"] == "conflict", "detail_zh"]:
        assert any(p.endswith(line) for p in body), line
    lines_tables = [t for t in book.tables if t.rows[0].cells[0].text == "控制线"]
    assert len(lines_tables) == 2
    shown = [r.cells[0].text for r in lines_tables[1].rows[1:]]
    expected = own[own["check"].isin(["territorial_line", "outside_development_boundary"])]
    assert shown == list(expected["name_zh"])
    assert "territorial_line" not in "".join(c.text for t in book.tables for r in t.rows
                                             for c in r.cells)


def test_all_projects_into_a_folder(tmp_path: Path, checked: tuple) -> None:
    _, report = checked
    small = planning.ConformityReport(report.discrepancies, report.projects.head(3),
                                      report.reasons, report.by_township, report.areas)
    written = planning.reports.review_reports(small, tmp_path / "reviews", location_map=False,
                                              date=ON)
    assert [p.name for p in written] == sorted(p.name for p in (tmp_path / "reviews").iterdir())
    assert len(written) == 3
    assert written[0].name == "TQ-001县城西环路审查意见书.docx"


def test_unknown_project_says_which_exist(tmp_path: Path, checked: tuple) -> None:
    _, report = checked
    with pytest.raises(InputError, match="TQ-001"):
        planning.review_report(report, "XX-9", tmp_path / "r.docx")
    with pytest.raises(TypeError, match="ConformityReport"):
        planning.review_report("report", "TQ-001", tmp_path / "r.docx")  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())
