"""Ledger workbooks: the messy sheets bureaus keep, and the ones the toolkit writes."""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl import Workbook

import planning
from planning.ledger import Ledger, header_mapping

TS = pd.Timestamp


def _write_rows(ws: openpyxl.worksheet.worksheet.Worksheet, first_row: int,
                rows: list[list[object]]) -> int:
    for r, row in enumerate(rows, start=first_row):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    return first_row + len(rows)


def messy_workbook(path: Path, *, problems: bool = False) -> Path:
    """A ledger as a bureau keeps it.

    Title row, a filler row, a two-row header with merged cells (责任单位 over 牵头/配合,
    计划时间 over 开工/完成, 时间节点 over four node columns), section headings that name the
    category, project cells merged over their node rows (TQ-001) or repeated on each node
    row (TQ-013), Excel serial and text dates, full-width and stray spaces, a 待定
    investment, a total row and a signature row. With ``problems``: a duplicate project id
    and five bad cells.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "2011年台账"
    ws["A1"] = "台前县2011年城乡建设重点工作台账（截至2011年12月15日）"
    ws.merge_cells("A1:N1")
    ws["A2"] = "填报单位：县推进城镇化工作领导小组办公室"
    for col, head in {"A": "序号", "B": "项目编号", "C": "项目名称", "D": "项目类别",
                      "E": "所在乡镇", "H": "总投资\n（万元）"}.items():
        ws[f"{col}3"] = head
        ws.merge_cells(f"{col}3:{col}4")
    for span, head, lower in (("F3:G3", "责任单位", ["牵头", "配合"]),
                              ("I3:J3", "计划时间", ["开工", "完成"]),
                              ("K3:N3", "时间节点",
                               ["节点内容", "完成时限", "完成情况", "责任单位"])):
        ws[span[:2]] = head
        ws.merge_cells(span)
        first = ord(span[0])
        for i, text in enumerate(lower):
            ws[f"{chr(first + i)}4"] = text
    ws["A5"] = "一、基础设施"
    ws.merge_cells("A5:N5")
    _write_rows(ws, 6, [
        [1, "TQ-001", "县城　西环路 ", None, "城关镇", "县交通运输局", "县国土资源局", 18600,
         "2012年3月", 41455, "立项批复", 40907, "未完成", None],
        [None] * 10 + ["开工建设", "2012.3.1", None, "县交通运输局"],
    ])
    for col in "ABCDEFGHIJ":
        ws.merge_cells(f"{col}6:{col}7")
    ws["A8"] = "二、老城改造项目（2个）"
    ws.merge_cells("A8:N8")
    rows: list[list[object]] = [
        [2, "TQ-005", "人民路改造", "老城改造", "城关镇", "县住房和城乡建设局", None, "4,200",
         dt.datetime(2011, 5, 1), "2011-12", "主体工程完工", "2011年11月30日", "2011.11.28",
         None],
        [3, " TQ-013", "孙口乡集镇供水工程", "小城镇建设", "孙 口 乡", "孙口乡", None, "待定",
         "2012年第一季度", "2012年10月底", "立项批复", "2011-12", dt.datetime(2011, 12, 8),
         None],
        [3, "TQ-013", "孙口乡集镇供水工程", "小城镇建设", "孙 口 乡", "孙口乡", None, "待定",
         "2012年第一季度", "2012年10月底", "规划选址", "2012-01-15", None, "县国土资源局"],
    ]
    if problems:
        rows += [
            [4, "TQ-005", "打渔陈镇集贸市场", "小城镇建设", "打渔陈镇", "打渔陈镇", None, 1200,
             "2011-09", "2012-05", "开工建设", "2011年13月", None, None],
            [5, "TQ-015", "马楼镇商贸街", "商贸物流", "马楼镇", "马楼镇", None, "-5", "2012-03",
             "12月30日", "立项批复", "2011-11-30", "已完成", None],
        ]
    end = _write_rows(ws, 9, rows)
    ws.cell(row=end, column=1, value="合计")
    ws.cell(row=end, column=8, value=22800 + (1195 if problems else 0))
    ws.cell(row=end + 2, column=1, value="填表人：张三　　审核：李四")
    wb.save(path)
    return path


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    return messy_workbook(tmp_path / "台账.xlsx")


def test_messy_workbook_parses_to_the_right_projects(messy: Path) -> None:
    ledger = Ledger.from_excel(messy)
    projects = ledger.projects.set_index("project_id")
    assert list(projects.index) == ["TQ-001", "TQ-005", "TQ-013"]
    assert projects["name_zh"].tolist() == ["县城西环路", "人民路改造", "孙口乡集镇供水工程"]
    # the category of TQ-001 comes from the section heading above it
    assert projects["category"].tolist() == ["infrastructure", "old_town", "small_town"]
    assert projects["category_zh"].tolist() == ["基础设施", "老城改造", "小城镇建设"]
    assert projects.loc["TQ-013", "township"] == "孙口乡"
    assert projects.loc["TQ-001", "lead_department"] == "县交通运输局"
    assert projects.loc["TQ-001", "support_units"] == "县国土资源局"
    assert projects.loc["TQ-001", "investment_wan"] == 18600
    assert projects.loc["TQ-005", "investment_wan"] == 4200
    assert math.isnan(projects.loc["TQ-013", "investment_wan"])  # 待定
    assert projects["start_date"].tolist() == [TS("2012-03-01"), TS("2011-05-01"),
                                               TS("2012-01-01")]
    # 41455 is an Excel serial; month-only completion dates are the month's last day
    assert projects["planned_completion"].tolist() == [TS("2013-06-30"), TS("2011-12-31"),
                                                       TS("2012-10-31")]
    assert ledger.as_of == TS("2011-12-15")  # from the title row


def test_messy_workbook_parses_to_the_right_nodes(messy: Path) -> None:
    nodes = Ledger.from_excel(messy).nodes
    expected = pd.DataFrame({
        "node_id": ["TQ-001-N1", "TQ-001-N2", "TQ-005-N1", "TQ-013-N1", "TQ-013-N2"],
        "project_id": ["TQ-001", "TQ-001", "TQ-005", "TQ-013", "TQ-013"],
        "seq": [1, 2, 1, 1, 2],
        "name_zh": ["立项批复", "开工建设", "主体工程完工", "立项批复", "规划选址"],
        "due_date": [TS("2011-12-30"), TS("2012-03-01"), TS("2011-11-30"), TS("2011-12-31"),
                     TS("2012-01-15")],
        "done_date": [pd.NaT, pd.NaT, TS("2011-11-28"), TS("2011-12-08"), pd.NaT],
        "responsible": ["县交通运输局", "县交通运输局", "县住房和城乡建设局", "孙口乡",
                        "县国土资源局"],
    })
    got = nodes.reset_index(drop=True)
    assert got["node_id"].tolist() == expected["node_id"].tolist()
    assert got["project_id"].tolist() == expected["project_id"].tolist()
    assert got["seq"].astype(int).tolist() == expected["seq"].tolist()
    assert got["name_zh"].tolist() == expected["name_zh"].tolist()
    assert got["due_date"].tolist() == expected["due_date"].tolist()
    assert got["done_date"].isna().tolist() == expected["done_date"].isna().tolist()
    assert got["done_date"].dropna().tolist() == expected["done_date"].dropna().tolist()
    assert got["responsible"].tolist() == expected["responsible"].tolist()


def test_what_was_left_out_is_noted(messy: Path) -> None:
    notes = "\n".join(Ledger.from_excel(messy).notes)
    assert "row 5 ('一、基础设施') is a section heading" in notes
    assert "row 8 ('二、老城改造项目（2个）') is a section heading" in notes
    assert "row 12 is a total row and was left out" in notes
    assert "differs from the sum" not in notes  # 18600 + 4200 + 待定 = 22800
    assert "row 14" in notes
    assert "填表人" in notes


def test_all_problems_come_back_in_one_report(tmp_path: Path) -> None:
    path = messy_workbook(tmp_path / "bad.xlsx", problems=True)
    with pytest.raises(planning.SheetError, match="has rows that cannot be read") as info:
        Ledger.from_excel(path)
    found = {(p.row, p.column, p.value): p.message for p in info.value.problems}
    assert len(info.value.problems) == 6
    assert "ids must be unique" in found[(12, "项目编号", "TQ-005")]
    assert "also used in row 9" in found[(12, "项目编号", "TQ-005")]
    assert "month 13 does not exist" in found[(12, "时间节点/完成时限", "2011年13月")]
    assert "unknown category" in found[(13, "项目类别", "商贸物流")]
    assert "not a possible investment" in found[(13, "总投资 （万元）", "-5")]
    assert "the year is missing" in found[(13, "计划时间/完成", "12月30日")]
    assert "without a date" in found[(13, "时间节点/完成情况", "已完成")]
    text = str(info.value)
    assert "6 problem(s)" in text
    assert "bad.xlsx [2011年台账], row 12" in text


def test_skipping_bad_rows_keeps_the_right_projects_and_reports_the_rest(
        tmp_path: Path) -> None:
    """The messy workbook with its duplicate id and bad cells, read for a meeting anyway."""
    path = messy_workbook(tmp_path / "bad.xlsx", problems=True)
    clean = Ledger.from_excel(messy_workbook(tmp_path / "clean.xlsx"))
    ledger = Ledger.from_excel(path, errors="skip")
    # the duplicate TQ-005 (row 12) and TQ-015 (row 13, four bad cells) are left out
    pd.testing.assert_frame_equal(ledger.projects, clean.projects)
    pd.testing.assert_frame_equal(ledger.nodes, clean.nodes)
    assert [(p.row, p.column) for p in ledger.problems] == [
        (12, "项目编号"), (12, "时间节点/完成时限"), (13, "项目类别"), (13, "总投资 （万元）"),
        (13, "计划时间/完成"), (13, "时间节点/完成情况")]
    assert any("6 problem(s); 2 project(s) (with their nodes) and 0 node row(s) were left out"
               in n for n in ledger.notes)
    brief = ledger.briefing(on="2011-12-17")
    assert brief.sheet_problems["row"].tolist() == [12, 12, 13, 13, 13, 13]
    page = brief.to_html()
    assert "六、台账数据问题" in page
    assert "month 13 does not exist" in page
    assert brief.headline.set_index("item").loc["sheet_problems", "value"] == 6
    assert "台账数据问题" in openpyxl.load_workbook(
        brief.to_excel(tmp_path / "brief.xlsx")).sheetnames
    with pytest.raises(ValueError, match="errors must be"):
        Ledger.from_excel(path, errors="ignore")  # type: ignore[arg-type]


def test_a_bad_node_row_alone_is_left_out(tmp_path: Path) -> None:
    wb = Workbook()
    _write_rows(wb.active, 1, [
        ["项目编号", "项目名称", "总投资", "节点内容", "完成时限"],
        ["P1", "人民路", 100, "立项", "2011-12-01"],
        [None, None, None, "开工", "明年"],
        [None, None, None, "完工", "2012-10-01"],
    ])
    wb.save(tmp_path / "node.xlsx")
    ledger = Ledger.from_excel(tmp_path / "node.xlsx", errors="skip")
    assert ledger.projects["project_id"].tolist() == ["P1"]
    assert ledger.nodes[["node_id", "name_zh"]].values.tolist() == [
        ["P1-N1", "立项"], ["P1-N3", "完工"]]  # ids keep their place in the sheet
    assert [(p.row, p.value) for p in ledger.problems] == [(3, "明年")]


def test_a_duplicate_id_alone_is_reported_with_both_rows(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    _write_rows(ws, 1, [["项目编号", "项目名称", "总投资"], ["P1", "甲", 1], ["P2", "乙", 2],
                        ["P1", "丙", 3]])
    wb.save(tmp_path / "dup.xlsx")
    with pytest.raises(planning.SheetError) as info:
        Ledger.from_excel(tmp_path / "dup.xlsx")
    assert [(p.row, p.value) for p in info.value.problems] == [(4, "P1")]
    assert "also used in row 2" in info.value.problems[0].message


def test_a_sheet_of_projects_only(tmp_path: Path) -> None:
    """No node columns: 完成时限 is the project's completion; ids are given in row order."""
    wb = Workbook()
    ws = wb.active
    _write_rows(ws, 1, [
        ["2011年重点项目"],
        ["序号", "项目名称", "建设内容", "总投资（亿元）", "牵头单位", "完成时限", "进展情况"],
        [1, "县城第二水厂", "日供水2万吨", 0.36, "县水利局", "2013年6月", "完成可研"],
        [2, "新区中心公园", "占地300亩", "3000万元", "县城市管理局", "2013.5", None],
        ["合 计", None, None, 1, None, None, None],
    ])
    wb.save(tmp_path / "projects.xlsx")
    ledger = Ledger.from_excel(tmp_path / "projects.xlsx")
    projects = ledger.projects
    assert projects["project_id"].tolist() == ["XM001", "XM002"]
    assert projects["investment_wan"].tolist() == pytest.approx([3600.0, 3000.0])
    assert projects["planned_completion"].tolist() == [TS("2013-06-30"), TS("2013-05-31")]
    assert projects["content"].tolist() == ["日供水2万吨", "占地300亩"]
    assert projects["progress"].tolist()[0] == "完成可研"
    assert ledger.nodes.empty
    notes = "\n".join(ledger.notes)
    assert "ids XM001, XM002" in notes
    assert "6600 万元" in notes
    assert "10000 万元" in notes


def test_headers_can_be_extended(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    _write_rows(ws, 1, [["工程编码", "项目名称", "工程内容", "总投资"],
                        ["G1", "人民路", "拓宽", 300]])
    wb.save(tmp_path / "custom.xlsx")
    plain = Ledger.from_excel(tmp_path / "custom.xlsx")
    assert plain.projects["project_id"].tolist() == ["XM001"]
    assert any("'工程编码' is not a ledger field" in n for n in plain.notes)
    csv_path = tmp_path / "headers.csv"
    csv_path.write_text("header,field\n工程编码,project_id\n", encoding="utf-8")
    extended = Ledger.from_excel(tmp_path / "custom.xlsx", headers=csv_path)
    assert extended.projects["project_id"].tolist() == ["G1"]
    both = Ledger.from_excel(tmp_path / "custom.xlsx",
                             headers={"工程编码": "project_id", "工程内容": "content"})
    assert both.projects["content"].tolist() == ["拓宽"]
    assert header_mapping({"工程编码": "project_id"})["项目编号"] == "project_id"


def test_unreadable_inputs_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(planning.LayerFileError, match="does not exist"):
        Ledger.from_excel(tmp_path / "missing.xlsx")
    (tmp_path / "fake.xlsx").write_text("not a workbook", encoding="utf-8")
    with pytest.raises(planning.LayerFileError, match="as an Excel workbook"):
        Ledger.from_excel(tmp_path / "fake.xlsx")
    wb = Workbook()
    _write_rows(wb.active, 1, [["a", "b"], [1, 2]])
    wb.save(tmp_path / "nohead.xlsx")
    with pytest.raises(planning.SheetError, match="No ledger header"):
        Ledger.from_excel(tmp_path / "nohead.xlsx")
    with pytest.raises(planning.LayerFileError, match="no sheet '台账'"):
        Ledger.from_excel(tmp_path / "nohead.xlsx", sheet="台账")
    with pytest.raises(planning.LayerFileError, match="no sheet 3"):
        Ledger.from_excel(tmp_path / "nohead.xlsx", sheet=3)


def test_written_ledger_reads_back(sample_ro: planning.Workspace, tmp_path: Path) -> None:
    ledger = sample_ro.ledger
    on = "2011-12-17"
    path = ledger.to_excel(tmp_path / "台账.xlsx", on=on)
    back = Ledger.from_excel(path)
    assert back.as_of == TS(on)  # the title row says 截至2011年12月17日
    columns = ["project_id", "name_zh", "category", "township", "lead_department",
               "investment_wan", "start_date", "planned_completion", "status", "listed_in",
               "nodes_total", "nodes_done", "overdue_nodes", "max_days_overdue", "next_node_id"]
    pd.testing.assert_frame_equal(back.snapshot(on=on)[columns],
                                  ledger.snapshot(on=on)[columns], check_dtype=False)
    states = ["node_id", "due_date", "done_date", "responsible", "state", "days_overdue"]
    pd.testing.assert_frame_equal(back.node_states(on=on)[states],
                                  ledger.node_states(on=on)[states], check_dtype=False)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["台账", "项目汇总", "更新记录"]
    sheet = book["台账"]
    assert sheet["A1"].value == "城乡建设重点工作台账（截至2011年12月17日）"
    assert sheet["C2"].value == "项目名称"
    assert "时间节点" in [c.value for c in sheet[2]]
    assert sheet.cell(row=sheet.max_row, column=1).value == "合计"


def test_one_sheet_per_month(tmp_path: Path) -> None:
    projects = pd.DataFrame({"project_id": ["P1"], "name_zh": ["人民路改造"],
                             "lead_department": ["县住房和城乡建设局"], "investment_wan": [10]})
    nodes = pd.DataFrame({"project_id": ["P1"] * 3, "name_zh": ["立项", "开工", "完工"],
                          "due_date": ["2011-10-15", "2011-11-15", "2011-12-15"],
                          "done_date": ["2011-10-10", "2011-11-20", None]})
    ledger = Ledger(projects, nodes)
    path = ledger.to_excel(tmp_path / "monthly.xlsx", on="2011-12-17", by="M")
    names = openpyxl.load_workbook(path).sheetnames
    assert names == ["台账", "项目汇总", "更新记录", "2011年10月", "2011年11月", "2011年12月"]
    october = Ledger.from_excel(path, sheet="2011年10月").node_states(on="2011-10-31")
    assert october["state"].tolist() == ["done", "open", "open"]
    november = Ledger.from_excel(path, sheet=4).node_states(on="2011-11-30")
    assert november["done_date"].tolist()[:2] == [TS("2011-10-10"), TS("2011-11-20")]
    quarterly = ledger.to_excel(tmp_path / "q.xlsx", on="2011-12-17", by="Q")
    assert openpyxl.load_workbook(quarterly).sheetnames[-1] == "2011年第4季度"


def test_excel_writing_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    projects = pd.DataFrame({"project_id": ["P1"], "name_zh": ["甲"]})
    nodes = pd.DataFrame({"project_id": ["P1"], "name_zh": ["立项"], "due_date": ["2011-12-01"]})
    ledger = Ledger(projects, nodes)
    target = tmp_path / "ledger.xlsx"
    target.write_bytes(b"previous version")

    def broken_save(self: Workbook, filename: str) -> None:
        Path(filename).write_bytes(b"half a workbook")
        msg = "disk full"
        raise OSError(msg)

    monkeypatch.setattr(Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        ledger.to_excel(target, on="2011-12-17")
    assert target.read_bytes() == b"previous version"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.xlsx"]  # no temp left
    monkeypatch.undo()
    nested = ledger.to_excel(tmp_path / "new" / "folder.xlsx", on="2011-12-17")
    assert Ledger.from_excel(nested).projects["project_id"].tolist() == ["P1"]
    fresh = ledger.to_excel(tmp_path / "fresh.xlsx", on="2011-12-17")
    umask = os.umask(0o022)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's private 0600


def test_a_repeated_project_row_must_agree(tmp_path: Path) -> None:
    wb = Workbook()
    _write_rows(wb.active, 1, [
        ["项目编号", "项目名称", "总投资", "节点内容", "完成时限"],
        ["P1", "人民路", 100, "立项", "2011-12-01"],
        ["P1", "人民路", 100, "开工", "2012-03-01"],
        ["P1", "人民路", 120, "完工", "2012-10-01"],
        ["P1", "人民路", None, None, None],
    ])
    wb.save(tmp_path / "repeat.xlsx")
    with pytest.raises(planning.SheetError) as info:
        Ledger.from_excel(tmp_path / "repeat.xlsx")
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [(4, "总投资", "120")]
    assert "adds a time node to project P1 (row 2)" in info.value.problems[0].message
    wb.active["C4"] = 100
    wb.save(tmp_path / "repeat.xlsx")
    ledger = Ledger.from_excel(tmp_path / "repeat.xlsx")
    assert ledger.nodes["name_zh"].tolist() == ["立项", "开工", "完工"]
    assert any("row 5 repeats project P1 without a time node" in n for n in ledger.notes)
