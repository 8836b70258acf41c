"""Assessment of the responsible units: the documented rule, checked by hand."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from matplotlib import font_manager

import planning
from planning import assessment
from planning.ledger import Ledger
from tests.conftest import need_tool

A, B, C, D, E, F = "县住房和城乡建设局", "城关镇", "县水利局", "打渔陈镇", "县审计局", "后方乡"


@pytest.fixture
def ledger() -> Ledger:
    """Nodes whose December 2011 scores are worked out by hand in the tests."""
    projects = pd.DataFrame({"project_id": ["P1", "P2", "P3", "P4"],
                             "name_zh": ["人民路改造", "城郊社区", "第二水厂", "集贸市场"],
                             "lead_department": [A, B, C, D]})
    nodes = pd.DataFrame({
        "project_id": ["P1", "P1", "P1", "P2", "P2", "P3", "P4"],
        "name_zh": ["立项", "选址", "开工", "立项", "开工", "立项", "开工"],
        "due_date": ["2011-12-05", "2011-12-10", "2011-12-20", "2011-11-20", "2011-12-15",
                     "2011-11-10", "2011-10-01"],
        "done_date": ["2011-12-04", "2011-12-15", None, "2011-12-06", "2011-12-15",
                      "2011-11-09", None],
    })
    departments = pd.DataFrame({"unit_id": ["D02", "T01", "D06", "T04", "D19", "T07"],
                                "name_zh": [A, B, C, D, E, F],
                                "kind": ["department", "township", "department", "township",
                                         "department", "township"]})
    return Ledger(projects, nodes, departments=departments)


@pytest.fixture
def inspections() -> pd.DataFrame:
    return pd.DataFrame({"unit": [A, B, C, E], "score": [90.0, float("nan"), 80.0, 70.0],
                         "n_inspections": [4, 0, 2, 1]})


def test_scores_follow_the_documented_rule(ledger: Ledger, inspections: pd.DataFrame) -> None:
    result = assessment.rank(ledger, period="2011-12", inspections=inspections)
    table = result.table.set_index("unit")
    # A: on time 12-05; late 12-10 -> 12-15 (5 days); 12-20 open until 12-31 (11 days)
    assert table.loc[A, ["nodes", "nodes_on_time", "nodes_done_late", "nodes_open",
                         "days_overdue"]].tolist() == [3, 1, 1, 1, 16]
    assert table.loc[A, "node_score"] == pytest.approx(100 * 1.5 / 3)
    assert table.loc[A, "timeliness_score"] == pytest.approx(100 * (1 - 16 / 3 / 30))
    assert table.loc[A, "total"] == pytest.approx(0.5 * 50 + 0.2 * (100 - 16 / 0.9) + 0.3 * 90)
    # B: carried over from 11-20, done 12-06 (5 days inside December); 12-15 on time
    assert table.loc[B, ["nodes", "nodes_done_late", "days_overdue"]].tolist() == [2, 1, 5]
    assert table.loc[B, "total"] == pytest.approx((0.5 * 75 + 0.2 * (100 - 250 / 30)) / 0.7)
    # C: its only node was done in November: sanitation alone, listed but not ranked
    assert table.loc[C, "nodes"] == 0
    assert table.loc[C, "total"] == pytest.approx(80)
    assert not table.loc[C, "ranked"]
    assert table.loc[C, "note"] == "无考核节点，仅有卫生得分，未排名"
    # D: carried over from October, still open: every December day counts
    assert table.loc[D, ["days_overdue", "node_score", "timeliness_score", "total"]].tolist() \
        == [30, 0, 0, 0]
    assert table.loc[E, "total"] == pytest.approx(70)
    assert not table.loc[F, "ranked"]
    assert pd.isna(table.loc[F, "rank"])
    assert table.loc[F, "kind"] == "township"
    assert result.table["unit"].tolist() == [B, A, D, C, E, F]
    assert result.table["rank"].tolist()[:3] == [1, 2, 3]
    assert result.table["rank"].iloc[3:].isna().all()
    # the documented option ranks units on sanitation alone
    every = assessment.rank(ledger, period="2011-12", inspections=inspections,
                            rank_without_nodes=True)
    assert every.table["unit"].tolist() == [C, B, E, A, D, F]
    assert every.table["rank"].tolist()[:5] == [1, 2, 3, 4, 5]
    assert every.reward["unit"].tolist() == [C, B, E]


def test_reward_and_accountability_lists(ledger: Ledger, inspections: pd.DataFrame) -> None:
    result = assessment.rank(ledger, period="2011-12", inspections=inspections)
    assert result.reward["unit"].tolist() == [B]  # C and E have no node: not rewarded
    assert result.accountable["unit"].tolist() == [A, D]
    reasons = result.accountable.set_index("unit")["reason"]
    assert reasons[A] == "排名后3位；1个节点逾期未完成"
    assert reasons[D] == "总分低于60分；排名后3位；1个节点逾期未完成"
    strict = assessment.rank(ledger, period="2011-12", inspections=inspections, top=1,
                             bottom=1, pass_mark=75, rank_without_nodes=True)
    assert strict.reward["unit"].tolist() == [C]
    assert strict.accountable["unit"].tolist() == [E, A, D]


def test_no_reward_while_a_node_is_overdue(ledger: Ledger) -> None:
    result = assessment.rank(ledger, period="2011-12", weights={"nodes": 1})
    table = result.table.set_index("unit")
    assert table.loc[B, "total"] == pytest.approx(75)
    assert table.loc[A, "total"] == pytest.approx(50)
    assert not table.loc[C, "ranked"]
    assert result.reward["unit"].tolist() == [B]  # A has an overdue node, D too
    assert result.weights == {"nodes": 1.0, "timeliness": 0.0, "sanitation": 0.0,
                              "returns": 0.0}


def test_judged_on_a_meeting_day(ledger: Ledger) -> None:
    result = assessment.rank(ledger, period="2011-12", on="2011-12-12")
    table = result.table.set_index("unit")
    # A: 12-05 on time, 12-10 still open on 12-12 (2 days); 12-20 not due yet
    assert table.loc[A, ["nodes", "nodes_open", "days_overdue", "nodes_overdue_now"]].tolist() \
        == [2, 1, 2, 1]
    assert result.on == pd.Timestamp("2011-12-12")
    with pytest.raises(planning.InputError, match="before the period starts"):
        assessment.rank(ledger, period="2011-12", on="2011-11-30")


@pytest.mark.parametrize("period", ["2011年12月", "2011.12", ("2011-12-01", "2011-12-31"),
                                    pd.Period("2011-12", freq="M")])
def test_periods_and_on_as_bureaus_write_them(ledger: Ledger, period: object) -> None:
    expected = assessment.rank(ledger, period="2011-12")
    result = assessment.rank(ledger, period=period)
    pd.testing.assert_frame_equal(result.table, expected.table)
    assert (result.start, result.end, result.on) == (pd.Timestamp("2011-12-01"),
                                                     pd.Timestamp("2011-12-31"),
                                                     pd.Timestamp("2011-12-31"))
    # on= a month is the state as of its last day, as everywhere
    assert assessment.rank(ledger, period="2011年第四季度", on="2011年12月").on == expected.on
    assert assessment.rank(ledger, period="2011Q4", on="2011-12-12").start == pd.Timestamp(
        "2011-10-01")
    with pytest.raises(planning.InputError, match=r"period is blank"):
        assessment.rank(ledger, period=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("weights", "message"),
    [({"speed": 1}, "unknown weight"), ({"nodes": -1}, "0 or more"),
     ({"nodes": 0, "sanitation": 0}, "not all 0")],
)
def test_bad_weights(ledger: Ledger, weights: dict[str, float], message: str) -> None:
    with pytest.raises(planning.InputError, match=message):
        assessment.rank(ledger, period="2011-12", weights=weights)


@pytest.mark.parametrize(
    ("table", "message"),
    [(pd.DataFrame({"department": [A], "score": [1.0]}), "unit_scores"),
     (pd.DataFrame({"unit": [A], "score": [120.0]}), "0-100"),
     (pd.DataFrame({"unit": [A, A], "score": [1.0, 2.0]}), "listed twice")],
)
def test_bad_inspection_scores(ledger: Ledger, table: pd.DataFrame, message: str) -> None:
    with pytest.raises(planning.InputError, match=message):
        assessment.rank(ledger, period="2011-12", inspections=table)


def test_sample_with_sanitation_scores(sample_ro: planning.Workspace) -> None:
    from planning import sanitation

    scores = sanitation.unit_scores(sample_ro["inspections"], sample_ro["sanitation_zones"],
                                    period="2011-12")
    result = assessment.rank(sample_ro.ledger, period="2011Q4", on="2011-12-17",
                             inspections=scores)
    table = result.table
    assert set(sample_ro["departments"]["name_zh"]) <= set(table["unit"])
    ranked = table[table["ranked"]]
    assert ranked["total"].between(0, 100).all()
    assert ranked["total"].is_monotonic_decreasing
    assert not set(result.reward["unit"]) & set(result.accountable["unit"])
    assert (result.reward["nodes_overdue_now"] == 0).all()
    states = sample_ro.ledger.node_states(on="2011-12-17")
    overdue = states[states["state"] == "overdue"].groupby("responsible").size()
    now = table.set_index("unit")["nodes_overdue_now"]
    assert now[now > 0].to_dict() == overdue.to_dict()
    inspected = scores.dropna(subset=["score"]).set_index("unit")["score"]
    got = table.set_index("unit")["sanitation_score"]
    assert got[inspected.index].tolist() == pytest.approx(inspected.tolist())


def test_chart_draws_chinese_names(ledger: Ledger, inspections: pd.DataFrame,
                                   tmp_path: Path) -> None:
    font = assessment.cjk_font()
    need_tool(font is not None, "a CJK font (fonts-wqy-microhei)")
    result = assessment.rank(ledger, period="2011-12", inspections=inspections)
    fig = result.chart(tmp_path / "ranking.png")
    left = fig.axes[0]
    labels = [t.get_text() for t in left.get_yticklabels()]
    assert labels == result.table["unit"].tolist()[::-1]
    path = font_manager.findfont(left.get_yticklabels()[0].get_fontproperties(),
                                 fallback_to_default=False)
    assert font in {f.name for f in font_manager.fontManager.ttflist if f.fname == path}
    # a glyph missing from the font would warn, and warnings are errors in this suite
    fig.savefig(io.BytesIO(), format="png")
    assert (tmp_path / "ranking.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "考核得分" in left.get_title()
    assert [t.get_text() for t in fig.axes[1].get_legend().get_texts()] == [
        "按期完成", "逾期完成", "未完成"]


def test_assessment_workbook(ledger: Ledger, inspections: pd.DataFrame, tmp_path: Path) -> None:
    result = assessment.rank(ledger, period="2011-12", inspections=inspections)
    book = openpyxl.load_workbook(result.to_excel(tmp_path / "考核.xlsx"))
    assert book.sheetnames == ["排名", "奖励", "问责"]
    rows = list(book["排名"].iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in rows] == result.table["unit"].tolist()
    accountable = list(book["问责"].iter_rows(min_row=3, values_only=True))
    assert [r[-1] for r in accountable] == result.accountable["reason"].tolist()


def test_days_overdue_both_definitions_named(sample_ro: planning.Workspace,
                                             tmp_path: Path) -> None:
    """The assessment counts days inside the period; the briefing from the due date. The
    table carries both, and the briefing's figure equals days_overdue_total for open nodes."""
    result = assessment.rank(sample_ro.ledger, period="2011Q4", on="2011-12-17")
    brief = sample_ro.ledger.briefing(on="2011-12-17")
    table = result.table.set_index("unit")
    open_nodes = brief.overdue.groupby("responsible")["days_overdue"].sum()
    period_nodes = sample_ro.ledger.node_states(on="2011-12-17")
    for unit, days in open_nodes.items():
        own = period_nodes[period_nodes["responsible"] == unit]
        if own["done_date"].notna().any():
            continue  # units with nodes done late add those days too
        assert table.loc[unit, "days_overdue_total"] == days
        assert table.loc[unit, "days_overdue"] <= days
    assert (table["days_overdue_total"] >= table["days_overdue"]).all()
    out = result.to_excel(tmp_path / "a.xlsx")
    sheet = openpyxl.load_workbook(out)["排名"]
    headers = [c.value for c in sheet[2]]
    assert "期内逾期天数" in headers
    assert "逾期天数（自时限起）" in headers
    kinds = {sheet.cell(r, headers.index("类型") + 1).value for r in range(3, sheet.max_row + 1)}
    assert kinds <= {"乡镇", "县直部门"}
    total = headers.index("总分") + 1
    assert sheet.cell(3, total).number_format == "0.0"
    assert sheet.column_dimensions["B"].width == 24
