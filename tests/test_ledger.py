"""The ledger model: history, snapshots, periods and the 10-day meeting briefing."""

from __future__ import annotations

import html
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest

import planning
from planning.ledger import Ledger, write_briefing

TS = pd.Timestamp
MEETING = TS("2011-12-17")
PREVIOUS = TS("2011-12-07")
NEXT = TS("2011-12-27")


@pytest.fixture
def small() -> Ledger:
    projects = pd.DataFrame({
        "project_id": ["P1", "P2", "P3"],
        "name_zh": ["县城西环路", "人民路改造", "新区中心公园"],
        "category": ["infrastructure", "老城改造", None],
        "township": ["城关镇", "城关镇", None],
        "lead_department": ["县交通运输局", "县住房和城乡建设局", "县城市管理局"],
        "investment_wan": [18600, "4,200", "待定"],
        "start_date": ["2012-03-01", "2011-05", "2012-03-01"],
        "planned_completion": ["2013-06-30", "2011-11-30", "2013-05"],
        "status": ["planned", "在建", None],
    })
    nodes = pd.DataFrame({
        "project_id": ["P1", "P1", "P2", "P2", "P3"],
        "name_zh": ["立项批复", "开工建设", "开工", "完工", "立项批复"],
        "due_date": ["2011年12月10日", "2012.3", "2011-05-01", "2011-11-30", "2011-12-20"],
        "done_date": [None, None, "2011-05-03", "2011-11-25", None],
        "responsible": [None, None, None, None, "县发展和改革委员会"],
    })
    return Ledger(projects, nodes)


# --- the sample: the meeting of 2011-12-17 against independent computations --------------


def test_briefing_lists_exactly_the_overdue_nodes(sample_ro: planning.Workspace) -> None:
    nodes = sample_ro.tables["time_nodes"]
    late = nodes[(nodes["due_date"] < MEETING)
                 & (nodes["done_date"].isna() | (nodes["done_date"] > MEETING))]
    brief = sample_ro.ledger.briefing(on="2011-12-17")
    assert len(late) > 0
    assert sorted(brief.overdue["node_id"]) == sorted(late["node_id"])
    expected_days = (MEETING - late.set_index("node_id")["due_date"]).dt.days
    got_days = brief.overdue.set_index("node_id")["days_overdue"]
    assert (got_days.sort_index() == expected_days.sort_index()).all()
    by_unit = brief.overdue_by_unit.set_index("unit")["overdue_nodes"]
    assert by_unit.to_dict() == late["responsible"].value_counts().to_dict()
    headline = brief.headline.set_index("item")["value"]
    assert headline["nodes_overdue"] == len(late)
    assert headline["units_overdue"] == late["responsible"].nunique()


def test_briefing_done_and_due_lists(sample_ro: planning.Workspace) -> None:
    nodes = sample_ro.tables["time_nodes"]
    brief = sample_ro.ledger.briefing(on=MEETING)
    assert brief.previous_meeting == PREVIOUS
    assert brief.next_meeting == NEXT
    done = nodes[(nodes["done_date"] > PREVIOUS) & (nodes["done_date"] <= MEETING)]
    assert sorted(brief.completed["node_id"]) == sorted(done["node_id"])
    open_ = nodes["done_date"].isna() | (nodes["done_date"] > MEETING)
    soon = nodes[open_ & (nodes["due_date"] >= MEETING) & (nodes["due_date"] < NEXT)]
    assert sorted(brief.due_soon["node_id"]) == sorted(soon["node_id"])
    due = nodes[nodes["due_date"] < MEETING]
    on_time = due["done_date"].notna() & (due["done_date"] <= due["due_date"])
    headline = brief.headline.set_index("item")["value"]
    assert headline["on_time_share"] == pytest.approx(on_time.sum() / len(due))
    assert headline["nodes_done_late"] == (due["done_date"] > due["due_date"]).sum()


def test_briefing_investment_figures(sample_ro: planning.Workspace) -> None:
    projects = sample_ro["projects"]
    brief = sample_ro.ledger.briefing(on=MEETING)
    by_category = brief.investment_by_category.set_index("category")["investment_wan"]
    assert by_category.to_dict() == pytest.approx(
        projects.groupby("category")["investment_wan"].sum().to_dict())
    by_township = brief.investment_by_township.set_index("township")
    assert by_township["projects"].to_dict() == projects["township"].value_counts().to_dict()
    assert brief.investment_by_township["share"].sum() == pytest.approx(1.0)
    headline = brief.headline.set_index("item")["value"]
    assert headline["projects"] == len(projects)
    assert headline["investment_wan"] == pytest.approx(projects["investment_wan"].sum())


def test_snapshot_columns_for_the_meeting_map(sample_ro: planning.Workspace) -> None:
    snap = sample_ro.ledger.snapshot(on=MEETING)
    for column in ("project_id", "status", "status_recorded", "overdue", "overdue_nodes",
                   "max_days_overdue", "next_node", "next_node_id", "next_due",
                   "next_responsible", "nodes_total", "nodes_done", "share_done", "as_of"):
        assert column in snap.columns, column
    assert sorted(snap["project_id"]) == sorted(sample_ro["projects"]["project_id"])
    assert set(snap["status"]) <= {"planned", "in_progress", "completed", "suspended"}
    states = sample_ro.ledger.node_states(on=MEETING)
    overdue = states[states["state"] == "overdue"].groupby("project_id").size()
    got = snap.set_index("project_id")["overdue_nodes"]
    assert got[got > 0].to_dict() == overdue.to_dict()
    assert snap["overdue"].sum() == len(overdue)


def test_status_on_a_day_follows_the_dates(sample_ro: planning.Workspace) -> None:
    ledger = sample_ro.ledger
    row = sample_ro["projects"].set_index("project_id").loc["TQ-027"]
    assert row["status"] == "completed"  # recorded; completed on 2011-11-30
    status = {d: ledger.snapshot(on=d).set_index("project_id").loc["TQ-027", "status"]
              for d in ("2010-08-01", "2011-10-01", "2011-12-17")}
    assert status == {"2010-08-01": "planned", "2011-10-01": "in_progress",
                      "2011-12-17": "completed"}


# --- history --------------------------------------------------------------------------------


def test_updating_a_node_twice_keeps_all_three_states(sample: planning.Workspace) -> None:
    ledger = sample.ledger
    node = "TQ-001-N2"
    first = ledger.nodes.set_index("node_id").loc[node]
    assert pd.isna(first["done_date"])
    ledger.update_node(node, on="2011-12-17", due="2011-12-31", note="会议同意延期")
    ledger.update_node(node, on="2011-12-27", done="2011-12-26", note="已完成")
    history = ledger.nodes_history
    records = history[history["node_id"] == node]
    assert len(records) == 3
    assert records["due_date"].tolist() == [first["due_date"], TS("2011-12-31"),
                                           TS("2011-12-31")]
    assert records["note"].tolist() == ["", "会议同意延期", "已完成"]

    def state(day: str) -> tuple[object, object, str]:
        row = ledger.node_states(on=day).set_index("node_id").loc[node]
        return row["due_date"], row["done_date"], row["state"]

    assert state("2011-12-16") == (first["due_date"], pd.NaT, "overdue")
    assert state("2011-12-17") == (TS("2011-12-31"), pd.NaT, "open")
    assert state("2011-12-26") == (TS("2011-12-31"), pd.NaT, "open")
    assert state("2011-12-27") == (TS("2011-12-31"), TS("2011-12-26"), "done")
    snaps = {d: ledger.snapshot(on=d).set_index("project_id").loc["TQ-001"]
             for d in ("2011-12-16", "2011-12-17", "2011-12-27")}
    assert snaps["2011-12-16"]["overdue_nodes"] == 1
    assert snaps["2011-12-17"]["overdue_nodes"] == 0
    open_nodes = ledger.node_states(on="2011-12-17").query(
        "project_id == 'TQ-001' and state in ['open', 'overdue']")
    assert snaps["2011-12-17"]["next_due"] == open_nodes["due_date"].min()
    assert snaps["2011-12-16"]["next_node_id"] == node
    assert snaps["2011-12-27"]["nodes_done"] == snaps["2011-12-17"]["nodes_done"] + 1
    # the briefings of the two meetings differ accordingly
    assert node in set(ledger.briefing(on="2011-12-16").overdue["node_id"])
    assert node not in set(ledger.briefing(on="2011-12-17").overdue["node_id"])
    assert node in set(ledger.briefing(on="2011-12-27").completed["node_id"])
    changes = ledger.changes()
    assert changes[["id", "field"]].values.tolist() == [[node, "due_date"], [node, "done_date"]]


def test_history_survives_a_saved_workspace(sample: planning.Workspace, tmp_path: Path) -> None:
    ledger = sample.ledger
    ledger.update_node("TQ-001-N2", on="2011-12-17", due="2011-12-31")
    ledger.update_node("TQ-001-N2", on="2011-12-27", done="2011-12-26")
    ledger.update_project("TQ-014", on="2011-12-17", status="暂停", note="资金未到位")
    ledger.add_node("TQ-014", on="2011-12-17", name_zh="资金落实", due="2012年1月")
    ledger.remove_node("TQ-014-N5", on="2011-12-20", note="合并")
    for target in (tmp_path / "ws.gpkg", tmp_path / "folder"):
        sample.save(target)
        back = planning.open_workspace(target).ledger
        for day in ("2011-12-16", "2011-12-18", "2011-12-28"):
            pd.testing.assert_frame_equal(back.snapshot(on=day), ledger.snapshot(on=day),
                                          check_dtype=False)
        pd.testing.assert_frame_equal(back.changes(), ledger.changes(), check_dtype=False)
    snap = ledger.snapshot(on="2011-12-18").set_index("project_id")
    assert snap.loc["TQ-014", "status"] == "suspended"
    assert ledger.snapshot(on="2011-12-16").set_index("project_id").loc["TQ-014", "status"] \
        == "planned"
    assert "TQ-014-N6" in set(ledger.node_states(on="2011-12-18")["node_id"])
    assert "TQ-014-N5" in set(ledger.node_states(on="2011-12-19")["node_id"])
    assert "TQ-014-N5" not in set(ledger.node_states(on="2011-12-20")["node_id"])
    tables = ledger.to_tables()
    assert set(tables) == {"ledger_projects_history", "ledger_nodes_history", "time_nodes"}
    assert "TQ-014-N5" not in set(tables["time_nodes"]["node_id"])


def test_from_tables_rebuilds_the_same_ledger(small: Ledger) -> None:
    small.update_node("P1-N1", on="2011-12-12", done="2011-12-11")
    projects = small.projects
    again = Ledger.from_tables(projects, small.to_tables())
    pd.testing.assert_frame_equal(again.nodes_history, small.nodes_history)
    pd.testing.assert_frame_equal(again.snapshot(on="2011-12-31"),
                                  small.snapshot(on="2011-12-31"))
    with pytest.raises(planning.InputError, match="no time_nodes table"):
        Ledger.from_tables(projects, {})


def test_backdated_update_applies_from_its_date(small: Ledger) -> None:
    small.update_node("P1-N1", on="2011-12-20", due="2012-01-10")
    small.update_node("P1-N1", on="2011-12-15", due="2011-12-18", note="补录")
    due = {d: small.node_states(on=d).set_index("node_id").loc["P1-N1", "due_date"]
           for d in ("2011-12-14", "2011-12-16", "2011-12-21")}
    assert due == {"2011-12-14": TS("2011-12-10"), "2011-12-16": TS("2011-12-18"),
                   "2011-12-21": TS("2012-01-10")}


def test_updates_are_checked(small: Ledger) -> None:
    with pytest.raises(planning.InputError, match="after the update date"):
        small.update_node("P1-N1", on="2011-12-10", done="2011-12-12")
    with pytest.raises(planning.InputError, match=r"Did you mean .*P1-N1"):
        small.update_node("P1-N9", on="2011-12-10", done="2011-12-09")
    with pytest.raises(planning.InputError, match="not a date"):
        small.update_node("P1-N1", on="2011-12-10", due="下周")
    with pytest.raises(planning.InputError, match="unknown project field"):
        small.update_project("P1", on="2011-12-10", colour="red")
    with pytest.raises(planning.InputError, match="unknown status"):
        small.update_project("P1", on="2011-12-10", status="finished soon")
    with pytest.raises(planning.InputError, match="already in the ledger"):
        small.add_node("P1", on="2011-12-10", name_zh="x", due="2012-01-01", node_id="P1-N1")
    assert len(small.nodes_history) == 5  # nothing was recorded
    small.update_node("P1-N1", on="2011-12-10", due="2011-12-10")  # no change, no note
    assert len(small.nodes_history) == 5


def test_input_frames_are_not_changed() -> None:
    projects = pd.DataFrame({"project_id": ["P1"], "name_zh": [" 人民 路 "],
                             "investment_wan": ["待定"]})
    nodes = pd.DataFrame({"project_id": ["P1"], "name_zh": ["开工"], "due_date": ["2011.12"]})
    before = (projects.copy(), nodes.copy())
    ledger = Ledger(projects, nodes)
    ledger.update_node("P1-N1", on="2011-12-20", done="2011-12-19")
    pd.testing.assert_frame_equal(projects, before[0])
    pd.testing.assert_frame_equal(nodes, before[1])
    assert ledger.projects["name_zh"].tolist() == ["人民路"]
    outside = ledger.nodes
    outside.loc[0, "name_zh"] = "changed outside"
    assert ledger.nodes["name_zh"].tolist() == ["开工"]


def test_bad_tables_report_every_problem_at_once() -> None:
    projects = pd.DataFrame({"project_id": ["P1", "P1", None], "name_zh": ["甲", "乙", None],
                             "category": ["老城改造", "港口", None]})
    nodes = pd.DataFrame({"project_id": ["P1", "P9"], "name_zh": ["开工", "完工"],
                          "due_date": ["2011-13", "2011-12"], "node_id": ["N", "N"]})
    with pytest.raises(planning.InputError) as info:
        Ledger(projects, nodes)
    messages = [(p.source, p.column, p.message) for p in info.value.problems]
    assert len(messages) == 7, messages
    text = str(info.value)
    for part in ("ids must be unique", "project_id is blank", "the project has no name",
                 "unknown category", "month 13 does not exist",
                 "project is not in the projects table"):
        assert part in text
    with pytest.raises(planning.InputError, match="required column is missing"):
        Ledger(pd.DataFrame({"name_zh": ["甲"]}), nodes)


# --- periods ---------------------------------------------------------------------------------


def test_by_month(small: Ledger) -> None:
    months = small.by_period("M", start="2011-10", end="2011-12")
    assert months["period"].unique().tolist() == ["2011-10", "2011-11", "2011-12"]
    assert len(months) == 3 * 3
    nov = months[months["period"] == "2011-11"].set_index("project_id")
    assert nov.loc["P2", "nodes_due_in_period"] == 1
    assert nov.loc["P2", "nodes_done_on_time_in_period"] == 1
    assert nov.loc["P2", "status"] == "in_progress"  # as recorded: the ledger is the truth
    dec = months[months["period"] == "2011-12"].set_index("project_id")
    assert dec.loc["P1", "overdue_nodes"] == 1  # due 2011-12-10, judged on 2011-12-31
    assert dec.loc["P3", "nodes_due_in_period"] == 1
    assert (dec["period_end"] == TS("2011-12-31")).all()
    quarters = small.by_period("Q", start="2011-01-01", end="2011-12-31")
    assert quarters["period"].unique().tolist() == ["2011Q1", "2011Q2", "2011Q3", "2011Q4"]
    q2 = quarters[quarters["period"] == "2011Q2"].set_index("project_id")
    assert q2.loc["P2", "nodes_done_in_period"] == 1
    with pytest.raises(planning.InputError, match="freq must be"):
        small.by_period("W")  # type: ignore[arg-type]


def test_nodes_without_responsible_take_the_lead_department(small: Ledger) -> None:
    responsible = small.nodes.set_index("node_id")["responsible"]
    assert responsible["P1-N1"] == "县交通运输局"
    assert responsible["P3-N1"] == "县发展和改革委员会"
    assert small.nodes["due_date"].tolist()[1] == TS("2012-03-31")


# --- the briefing as documents ----------------------------------------------------------------


def test_briefing_html_is_escaped_and_complete(small: Ledger) -> None:
    small.update_project("P3", on="2011-12-01", name_zh='<script>alert("x")</script>公园')
    page = small.briefing(on="2011-12-21").to_html()
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page
    assert "<script>" not in page
    assert html.escape('<script>alert("x")</script>公园', quote=True) in page
    for text in ("逾期未完成的节点", "县交通运输局", "县城西环路", "立项批复", "2011-12-10",
                 "县发展和改革委员会（1个逾期节点）", "@page"):
        assert text in page, text


def test_briefing_markdown_needs_no_extra_package(small: Ledger) -> None:
    small.update_project("P1", on="2011-12-01", name_zh="西环路|一期")
    text = small.briefing(on="2011-12-21").to_markdown()
    assert text.startswith("# 推进城镇化工作领导小组办公室工作例会简报")
    assert "| P1 | 西环路\\|一期 | 立项批复 | 2011-12-10 | 11 | 城关镇 |" in text
    assert "| 项目总数 | 3 |" in text


def test_briefing_with_a_conformity_report(small: Ledger, tmp_path: Path) -> None:
    report = SimpleNamespace(projects=pd.DataFrame({
        "project_id": ["P1", "P2", "P3"], "verdict": ["conflict", "conforms", "conditional"],
        "reasons": [["占用基本农田 1.2 公顷"], [], "有条件建设区"],
    }))
    brief = small.briefing(on="2011-12-17", report=report)
    assert brief.conflicts is not None
    assert brief.conflicts["project_id"].tolist() == ["P1", "P3"]
    assert brief.conflicts["reasons"].tolist() == ["占用基本农田 1.2 公顷", "有条件建设区"]
    headline = brief.headline.set_index("item")["value"]
    assert headline["projects_conflict"] == 1
    assert headline["projects_conditional"] == 1
    assert "占用基本农田 1.2 公顷" in brief.to_html()
    path = brief.to_excel(tmp_path / "brief.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["总体情况", "投资按类别", "投资按乡镇", "已完成节点", "逾期按单位",
                               "逾期节点", "即将到期节点", "规划冲突项目", "红黄绿灯项目",
                               "单位红黄绿灯"]
    rows = list(book["逾期节点"].iter_rows(min_row=4, values_only=True))
    assert [(r[0], r[1], r[5]) for r in rows] == [("县交通运输局", "P1", 7)]
    with pytest.raises(TypeError, match=r"report must be a planning\.ConformityReport"):
        small.briefing(on="2011-12-17", report=object())  # type: ignore[arg-type]
    without_verdicts = SimpleNamespace(projects=pd.DataFrame({"project_id": ["P1"]}))
    with pytest.raises(planning.InputError, match="project_id, verdict and reasons"):
        small.briefing(on="2011-12-17", report=without_verdicts)


def test_write_briefing_by_suffix(sample_ro: planning.Workspace, tmp_path: Path) -> None:
    ledger = sample_ro.ledger
    html_path = write_briefing(ledger, on="2011-12-17", path=tmp_path / "brief.html")
    page = html_path.read_text(encoding="utf-8")
    brief = ledger.briefing(on="2011-12-17")
    for name in brief.overdue["project_name"]:
        assert html.escape(name) in page
    md = write_briefing(ledger, on="2011-12-17", path=tmp_path / "brief.md")
    assert md.read_text(encoding="utf-8") == brief.to_markdown()
    xlsx = write_briefing(ledger, on="2011-12-17", path=tmp_path / "brief.xlsx")
    assert "逾期节点" in openpyxl.load_workbook(xlsx).sheetnames
    workbook = ledger.to_excel(tmp_path / "ledger.xlsx", on="2011-12-17")
    from_file = write_briefing(workbook, on="2011-12-17", path=tmp_path / "from_file.md")
    assert from_file.read_text(encoding="utf-8") == md.read_text(encoding="utf-8")
    with pytest.raises(planning.InputError, match=r"use \.html, \.xlsx, \.md, \.pdf or \.docx"):
        write_briefing(ledger, on="2011-12-17", path=tmp_path / "brief.odt")
    with pytest.raises(planning.InputError, match="period_days"):
        ledger.briefing(on="2011-12-17", period_days=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "brief.html", "brief.md", "brief.xlsx", "from_file.md", "ledger.xlsx"]


def test_status_without_a_recorded_status() -> None:
    projects = pd.DataFrame({"project_id": ["P1"], "name_zh": ["甲"],
                             "start_date": ["2011-06-01"], "planned_completion": ["2011-12"]})
    nodes = pd.DataFrame({"project_id": ["P1", "P1"], "name_zh": ["立项", "竣工"],
                          "due_date": ["2011-05-15", "2011-11-30"],
                          "done_date": ["2011-05-10", "2011-11-28"]})
    ledger = Ledger(projects, nodes)
    status = {d: ledger.snapshot(on=d)["status"].item()
              for d in ("2011-05-01", "2011-05-20", "2011-07-01", "2011-11-29")}
    assert status == {"2011-05-01": "planned", "2011-05-20": "planned",
                      "2011-07-01": "in_progress", "2011-11-29": "completed"}
    ledger.update_project("P1", on="2011-12-01", status="停工")
    assert ledger.snapshot(on="2011-12-02")["status"].item() == "suspended"
    assert ledger.snapshot(on="2011-12-02")["status_recorded"].item() == "suspended"
    assert ledger.snapshot(on="2011-11-30")["status"].item() == "completed"


def test_projects_added_to_the_layer_after_saving_join_the_ledger(small: Ledger) -> None:
    small.update_node("P1-N1", on="2011-12-12", done="2011-12-11")
    layer = pd.concat([small.projects, pd.DataFrame({"project_id": ["P4"],
                                                     "name_zh": ["县第二水厂"]})])
    again = Ledger.from_tables(layer, small.to_tables())
    assert again.projects["project_id"].tolist() == ["P1", "P2", "P3", "P4"]
    history = again.projects_history
    assert pd.isna(history.loc[history["project_id"] == "P4", "as_of"]).all()
    assert history["revision"].is_unique
    assert len(again.nodes_history) == len(small.nodes_history)


def test_briefing_lists_the_conformity_conflicts_of_the_sample(
        sample_ro: planning.Workspace) -> None:
    report = planning.check_conformity(sample_ro)
    brief = sample_ro.ledger.briefing(on=MEETING, report=report)
    verdicts = report.projects.set_index("project_id")["verdict"]
    flagged = verdicts[verdicts.isin(["conflict", "conditional"])]
    assert brief.conflicts is not None
    assert sorted(brief.conflicts["project_id"]) == sorted(flagged.index)
    assert (brief.conflicts["verdict"] == flagged[brief.conflicts["project_id"]].to_numpy()).all()
    chinese = report.projects.set_index("project_id")["reasons_zh"]
    first = brief.conflicts.iloc[0]
    assert first["reasons"] == chinese[first["project_id"]]
    headline = brief.headline.set_index("item")["value"]
    assert headline["projects_conflict"] == (verdicts == "conflict").sum()
    page = brief.to_html()
    assert "五、与规划冲突或有条件符合的项目" in page
    # the section gives one line per project; every conflict and condition is in the appendix
    reasons = report.reasons[(report.reasons["project_id"] == first["project_id"])
                             & report.reasons["counted"]]
    flagged = reasons[reasons["verdict"] != "conforms"]
    assert first["reasons_flagged"].splitlines()[:-1] == list(flagged["detail_zh"])
    assert first["reasons_flagged"].splitlines()[-1] == (
        f"另有{int((reasons['verdict'] == 'conforms').sum())}项符合。")
    top = flagged[flagged["verdict"] == first["verdict"]].sort_values(
        "area_mu", ascending=False, kind="stable").iloc[0]
    assert first["main_reason"] == top["detail_zh"]
    assert first["main_area_mu"] == pytest.approx(top["area_mu"])
    assert "附件：冲突与有条件符合项目的审查原因" in page
    for clause in flagged["detail_zh"]:
        assert html.escape(clause) in page
