"""Ledger sheets as they really arrive: other bureaus' ledgers (urban renewal, expressways),
old ``.xls`` files, template and instruction rows, placeholders, blank names and ids, official
text kept verbatim, formulas never computed, and header mappings from the command line.

The workbooks are made here (tests/_sheets.py: openpyxl for ``.xlsx``, xlwt for ``.xls``);
the same rows written both ways must read the same.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
from _sheets import SheetSpec, write_both, write_xls, write_xlsx

import planning
from planning._core.text import clean_text, compact, is_placeholder
from planning.cli import main
from planning.ledger import Ledger, header_mapping

TS = pd.Timestamp
HEADER = ["序号", "项目编号", "项目名称", "牵头单位", "总投资", "节点内容", "完成时限", "责任单位"]


def _ledger(tmp_path: Path, rows: list[list[object]], name: str = "l.xlsx", **kw: object
            ) -> Path:
    return write_xlsx(tmp_path / name, [SheetSpec("台账", [HEADER, *rows], **kw)])  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# an urban-renewal ledger (城市更新): title rows, 单位：亿元, a two-row header, sections 一、/
# （一） with sub-totals, dates of every kind, 亿元 and 万元 columns, 形象进度, notes rows


def renewal_sheet(*, subtotal: float = 5.5) -> SheetSpec:
    rows: list[list[object]] = [
        ["深圳市2024年城市更新重点项目台账"] + [None] * 11,
        ["填报单位：市城市更新和土地整备局", None, None, None, None, "截至2024年6月30日",
         None, None, None, None, None, "单位：亿元"],
        ["序号", "项目名称", "更新类型", "所在区", "建设单位", "投资情况", None, "建设年限",
         "计划时间", None, "形象进度", "备注"],
        [None, None, None, None, None, "总投资", "2024年计划投资（万元）", None, "开工", "竣工",
         None, None],
        ["一、", "拆除重建类", None, None, None, subtotal, None, None, None, None, None, None],
        ["（一）", "居住类", None, None, None, 3.5, None, None, None, None, None, None],
        [1, "（深圳）湾区国际交流中心", "拆除重建", "福田区", "深圳市（福田）城市更新有限公司",
         2.0, 5000, "2023-2025", "2024年6月", "2025年底前", "85%", None],
        [2, "城中村改造一期", "/", "罗湖区", "—", 1.5, "—", "2024-2026", "2024.6.30", 46387,
         0.3, "无"],
        [3, None, None, None, None, None, None, None, None, None, None, None],
        ["（二）", "产业类", None, None, None, 2.0, None, None, None, None, None, None],
        [4, "旧工业区升级改造", "拆除重建", "南山区", None, 2, 8000, "2024年",
         dt.date(2024, 3, 1), "2025年6月", "主体封顶", None],
        ["二、", "综合整治类", None, None, None, 0.8, None, None, None, None, None, None],
        [5, "老旧小区改造（二期）", "综合整治", "龙岗区", None, 0.8, 3000, "2024年", 45383,
         "2024年12月", 0.6, None],
        ["合计", None, None, None, None, 6.3, 16000, None, None, None, None, None],
        ["注：1.投资单位为亿元（2024年计划投资为万元）；2.形象进度填写百分比。"] + [None] * 11,
        ["填表人：张三", None, None, "联系电话：0755-12345678"] + [None] * 8,
    ]
    merges = ["A1:L1", *(f"{c}3:{c}4" for c in "ABCDEHKL"), "F3:G3", "I3:J3"]
    return SheetSpec("城市更新", rows, merges=merges, percents=["K8", "K13"])


def test_an_urban_renewal_ledger_reads_right_from_xlsx_and_xls(tmp_path: Path) -> None:
    xlsx, xls = write_both(tmp_path, "城市更新台账", [renewal_sheet()])
    ledger = Ledger.from_excel(xlsx)
    projects = ledger.projects.set_index("project_id")
    assert list(projects.index) == ["XM001", "XM002", "XM003", "XM004"]
    assert projects["name_zh"].tolist() == ["（深圳）湾区国际交流中心", "城中村改造一期",
                                            "旧工业区升级改造", "老旧小区改造（二期）"]
    assert projects["category"].tolist() == ["old_town"] * 4  # 拆除重建, the section, 综合整治
    assert projects["location"].tolist() == ["福田区", "罗湖区", "南山区", "龙岗区"]
    assert projects["owner"].tolist()[0] == "深圳市（福田）城市更新有限公司"
    assert projects["owner"].isna().tolist() == [False, True, True, True]  # "—" is no owner
    # 总投资 in 亿元 (the title row's 单位), the year's plan in 万元 (its own header)
    assert projects["investment_wan"].tolist() == [20000.0, 15000.0, 20000.0, 8000.0]
    year = projects["investment_year_wan"].tolist()
    assert year[0] == 5000.0
    assert math.isnan(year[1])
    assert year[2:] == [8000.0, 3000.0]
    assert projects["start_date"].tolist() == [TS("2024-06-01"), TS("2024-06-30"),
                                               TS("2024-03-01"), TS("2024-04-01")]
    assert projects["planned_completion"].tolist() == [TS("2025-12-31"), TS("2026-12-31"),
                                                       TS("2025-06-30"), TS("2024-12-31")]
    assert projects["progress"].tolist() == ["85%", "30%", "主体封顶", "60%"]
    assert projects["remark"].isna().all()  # 无
    assert ledger.as_of == TS("2024-06-30")
    assert ledger.nodes.empty
    notes = "\n".join(ledger.notes)
    for expected in ("row 5 ('一、 拆除重建类') is a section heading: the rows below it are "
                     "老城改造 (old_town)",
                     "row 6 ('（一） 居住类') is a section heading",
                     "row 9 fills none of the ledger's columns",
                     "row 14 is a total row and was left out",
                     "row 15 ('注：1.投资单位为亿元", "row 16 ('填表人：张三')",
                     "read in 亿元, as the sheet states ('单位：亿元')",
                     "hold a placeholder"):
        assert expected in notes, expected
    assert "differs" not in notes  # every sub-total and the total add up
    # the same rows as an old .xls read the same
    old = Ledger.from_excel(xls)
    pd.testing.assert_frame_equal(old.projects, ledger.projects)
    assert old.as_of == ledger.as_of


def test_a_wrong_sub_total_is_noted(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", [renewal_sheet(subtotal=6.5)])
    notes = "\n".join(Ledger.from_excel(path).notes)
    assert ("row 5 ('一、 拆除重建类'): its sub-total investment (65000 万元) differs from the sum "
            "of the project rows under it (55000 万元)") in notes


# --------------------------------------------------------------------------------------------
# an expressway ledger (高速公路): project cells merged over their nodes, sections without a
# category, 小计 per section, text dates, placeholders, a responsible unit given as "/"


def expressway_rows(*, bad: bool = False) -> list[list[object]]:
    rows: list[list[object]] = [
        ["2024年全省高速公路建设项目推进台账"] + [None] * 12,
        ["截止日期：2024年6月30日"] + [None] * 12,
        ["序号", "项目编号", "项目名称", "建设性质", "建设里程（公里）", "总投资（亿元）",
         "年度计划投资（亿元）", "形象进度", "节点目标", "完成时限", "完成情况", "责任单位",
         "存在问题"],
        ["一、续建项目"] + [None] * 12,
        [1, "GS-01", "濮阳至阳新高速台前段", "续建", 32.5, 45.6, 12, "路基完成80%", "路基贯通",
         "2024年6月", dt.date(2024, 6, 20), "濮阳市交通运输局", "无"],
        [None, None, None, None, None, None, None, None, "路面摊铺", "2024年底前", "—", "/",
         "—"],
        [2, "GS-02", "台前黄河大桥连接线", "续建", 8.2, 12.4, 3.5, "桩基施工", "桩基完成",
         "2024.6.30" if not bad else "2024年13月", "未完成", "台前县交通运输局", "征地滞后"],
        [None, "小计", None, None, None, 58.0, 15.5, None, None, None, None, None, None],
        ["二、新开工项目"] + [None] * 12,
        [3, "GS-03", "范县至台前高速", "新开工", 24, 38, 6, "/", "开工建设", 45473, "—",
         "范县人民政府", "/"],
        [None, "小计", None, None, None, 38.0, 6, None, None, None, None, None, None],
        ["合计", None, None, None, None, 96.0, 21.5, None, None, None, None, None, None],
        ["注：完成情况填写实际完成日期；未完成的填写“未完成”。"] + [None] * 12,
    ]
    if bad:
        rows[9][2] = None  # a project row without a name
        rows[6][1] = None  # a row with a name and no id
        rows[9][5] = "约38亿"
    return rows


def expressway_sheet(*, bad: bool = False) -> SheetSpec:
    merges = [f"{c}5:{c}6" for c in "ABCDEFGH"]
    return SheetSpec("高速公路", expressway_rows(bad=bad), merges=["A1:M1", *merges])


def test_an_expressway_ledger_reads_right_from_xlsx_and_xls(tmp_path: Path) -> None:
    xlsx, xls = write_both(tmp_path, "高速公路台账", [expressway_sheet()])
    ledger = Ledger.from_excel(xlsx)
    projects = ledger.projects.set_index("project_id")
    assert list(projects.index) == ["GS-01", "GS-02", "GS-03"]
    assert projects["investment_wan"].tolist() == [456000.0, 124000.0, 380000.0]
    assert projects["investment_year_wan"].tolist() == [120000.0, 35000.0, 60000.0]
    assert projects["lead_department"].tolist() == ["濮阳市交通运输局", "台前县交通运输局",
                                                    "范县人民政府"]
    assert projects["progress"].tolist()[:2] == ["路基完成80%", "桩基施工"]
    assert pd.isna(projects.loc["GS-03", "progress"])  # "/"
    assert projects["problems"].tolist()[1] == "征地滞后"
    assert projects["problems"].isna().tolist() == [True, False, True]  # 无 and /
    nodes = ledger.nodes
    assert nodes["node_id"].tolist() == ["GS-01-N1", "GS-01-N2", "GS-02-N1", "GS-03-N1"]
    assert nodes["due_date"].tolist() == [TS("2024-06-30"), TS("2024-12-31"),
                                          TS("2024-06-30"), TS("2024-06-30")]
    assert nodes["done_date"].tolist()[0] == TS("2024-06-20")
    assert nodes["done_date"].isna().tolist() == [False, True, True, True]
    # "/" is no unit: the node falls to its project's unit
    assert nodes["responsible"].tolist() == ["濮阳市交通运输局", "濮阳市交通运输局",
                                             "台前县交通运输局", "范县人民政府"]
    assert "/" not in set(nodes["responsible"]) | set(projects["lead_department"])
    assert ledger.as_of == TS("2024-06-30")
    notes = "\n".join(ledger.notes)
    assert "row 4 ('一、续建项目') is a section heading and was left out" in notes
    assert "row 8 is a sub-total row and was left out" in notes
    assert "row 11 is a sub-total row and was left out" in notes
    assert "row 12 is a total row and was left out" in notes
    assert "differs" not in notes
    assert "column '建设里程（公里）' is not a ledger field" in notes
    states = ledger.node_states(on="2024-07-01").set_index("node_id")["state"]
    assert states.to_dict() == {"GS-01-N1": "done", "GS-01-N2": "open", "GS-02-N1": "overdue",
                                "GS-03-N1": "overdue"}
    old = Ledger.from_excel(xls)
    pd.testing.assert_frame_equal(old.projects, ledger.projects)
    pd.testing.assert_frame_equal(old.nodes, ledger.nodes)


def test_a_bad_expressway_ledger_lists_every_problem_by_row_and_column(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "bad.xlsx", [expressway_sheet(bad=True)])
    with pytest.raises(planning.SheetError) as info:
        Ledger.from_excel(path)
    found = {(p.row, p.column, p.value) for p in info.value.problems}
    assert found == {(7, "项目编号", None), (7, "完成时限", "2024年13月"),
                     (10, "项目名称", None), (10, "总投资（亿元）", "约38亿")}
    text = str(info.value)
    assert "4 problem(s)" in text
    assert "bad.xlsx [高速公路], row 7, column '项目编号'" in text
    # read anyway for the meeting: the bad projects are left out, the others kept
    ledger = Ledger.from_excel(path, errors="skip")
    assert ledger.projects["project_id"].tolist() == ["GS-01"]
    assert len(ledger.problems) == 4


# --------------------------------------------------------------------------------------------
# blank names and ids never crash


def test_a_first_data_row_without_a_project_name(tmp_path: Path) -> None:
    rows: list[list[object]] = [[1, "P1", None, "县交通局", 100, "立项", "2011-12-01", None],
                                [2, "P2", "人民路", "县住建局", 50, "开工", "2012-01-01", None]]
    path = _ledger(tmp_path, rows)
    with pytest.raises(planning.SheetError) as info:
        Ledger.from_excel(path)
    assert [(p.row, p.column, p.message) for p in info.value.problems] == [
        (2, "项目名称", "the project has no name")]
    assert Ledger.from_excel(path, errors="skip").projects["project_id"].tolist() == ["P2"]
    # the same without an id column: names are the only key, and the first is blank
    plain = write_xlsx(tmp_path / "noid.xlsx", [SheetSpec("台账", [
        ["项目名称", "总投资", "节点内容", "完成时限"], [None, 100, "立项", "2011-12-01"],
        ["人民路", 50, "开工", "2012-01-01"], [None, None, "完工", "2012-06-01"]])])
    with pytest.raises(planning.SheetError) as info:
        Ledger.from_excel(plain)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "项目名称")]
    kept = Ledger.from_excel(plain, errors="skip")
    assert kept.projects["name_zh"].tolist() == ["人民路"]
    assert kept.nodes["name_zh"].tolist() == ["开工", "完工"]


def test_a_row_with_a_name_and_no_id(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        [1, "P1", "人民路", "县住建局", 100, "立项", "2011-12-01", None],
        [None, None, "人民路", None, None, "开工", "2012-03-01", None],  # the same project
        [2, None, "文化路", "县住建局", 80, "立项", "2012-01-01", None],   # a new one, no id
        [3, "P3", None, None, None, None, None, None],                    # an id, no name
    ]
    path = _ledger(tmp_path, rows)
    with pytest.raises(planning.SheetError) as info:
        Ledger.from_excel(path)
    assert [(p.row, p.column) for p in info.value.problems] == [(4, "项目编号"), (5, "项目名称")]
    ledger = Ledger.from_excel(path, errors="skip")
    assert ledger.projects["project_id"].tolist() == ["P1"]
    assert ledger.nodes["name_zh"].tolist() == ["立项", "开工"]
    # tables given in Python with blank names and ids: problems, not a crash
    with pytest.raises(planning.InputError) as table_info:
        Ledger(pd.DataFrame({"project_id": ["P1", None], "name_zh": [None, "乙"]}),
               pd.DataFrame({"project_id": [None], "name_zh": [None], "due_date": [None]}))
    assert len(table_info.value.problems) >= 3


# --------------------------------------------------------------------------------------------
# template rows, instruction rows, placeholders


def test_template_rows_instruction_rows_and_placeholders_are_blank_and_noted(
        tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["填写说明：每个项目一行，节点另起一行；不适用的填“/”。"] + [None] * 7,
        [1, "P1", "人民路", "县住建局", 100, "立项", "2011-12-01", "—"],
        [None, None, None, None, "——", "开工", "2012-03-01", "/"],
        [2, None, None, None, None, None, None, None],        # only 序号: a template row
        [3, "/", "/", "/", "/", "/", "/", "/"],               # only placeholders
        [4, None, None, None, None, None, None, None],
        ["备注：投资单位为万元。"] + [None] * 7,
        ["注1：完成时限以县政府批复为准"] + [None] * 7,
    ]
    path = _ledger(tmp_path, rows)
    ledger = Ledger.from_excel(path)
    assert ledger.projects["project_id"].tolist() == ["P1"]
    assert ledger.nodes["responsible"].tolist() == ["县住建局", "县住建局"]
    assert ledger.problems == []
    notes = "\n".join(ledger.notes)
    assert "row 2 ('填写说明：每个项目一行" in notes
    assert "row 5 fills none of the ledger's columns" in notes
    assert "row 7 fills none of the ledger's columns" in notes
    assert "row 6 fills none" in notes or "row 6 holds only placeholders" in notes
    assert "row 8 ('备注：投资单位为万元。')" in notes
    assert "row 9 ('注1：完成时限以县政府批复为准')" in notes
    assert "10 cell(s) hold a placeholder" in notes


def test_template_marks_on_headers(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", [SheetSpec("台账", [
        ["序号", "*项目编号", "*项目名称", "总投资（万元）（必填）", "节点内容※",
         "完成时限（必填）"],
        [1, "P1", "人民路", 100, "立项", "2024-06-30"]])])
    ledger = Ledger.from_excel(path)
    assert ledger.projects[["project_id", "investment_wan"]].values.tolist() == [["P1", 100.0]]
    assert ledger.nodes["due_date"].tolist() == [TS("2024-06-30")]


def test_placeholders_are_never_names(tmp_path: Path) -> None:
    assert all(is_placeholder(v) for v in ("/", "／", "-", "—", "——", "--", "无", " / "))
    assert not any(is_placeholder(v) for v in ("待定", "无锡路", "一", "1", "A/B"))
    frames = Ledger(
        pd.DataFrame({"project_id": ["P1"], "name_zh": ["人民路"], "lead_department": ["/"]}),
        pd.DataFrame({"project_id": ["P1"], "name_zh": ["立项"], "due_date": ["2011-12-01"],
                      "responsible": ["—"]}))
    assert frames.projects["lead_department"].isna().all()
    assert frames.nodes["responsible"].isna().all()


# --------------------------------------------------------------------------------------------
# official text kept verbatim


def test_official_names_are_kept_verbatim(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        [1, "ＳＺ-01", "（深圳）国际交流中心", "深圳市（福田）住房和建设局", "１,２００",
         "立项批复（发改）", "2024年6月", "深圳市发展和改革委员会（深圳）"],
        [None, "SZ-01", "(深圳)国际交流中心", None, None, "开工", "2024.6.30", None],
    ]
    path = _ledger(tmp_path, rows)
    ledger = Ledger.from_excel(path)
    project = ledger.projects.iloc[0]
    assert project["project_id"] == "ＳＺ-01"
    assert project["name_zh"] == "（深圳）国际交流中心"
    assert project["lead_department"] == "深圳市（福田）住房和建设局"
    assert project["investment_wan"] == 1200.0  # parsed by key, stored as a number
    # the second row repeats the project in half-width brackets and ids: the same by key
    assert ledger.nodes["name_zh"].tolist() == ["立项批复（发改）", "开工"]
    assert ledger.nodes["responsible"].tolist() == ["深圳市发展和改革委员会（深圳）",
                                                    "深圳市（福田）住房和建设局"]
    # updates keep what they are given, and the written ledger reads back the same
    ledger.update_node("ＳＺ-01-N2", on="2024-07-01", responsible=" 深圳市（福田）城管局 ")
    assert ledger.nodes["responsible"].tolist()[1] == "深圳市（福田）城管局"
    ledger.update_project("ＳＺ-01", on="2024-07-01", status="在建", township="（福田）")
    assert ledger.projects["township"].item() == "（福田）"
    back = Ledger.from_excel(ledger.to_excel(tmp_path / "out.xlsx", on="2024-07-01"))
    assert back.projects["name_zh"].item() == "（深圳）国际交流中心"
    assert back.nodes["responsible"].tolist()[1] == "深圳市（福田）城管局"
    page = ledger.briefing(on="2024-07-01").to_html()
    assert "（深圳）国际交流中心" in page
    assert "(深圳)国际交流中心" not in page
    # the stored value and the comparison key
    assert clean_text(" （深圳）\u3000") == "（深圳）"
    assert compact("（深圳）") == compact("(深圳)") == "(深圳)"


def test_plan_words_keep_their_text_when_unknown(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "plans.xlsx", [SheetSpec("台账", [
        ["项目编号", "项目名称", "列入规划"], ["P1", "甲", "十二五规划、省重点项目（2024）"]])])
    assert Ledger.from_excel(path).projects["listed_in"].item() == "fyp12;省重点项目（2024）"


# --------------------------------------------------------------------------------------------
# formulas whose value was never computed


def test_formula_cells_without_a_cached_value_are_reported(tmp_path: Path) -> None:
    """openpyxl writes formulas without their value, as any program that never opened Excel."""
    rows: list[list[object]] = [
        [1, "P1", "人民路", "县住建局", "=SUM(1,2)", "立项", "=DATE(2011,12,1)", None],
        [2, "P2", "文化路", "县住建局", 50, "开工", "2012-01-01", None],
    ]
    path = _ledger(tmp_path, [*rows, ["=ROW()", None, None, None, None, None, None, None]])
    with pytest.raises(planning.SheetError) as info:
        Ledger.from_excel(path)
    found = {(p.row, p.column, p.value) for p in info.value.problems}
    assert found == {(2, "总投资", "=SUM(1,2)"), (2, "完成时限", "=DATE(2011,12,1)")}
    assert all("never computed" in p.message for p in info.value.problems)
    ledger = Ledger.from_excel(path, errors="skip")
    # P1 is left out with its node, not kept as a node that is never overdue
    assert ledger.projects["project_id"].tolist() == ["P2"]
    assert not any("never counted overdue" in n for n in ledger.notes)
    assert any("3 formula cell(s) have no computed value" in n and "G2 (=DATE(2011,12,1))" in n
               for n in ledger.notes)


# --------------------------------------------------------------------------------------------
# .xls


def test_an_old_xls_ledger_with_a_hidden_sheet_first(tmp_path: Path) -> None:
    rows: list[list[object]] = [[1, "P1", "人民路", "县住建局", 100.0, "立项",
                                 dt.date(2011, 12, 1), None]]
    hidden = SheetSpec("旧表", [HEADER, [1, "OLD", "作废", None, 1, "立项", "2011-01-01", None]],
                       hidden=True)
    path = write_xls(tmp_path / "台账.xls", [hidden, SheetSpec("台账", [HEADER, *rows])])
    ledger = Ledger.from_excel(path)
    assert ledger.projects["project_id"].tolist() == ["P1"]
    assert ledger.projects["investment_wan"].tolist() == [100.0]
    assert ledger.nodes["due_date"].tolist() == [TS("2011-12-01")]
    assert any("'旧表' is hidden and was not read" in n for n in ledger.notes)
    assert Ledger.from_excel(path, sheet="旧表").projects["project_id"].tolist() == ["OLD"]


# --------------------------------------------------------------------------------------------
# header mappings: in Python and on the command line


def _custom_ledger(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "custom.xlsx", [SheetSpec("台账", [
        ["工程编码", "工程名称", "工程内容", "概算（亿元）", "里程碑", "截止时间"],
        ["G1", "人民路", "拓宽", 0.3, "开工", "2011-12-01"],
        ["G2", "文化路", "绿化", 0.1, "完工", "2011-12-30"],
    ])])


def test_headers_in_python_are_checked(tmp_path: Path) -> None:
    mapping = {"工程编码": "project_id", "工程名称": "name_zh", "概算": "investment_wan",
               "里程碑": "node_name", "截止时间": "node_due"}
    ledger = Ledger.from_excel(_custom_ledger(tmp_path), headers=mapping)
    assert ledger.projects["investment_wan"].tolist() == [3000.0, 1000.0]
    assert ledger.nodes["due_date"].tolist() == [TS("2011-12-01"), TS("2011-12-30")]
    with pytest.raises(planning.InputError, match="fields the ledger does not read") as info:
        header_mapping({"工程内容": "contnet"})
    assert info.value.problems[0].column == "工程内容"


def test_headers_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    path = _custom_ledger(tmp_path)
    headers = tmp_path / "headers.csv"
    headers.write_text("header,field,note\n# how our office heads its ledger\n"
                       "工程编码,project_id,\n工程名称,name_zh,\n里程碑,node_name,\n",
                       encoding="utf-8")
    out = tmp_path / "brief.html"
    argv = ["brief", "--ledger", str(path), "--on", "2011-12-17", "-o", str(out),
            "--headers", str(headers), "--header", "截止时间=node_due",
            "--header", "工程内容=content"]
    assert main(argv) == 0
    page = out.read_text(encoding="utf-8")
    assert "人民路" in page
    assert "G1" in page
    capsys.readouterr()
    for bad, words in (
            (["--header", "截止时间"], "--header expects HEADER=FIELD"),
            (["--header", "截止时间=due"], "--header 截止时间=due: 'due' (for the header "
             "'截止时间') is not a ledger field"),
            (["--headers", str(tmp_path / "none.csv")], "does not exist")):
        target = tmp_path / "never.html"
        argv = ["brief", "--ledger", str(path), "--on", "2011-12-17", "-o", str(target), *bad]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert words in err, err
        assert len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err
        assert not target.exists()
    assert main(["brief", "--on", "2011-12-17", "--header", "a=name_zh",
                 "-o", str(tmp_path / "x.html")]) == 2
    assert "give --ledger FILE as well" in capsys.readouterr().err
    # without the mapping the sheet has no header the ledger knows
    assert main(["brief", "--ledger", str(path), "--on", "2011-12-17", "-o",
                 str(tmp_path / "y.html")]) == 2
    assert "No ledger header" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# no sheet crashes the readers


_CELLS: list[object] = [
    None, None, None, "/", "—", "无", "-", " ", "合计", "小计", "一、", "（一）", "一",
    "注：见附件", "填写说明", "P1", "P2", "人民路", "（深圳）甲", 1, 2, 3.5, 0, -1, 1e10, True,
    dt.date(2024, 6, 30), dt.datetime(1900, 1, 1), "2024年6月", "2024.6.30", "2024年底前", 45473,
    "1.2亿元", "abc", "=SUM(1,2)", "#N/A", "已完成", "未完成", "在建", "老城改造", "其中：",
    "2023-2025", "85%", 0.85, "县住建局", "HW001", "95分"]
_HEADERS = [
    ["序号", "项目编号", "项目名称", "牵头单位", "总投资（亿元）", "计划开工时间", "计划完成时间",
     "节点内容", "完成时限", "完成情况", "责任单位", "项目类别", "项目状态", "建设年限"],
    ["序号", "责任区编号", "检查日期", "检查人", "道路清扫", "垃圾清运", "总分", "备注", "编号"]]


@pytest.mark.parametrize("seed", range(2))
def test_random_sheets_read_or_fail_with_the_toolkit_s_own_errors(tmp_path: Path,
                                                                  seed: int) -> None:
    """Random mixes of the cells real sheets hold, merged at random, in .xlsx and .xls: every
    reader returns or raises SheetError / InputError / LayerFileError, never anything else."""
    import random

    from planning.sanitation import read_inspections

    rng = random.Random(seed)
    for i in range(8):
        header = _HEADERS[i % 2]
        rows = [list(header)] + [[rng.choice(_CELLS) for _ in header]
                                 for _ in range(rng.randint(0, 10))]
        columns = rng.sample(range(len(header)), 2) if len(rows) > 2 else []
        merges = {f"{chr(65 + c)}{r}:{chr(65 + c)}{r + 1}"  # rows r and r + 1 of one column
                  for c, r in ((c, rng.randint(2, len(rows) - 1)) for c in columns)}
        writer = write_xlsx if i % 3 else write_xls
        path = writer(tmp_path / f"s{i}.{'xlsx' if i % 3 else 'xls'}",
                      [SheetSpec("台账", rows, merges=sorted(merges))])
        for read in (Ledger.from_excel,
                     lambda p: Ledger.from_excel(p, errors="skip").briefing(
                         on="2024-07-01").to_html(),
                     lambda p: read_inspections(p, zones=["HW001"])):
            with contextlib.suppress(planning.SheetError, planning.InputError,
                                     planning.LayerFileError):
                read(path)
