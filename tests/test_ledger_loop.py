"""The ledger round trip with the responsible units: fill-in workbooks, returns, lights.

The sample ledger sends a workbook to every unit; the units' returns are generated the way a
unit fills one in (openpyxl edits the cells a person would type into), with planted faults;
the merge is checked against an independent computation, and the progress lights against an
independent reading of the rule table.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import planning
from planning.ledger import Ledger

TS = pd.Timestamp
SENT = TS("2011-12-17")
DEADLINE = TS("2011-12-24")
MERGED = TS("2011-12-27")
RULE = Path(planning.__file__).parent / "data" / "progress_lights.csv"
LOCKED = ["序号", "项目编号", "项目名称", "计划开工时间", "节点编号", "节点内容", "完成时限",
          "责任单位"]
OPEN = ["实际完成时间", "推进状态", "完成进度（%）", "进展情况", "存在问题"]


# --- generating the units' returns --------------------------------------------------------


def _rows(ws: openpyxl.worksheet.worksheet.Worksheet) -> tuple[dict[str, int], dict[str, int]]:
    header = {c.value: c.column for c in ws[3] if c.value}
    rows = {ws.cell(r, header["节点编号"]).value: r for r in range(4, ws.max_row + 1)
            if ws.cell(r, header["节点编号"]).value}
    return header, rows


def fill(sent: Path, out: Path, edits: dict[str, dict[str, object]], *,
         unit: str | None = None, extra: list[dict[str, object]] | None = None) -> Path:
    """What a unit does in Excel: type into cells of its workbook, save it under a name."""
    book = openpyxl.load_workbook(sent)
    ws = book["节点填报"]
    header, rows = _rows(ws)
    for node_id, values in edits.items():
        for head, value in values.items():
            ws.cell(rows[node_id], header[head]).value = value
    for values in extra or []:
        row = ws.max_row + 1
        for head, value in values.items():
            ws.cell(row, header[head]).value = value
    if unit is not None:
        ws.cell(2, 2).value = unit
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


@dataclass
class RoundTrip:
    ledger: Ledger
    before: Ledger
    send: planning.ledger.FillInSend
    files: dict[Path, str]
    expected_done: dict[str, pd.Timestamp]
    expected_pct: dict[str, float]
    planted: dict[str, tuple[str, str, int | None]]
    result: planning.ledger.MergeResult


def _unit_plan(nodes: pd.DataFrame) -> tuple[dict[str, dict[str, object]], dict[str, TS],
                                              dict[str, float]]:
    """A correct return: overdue nodes done on 2011-12-20, the others 20 % and a note."""
    edits: dict[str, dict[str, object]] = {}
    done: dict[str, TS] = {}
    pct: dict[str, float] = {}
    for node in nodes.to_dict("records"):
        if node["state"] == "overdue":
            edits[node["node_id"]] = {"实际完成时间": dt.datetime(2011, 12, 20),
                                      "推进状态": "已完成", "完成进度（%）": 100}
            done[node["node_id"]] = TS("2011-12-20")
            pct[node["node_id"]] = 100.0
        else:
            edits[node["node_id"]] = {"完成进度（%）": 20, "进展情况": "前期手续办理中",
                                      "推进状态": "推进中"}
            pct[node["node_id"]] = 20.0
    return edits, done, pct


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    root = tmp_path_factory.mktemp("loop")
    ledger = planning.load_sample().ledger
    send = ledger.fill_in_workbooks(root / "sent", on=SENT)
    before = Ledger.from_tables(planning.load_sample()["projects"], ledger.to_tables())
    nodes = ledger.node_states(on=SENT)
    paths = send.workbooks.set_index("unit")["path"]
    back = root / "back"
    files: dict[Path, str] = {}
    done: dict[str, TS] = {}
    pct: dict[str, float] = {}
    planted: dict[str, tuple[str, str, int | None]] = {}
    late = {"马楼镇": "2011-12-26", "县教育局": "2011-12-27"}
    for unit, path in paths.items():
        own = nodes[(nodes["responsible"] == unit) & ~nodes["state"].isin(["done", "done_late"])]
        edits, unit_done, unit_pct = _unit_plan(own)
        received = late.get(unit, "2011-12-22")
        name = back / Path(path).name
        if unit == "打渔陈镇":
            continue  # never returned
        if unit == "孙口乡":  # filled in by the wrong unit: nothing merged
            files[fill(path, name, edits, unit="吴坝镇")] = received
            planted["wrong_unit"] = ("孙口乡", "wrong_unit", 2)
            continue
        if unit == "侯庙镇":  # a locked cell edited: that row is not merged
            target = own["node_id"].iloc[0]
            edits[target]["完成时限"] = dt.datetime(2012, 6, 30)
            unit_done.pop(target, None)
            unit_pct.pop(target, None)
            planted["locked_edit"] = ("侯庙镇", "locked_edit", _row_of(path, target))
        extra = None
        if unit == "县水利局":  # a node the ledger does not have
            extra = [{"项目编号": "TQ-018", "节点编号": "TQ-018-N9", "节点内容": "补充节点",
                      "完成进度（%）": 50}]
            planted["unknown_node"] = ("县水利局", "unknown_node", 4 + len(own))
        files[fill(path, name, edits, extra=extra)] = received
        if unit == "县卫生局":  # the same return twice
            copy = back / f"再次报送_{Path(path).name}"
            shutil.copy(name, copy)
            files[copy] = "2011-12-23"
            planted["duplicate_return"] = ("县卫生局", "duplicate_return", None)
        if unit in late:
            planted[f"late_{unit}"] = (unit, "late_return", None)
        done.update(unit_done)
        pct.update(unit_pct)
    result = ledger.merge_returns(files, on=MERGED)
    return RoundTrip(ledger, before, send, files, done, pct, planted, result)


def _row_of(path: Path, node_id: str) -> int:
    return _rows(openpyxl.load_workbook(path)["节点填报"])[1][node_id]


# --- the round trip ---------------------------------------------------------------------


def test_every_unit_gets_its_own_nodes(trip: RoundTrip) -> None:
    nodes = trip.before.node_states(on=SENT)
    open_nodes = nodes[~nodes["state"].isin(["done", "done_late"])]
    expected = open_nodes.groupby("responsible").size()
    got = trip.send.workbooks.set_index("unit")["nodes"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    for unit, path in trip.send.workbooks.set_index("unit")["path"].items():
        ws = openpyxl.load_workbook(path)["节点填报"]
        header, rows = _rows(ws)
        ids = set(open_nodes.loc[open_nodes["responsible"] == unit, "node_id"])
        assert set(rows) == ids
        assert {ws.cell(r, header["责任单位"]).value for r in rows.values()} == {unit}
        assert unit in ws["A1"].value
        assert "2011年12月17日" in ws["A1"].value
        assert ws.cell(2, 2).value == unit
        assert Path(path).name == f"20111217_{unit}_台账填报.xlsx"


def test_the_merge_equals_an_independent_computation(trip: RoundTrip) -> None:
    nodes = planning.load_sample().tables["time_nodes"].set_index("node_id")
    for node_id, day in trip.expected_done.items():
        nodes.loc[node_id, "done_date"] = day
    projects = planning.load_sample()["projects"]
    oracle = Ledger(projects, nodes.reset_index())
    got = trip.ledger.snapshot(on=MERGED)
    want = oracle.snapshot(on=MERGED)
    columns = ["project_id", "status", "nodes_total", "nodes_done", "nodes_done_late",
               "overdue_nodes", "max_days_overdue", "share_done", "next_node_id", "next_due"]
    pd.testing.assert_frame_equal(got[columns], want[columns])
    reports = trip.ledger.node_reports(on=MERGED).set_index("node_id")["progress_pct"]
    assert reports.dropna().to_dict() == trip.expected_pct
    # one revision, dated the day of the merge, holds every change
    history = trip.ledger.nodes_history
    new = history[history["revision"] > trip.before.nodes_history["revision"].max()]
    assert new["revision"].nunique() == 1
    assert set(new["as_of"]) == {MERGED}
    assert int(new["revision"].iloc[0]) == trip.result.revision
    assert set(new["node_id"]) == set(trip.expected_pct)
    # the state before the merge is still there
    pd.testing.assert_frame_equal(trip.ledger.snapshot(on="2011-12-26"),
                                  trip.before.snapshot(on="2011-12-26"))


def test_the_problems_name_each_planted_fault(trip: RoundTrip) -> None:
    problems = trip.result.problems
    for unit, code, row in trip.planted.values():
        hit = problems[(problems["unit"] == unit) & (problems["code"] == code)]
        assert len(hit) >= 1, (unit, code)
        if row is not None:
            assert row in set(hit["row"]), (unit, code, row, hit)
    # nothing else went wrong: every error is a planted one
    errors = trip.result.errors
    planted = {(u, c) for u, c, _ in trip.planted.values()}
    assert {(u, c) for u, c in zip(errors["unit"], errors["code"], strict=True)} <= planted
    files = trip.result.returns.set_index("source")
    assert files.loc["20111217_孙口乡_台账填报.xlsx", "status"] == "rejected"
    assert files.loc["再次报送_20111217_县卫生局_台账填报.xlsx", "status"] == "duplicate"


def test_the_meeting_table_says_who_was_late(trip: RoundTrip) -> None:
    meeting = trip.result.meeting.set_index("unit")
    assert meeting.loc["打渔陈镇", "status"] == "missing"
    assert meeting.loc["孙口乡", "status"] == "missing"  # its only return was refused
    assert meeting.loc["马楼镇", "status"] == "late"
    assert meeting.loc["马楼镇", "days_late"] == 2
    assert meeting.loc["县教育局", "status"] == "late"
    assert meeting.loc["县交通运输局", "status"] == "on_time"
    assert set(meeting.index) == set(trip.send.workbooks["unit"])
    status = trip.ledger.returns_status(on=MERGED).set_index("unit")["status"]
    assert status.value_counts().to_dict() == {"on_time": 12, "late": 2, "missing": 2}


def test_a_second_merge_changes_nothing(trip: RoundTrip) -> None:
    tables = {k: v.copy() for k, v in trip.ledger.to_tables().items()}
    again = trip.ledger.merge_returns(trip.files, on=MERGED)
    assert again.revision is None
    assert again.changes.empty
    # a rejected return is checked again (it can be merged once its cause is fixed)
    assert again.problems["code"].tolist() == ["wrong_unit"]
    assert again.returns["status"].value_counts().to_dict() == {"already_merged": 15,
                                                                "rejected": 1}
    for name, table in trip.ledger.to_tables().items():
        pd.testing.assert_frame_equal(table, tables[name])
    some = dict(list(trip.files.items())[:3])
    later = trip.ledger.merge_returns(some, on="2012-01-06")  # also on another day
    assert later.changes.empty
    assert set(later.returns["status"]) <= {"already_merged", "rejected"}
    assert set(later.problems["code"]) <= {"wrong_unit"}
    pd.testing.assert_frame_equal(trip.ledger.nodes_history,
                                  tables["ledger_nodes_history"].sort_values(
                                      ["as_of", "revision"], na_position="first",
                                      kind="stable").reset_index(drop=True))


def test_the_history_survives_a_workspace_round_trip(trip: RoundTrip, tmp_path: Path) -> None:
    ws = planning.load_sample()
    for name, table in trip.ledger.to_tables().items():
        ws.add_table(name, table)
    ws.save(tmp_path / "ws")  # a folder: the tables as CSV, the hardest store for types
    reopened = planning.open_workspace(tmp_path / "ws").ledger
    pd.testing.assert_frame_equal(reopened.returns_status(on=MERGED),
                                  trip.ledger.returns_status(on=MERGED), check_dtype=False)
    got = reopened.node_reports(on=MERGED).set_index("node_id")
    want = trip.ledger.node_reports(on=MERGED).set_index("node_id")
    pd.testing.assert_series_equal(got["progress_pct"], want["progress_pct"],
                                   check_index_type=False)
    assert (got["progress"].fillna("") == want["progress"].fillna("")).all()


# --- the workbooks themselves -------------------------------------------------------------


def test_fill_in_workbooks_carry_validations_and_locked_columns(trip: RoundTrip) -> None:
    for path, nodes in zip(trip.send.workbooks["path"], trip.send.workbooks["nodes"],
                           strict=True):
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == ["节点填报", "填报说明", "_planning"]
        assert book["_planning"].sheet_state == "veryHidden"
        ws = book["节点填报"]
        assert ws.protection.sheet
        header, rows = _rows(ws)
        assert len(rows) == nodes
        last = 3 + nodes
        for name in LOCKED:
            assert all(ws.cell(r, header[name]).protection.locked for r in range(4, last + 1))
        for name in OPEN:
            assert not any(ws.cell(r, header[name]).protection.locked
                           for r in range(4, last + 1)), name
        rules = {}
        for dv in ws.data_validations.dataValidation:
            for ref in str(dv.sqref).split():
                rules[ref] = dv
        letter = openpyxl.utils.get_column_letter
        date = rules[f"{letter(header['实际完成时间'])}4:{letter(header['实际完成时间'])}{last}"]
        assert date.type == "date"
        assert date.operator == "between"
        state = rules[f"{letter(header['推进状态'])}4:{letter(header['推进状态'])}{last}"]
        assert state.type == "list"
        assert state.formula1 == '"未开始,推进中,已完成,受阻"'
        pct = rules[f"{letter(header['完成进度（%）'])}4:{letter(header['完成进度（%）'])}{last}"]
        assert (pct.type, pct.operator, pct.formula1, pct.formula2) == (
            "decimal", "between", "0", "100")
        assert "H2" in rules
        assert rules["H2"].type == "date"
        meta = {r[0].value: r[1].value for r in book["_planning"].iter_rows(max_row=9)}
        assert meta["send_id"] == "TB20111217"
        assert meta["as_of"] == "2011-12-17"
        assert meta["unit"] == ws.cell(2, 2).value


def test_fill_in_text_is_never_a_formula_and_names_are_safe(tmp_path: Path) -> None:
    projects = pd.DataFrame({"project_id": ["P1"], "name_zh": ['=HYPERLINK("http://x","y")'],
                             "start_date": ["2011-06-01"], "planned_completion": ["2012-12"]})
    nodes = pd.DataFrame({"project_id": ["P1", "P1"], "name_zh": ["+1+2", "@SUM(A1)"],
                          "due_date": ["2012-01-31", "2012-06-30"],
                          "responsible": ['县/局:*?"<>|', "-2+3"]})
    ledger = Ledger(projects, nodes)
    send = ledger.fill_in_workbooks(tmp_path, on="2011-12-17")
    names = sorted(Path(p).name for p in send.paths)
    assert names == ["20111217_-2+3_台账填报.xlsx", "20111217_县_局_台账填报.xlsx"]
    for path in send.paths:
        cells = [c for row in openpyxl.load_workbook(path)["节点填报"].iter_rows() for c in row
                 if isinstance(c.value, str)]
        formula_like = [c for c in cells if c.value.startswith(("=", "+", "-", "@"))]
        assert formula_like
        assert all(c.data_type == "s" and c.quotePrefix for c in formula_like)
    merged = ledger.merge_returns(dict.fromkeys(send.paths, "2011-12-20"), on="2011-12-20")
    assert merged.problems.empty
    assert merged.changes.empty


def test_a_retyped_reordered_return_reads_by_header_and_id(tmp_path: Path) -> None:
    ledger = planning.load_sample().ledger
    ledger.fill_in_workbooks(tmp_path / "sent", on=SENT, units=["县水利局"])
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["县水利局重点项目时间节点填报表（截至2011年12月17日）"])
    ws.append(["填报单位", "县水利局"])
    ws.append(["完成进度(%)", "节点编号", "进展情况", "实际完成时间", "节点内容"])
    ws.append(["45%", "TQ-018-N4", "管网铺设", None, "主体工程完工"])
    ws.append([100, "TQ-025-N3", "已开工", "2011.12.10", "开工建设"])
    path = tmp_path / "retyped.xlsx"
    book.save(path)
    result = ledger.merge_returns({path: "2011-12-22"}, on=MERGED)
    assert result.errors.empty
    assert result.returns["kind"].tolist() == ["fill_in"]
    assert result.returns["send_id"].tolist() == ["TB20111217"]
    got = {(n, f): v for n, f, v in zip(result.changes["node_id"], result.changes["field"],
                                         result.changes["new"], strict=True)}
    assert got == {("TQ-018-N4", "progress_pct"): "45", ("TQ-018-N4", "progress"): "管网铺设",
                   ("TQ-025-N3", "progress_pct"): "100", ("TQ-025-N3", "progress"): "已开工",
                   ("TQ-025-N3", "done_date"): "2011-12-10"}
    assert ledger.returns_status(on=MERGED).set_index("unit").loc["县水利局", "status"] == \
        "on_time"


def test_node_sheets_and_bureau_ledgers_merge_the_same_way(tmp_path: Path) -> None:
    ledger = planning.load_sample().ledger
    nodes_csv = tmp_path / "节点表.csv"
    nodes_csv.write_text("节点编号,节点内容,完成情况,责任单位\nTQ-026-N1,立项批复,2011-12-12,县教育局\n"
                         "TQ-026-N2,规划选址与用地预审,未完成,县教育局\n", encoding="utf-8")
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["城乡建设重点工作台账（截至2011年12月20日）"])
    ws.append(["序号", "项目编号", "项目名称", "牵头单位", "节点内容", "完成时限", "完成情况"])
    ws.append([1, "TQ-024", "县城生活垃圾处理场", "县城市管理局", "立项批复", "2011-12-01",
               "2011年12月19日"])
    ws.append([None, None, None, None, "规划选址与用地预审", "2011-12-31", "未完成"])
    ws.append([2, "TQ-019", "夹河乡新型农村社区", "夹河乡", "立项批复", "2011-12-15",
               "2011-12-16"])
    ws.append([3, "TQ-088", "新项目", "县水利局", "立项批复", "2012-01-01", None])
    for column in (1, 2, 3, 4):
        ws.merge_cells(start_row=3, start_column=column, end_row=4, end_column=column)
    monthly = tmp_path / "2011年12月台账.xlsx"
    book.save(monthly)
    result = ledger.merge_returns({nodes_csv: "2011-12-20", monthly: "2011-12-21"},
                                  on="2011-12-21")
    assert result.returns.set_index("source")["kind"].to_dict() == {
        "节点表.csv": "node_sheet", "2011年12月台账.xlsx": "ledger"}
    assert sorted(zip(result.changes["node_id"], result.changes["new"], strict=True)) == [
        ("TQ-019-N1", "2011-12-16"), ("TQ-024-N1", "2011-12-19"), ("TQ-026-N1", "2011-12-12")]
    problems = result.problems.set_index("code")
    assert problems.loc["unknown_node", "row"] == 6
    assert problems.loc["unknown_node", "value"] == "TQ-088 立项批复"
    assert problems.loc["office_field_differs", "column"] == "完成时限"  # 12-15, not 12-06
    states = ledger.node_states(on="2011-12-21").set_index("node_id")["state"]
    assert states["TQ-024-N1"] == "done_late"
    assert states["TQ-026-N1"] == "done"


def test_dates_a_return_cannot_hold(tmp_path: Path) -> None:
    ledger = planning.load_sample().ledger
    send = ledger.fill_in_workbooks(tmp_path / "sent", on=SENT, units=["县城市管理局"])
    path = fill(send.paths[0], tmp_path / "back.xlsx", {
        "TQ-024-N1": {"实际完成时间": dt.datetime(2011, 12, 30)},   # after it came in
        "TQ-009-N4": {"实际完成时间": dt.datetime(2011, 10, 1)},    # before the start
        "TQ-009-N1": {"推进状态": "已完成"},                         # done, no date
        "TQ-009-N2": {"完成进度（%）": "一半"},                       # not a number
        "TQ-024-N2": {"完成进度（%）": 35}})
    result = ledger.merge_returns({path: "2011-12-22"}, on=MERGED)
    codes = result.problems.set_index("node_id")["code"].to_dict()
    assert codes["TQ-024-N1"] == "future_date"
    assert codes["TQ-009-N4"] == "before_start"
    assert codes["TQ-009-N1"] == "done_without_date"
    assert set(result.problems["code"]) >= {"unreadable_cell"}
    assert result.changes[["node_id", "field", "new"]].values.tolist() == [
        ["TQ-024-N2", "progress_pct", "35"]]


def test_two_different_returns_the_later_one_holds(tmp_path: Path) -> None:
    ledger = planning.load_sample().ledger
    send = ledger.fill_in_workbooks(tmp_path / "sent", on=SENT, units=["县教育局"])
    first = fill(send.paths[0], tmp_path / "a.xlsx", {"TQ-026-N1": {"完成进度（%）": 10}})
    second = fill(send.paths[0], tmp_path / "b.xlsx", {"TQ-026-N1": {"完成进度（%）": 30}})
    result = ledger.merge_returns({first: "2011-12-20", second: "2011-12-21"}, on=MERGED)
    assert result.returns.set_index("source")["status"].to_dict() == {
        "a.xlsx": "superseded", "b.xlsx": "accepted"}
    assert result.changes["new"].tolist() == ["30"]
    same_day = ledger.merge_returns({fill(send.paths[0], tmp_path / "c.xlsx", {
        "TQ-026-N1": {"完成进度（%）": 50}}): "2011-12-22", fill(send.paths[0],
        tmp_path / "d.xlsx", {"TQ-026-N1": {"完成进度（%）": 60}}): "2011-12-22"}, on=MERGED)
    assert set(same_day.returns["status"]) == {"rejected"}
    assert same_day.changes.empty


def test_merge_arguments_are_checked(tmp_path: Path) -> None:
    ledger = planning.load_sample().ledger
    with pytest.raises(planning.InputError, match="one or more"):
        ledger.merge_returns([], on=MERGED)
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(planning.InputError, match="after on="):
        ledger.merge_returns({path: "2012-01-01"}, on=MERGED)
    result = ledger.merge_returns({path: "2011-12-20"}, on=MERGED)
    assert result.problems["code"].tolist() == ["unreadable_file"]
    with pytest.raises(planning.InputError, match="did you mean 县水利局"):
        ledger.fill_in_workbooks(tmp_path, on=SENT, units=["县水力局"])


# --- progress lights ----------------------------------------------------------------------


def _rule() -> dict[str, str]:
    lines = [line for line in RULE.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    return {row["setting"]: row["value"] for row in csv.DictReader(lines)}


def _reports(history: pd.DataFrame, day: TS) -> dict[str, float]:
    """The percentage each node's unit had reported by ``day``, read from the history."""
    known = history[history["as_of"].isna() | (history["as_of"] <= day)]
    out: dict[str, float] = {}
    if "progress_pct" not in known:
        return out
    for node_id, records in known.groupby("node_id"):
        last = records.sort_values(["as_of", "revision"], na_position="first").iloc[-1]
        if pd.notna(last["progress_pct"]):
            out[str(node_id)] = float(last["progress_pct"])
    return out


def _light(rule: dict[str, str], ratio: float) -> str:
    if ratio < float(rule["red_below"]):
        return "red"
    return "yellow" if ratio < float(rule["yellow_below"]) else "green"


def _raw_lights(ledger: Ledger, at: TS, rule: dict[str, str]
                ) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """Node lights and projects' own lights on ``at``, before the yellows-in-a-row rule."""
    unreported = 0.0 if rule["unreported"] == "zero" else float("nan")
    nodes = ledger.node_states(on=at)
    projects = ledger.snapshot(on=at).set_index("project_id")
    reports = _reports(ledger.nodes_history, at)
    node_light: dict[str, str | None] = {}
    actual: dict[str, list[float]] = {}
    for pid, group in nodes.sort_values(["project_id", "seq"]).groupby("project_id"):
        previous = None
        for node in group.to_dict("records"):
            start = previous if previous is not None and pd.notna(previous) else (
                projects.loc[pid, "start_date"])
            due, done = node["due_date"], node["state"] in ("done", "done_late")
            previous = due
            pct = 1.0 if done else reports.get(node["node_id"], unreported * 100) / 100
            actual.setdefault(str(pid), []).append(0.0 if pd.isna(pct) else pct)
            if done:
                node_light[node["node_id"]] = "green"
            elif pd.isna(due):
                node_light[node["node_id"]] = None
            elif node["state"] == "overdue":
                node_light[node["node_id"]] = rule["overdue"]
            elif pd.isna(start) or start >= due or at <= start or pd.isna(pct):
                node_light[node["node_id"]] = "green"
            else:
                scheduled = min((at - start).days / (due - start).days, 1.0)
                node_light[node["node_id"]] = _light(rule, pct / scheduled)
    own: dict[str, str | None] = {}
    for pid, project in projects.iterrows():
        start, end, status = project["start_date"], project["planned_completion"], \
            project["status"]
        mine = actual.get(str(pid), [])
        progress = 1.0 if status == "completed" else (
            sum(mine) / len(mine) if mine else float("nan"))
        own[str(pid)] = None if status == "suspended" else "green"
        if status != "suspended" and pd.notna(start) and pd.notna(end) and end > start \
                and at > start and pd.notna(progress):
            scheduled = min((at - start).days / (end - start).days, 1.0)
            own[str(pid)] = _light(rule, progress / scheduled)
    return node_light, own


def _with_nodes(ledger: Ledger, day: TS, nodes: dict[str, str | None],
                own: dict[str, str | None]) -> dict[str, str | None]:
    """A project's light: the worst of its own and its nodes'."""
    order = {"red": 3, "yellow": 2, "green": 1}
    projects = ledger.node_states(on=day).set_index("node_id")["project_id"]
    out: dict[str, str | None] = {}
    for pid, light in own.items():
        mine = [nodes[n] for n, p in projects.items() if p == pid and nodes.get(n)]
        out[pid] = None if light is None else max([light, *mine], key=order.__getitem__)
    return out


def _streak(now: dict[str, str | None], before: list[dict[str, str | None]], n: int
            ) -> dict[str, str | None]:
    """``n`` yellows in a row (now and the meetings before) make a red light."""
    return {k: "red" if v == "yellow" and n and all(b.get(k) == "yellow" for b in before)
            else v for k, v in now.items()}


def oracle_lights(ledger: Ledger, day: TS, *, period_days: int = 10
                  ) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """The lights of every node and project, straight from the rule table and the tables."""
    rule = _rule()
    n = int(rule["yellows_to_red"])
    now_nodes, now_own = _raw_lights(ledger, day, rule)
    earlier = [_raw_lights(ledger, day - pd.Timedelta(days=period_days * k), rule)
               for k in range(1, n)]
    nodes = _streak(now_nodes, [e[0] for e in earlier], n)
    projects = _streak(_with_nodes(ledger, day, nodes, now_own),
                       [_with_nodes(ledger, day, e[0], e[1]) for e in earlier], n)
    return nodes, projects


def _lights_of(lights: planning.ledger.Lights) -> tuple[dict[str, object], dict[str, object]]:
    return (dict(zip(lights.nodes["node_id"], lights.nodes["light"], strict=True)),
            dict(zip(lights.projects["project_id"], lights.projects["light"], strict=True)))


def test_sample_lights_on_2011_12_17_equal_the_rule_table(sample_ro: planning.Workspace) -> None:
    lights = sample_ro.ledger.lights(on="2011-12-17")
    nodes, projects = oracle_lights(sample_ro.ledger, TS("2011-12-17"))
    assert _lights_of(lights) == (nodes, projects)
    assert lights.counts() == {k: sum(v == k for v in projects.values())
                               for k in ("red", "yellow", "green")}
    assert lights.counts()["red"] > 0
    units = lights.units.set_index("unit")
    overdue = sample_ro.ledger.node_states(on="2011-12-17").query("state == 'overdue'")
    assert units["red"][units["red"] > 0].to_dict() == overdue["responsible"].value_counts(
    ).to_dict()


@pytest.fixture(scope="module")
def reported(trip: RoundTrip) -> Iterator[Ledger]:
    """The merged ledger with one more return: slow nodes (yellow, then two in a row)."""
    ledger = Ledger.from_tables(planning.load_sample()["projects"], trip.ledger.to_tables())
    root = trip.send.folder.parent / "slow"
    send = ledger.fill_in_workbooks(root / "sent", on=MERGED, units=["县住房和城乡建设局"])
    path = fill(send.paths[0], root / "back.xlsx", {
        "TQ-004-N4": {"完成进度（%）": 27}, "TQ-023-N4": {"完成进度（%）": 15},
        "TQ-005-N4": {"完成进度（%）": 50}})
    ledger.merge_returns({path: MERGED}, on=MERGED)
    return ledger


@pytest.mark.parametrize("day", ["2011-12-27", "2012-01-06", "2012-01-16"])
def test_lights_from_the_history_equal_the_rule_table(reported: Ledger, day: str) -> None:
    lights = reported.lights(on=day)
    assert _lights_of(lights) == oracle_lights(reported, TS(day))
    light = lights.nodes.set_index("node_id")["light"]
    if day == "2011-12-27":
        assert light["TQ-004-N4"] == "yellow"
    if day == "2012-01-06":  # yellow on 12-27 and again: red
        assert lights.nodes.set_index("node_id").loc["TQ-004-N4", "raw_light"] == "yellow"
        assert light["TQ-004-N4"] == "red"


def test_a_bureau_edits_the_rule(tmp_path: Path, sample_ro: planning.Workspace) -> None:
    rule_file = tmp_path / "rule.csv"
    rule_file.write_text("setting,value\nred_below,0.5\nyellow_below,0.9\noverdue,yellow\n",
                         encoding="utf-8")
    rule = planning.ledger.ProgressRule.read(rule_file)
    assert (rule.red_below, rule.yellow_below, rule.overdue, rule.yellows_to_red) == (
        0.5, 0.9, "yellow", 2)
    lights = sample_ro.ledger.lights(on="2011-12-21", rule=rule)
    overdue = lights.nodes[lights.nodes["state"] == "overdue"].set_index("node_id")
    before = sample_ro.ledger.node_states(on="2011-12-11").set_index("node_id")["state"]
    again = before.reindex(overdue.index) == "overdue"  # yellow at the meeting before too
    assert again.any()
    assert not again.all()
    assert set(overdue.loc[~again, "light"]) == {"yellow"}
    assert set(overdue.loc[again, "light"]) == {"red"}  # two yellows in a row
    bad = tmp_path / "bad.csv"
    bad.write_text("setting,value\nred_below,0.9\nyellow_below,0.5\nshade,3\n", encoding="utf-8")
    with pytest.raises(planning.InputError, match="unknown setting"):
        planning.ledger.ProgressRule.read(bad)
    bad.write_text("setting,value\nred_below,0.9\nyellow_below,0.5\n", encoding="utf-8")
    with pytest.raises(planning.InputError, match="red_below <= yellow_below"):
        planning.ledger.ProgressRule.read(bad)


# --- the briefing, the map and the assessment ------------------------------------------------


def test_who_was_late_is_a_weighted_item_of_the_assessment(trip: RoundTrip) -> None:
    from planning import assessment

    result = assessment.rank(trip.ledger, period="2011-12", on=MERGED)
    table = result.table.set_index("unit")
    expected = {"on_time": 100.0, "late": 50.0, "missing": 0.0}
    status = trip.ledger.returns_status(on=MERGED).set_index("unit")["status"]
    for unit, state in status.items():
        row = table.loc[unit]
        assert row["returns_expected"] == 1
        assert row[f"returns_{state}"] == 1
        assert row["returns_score"] == expected[state]
    weights = assessment.DEFAULT_WEIGHTS
    assert weights["returns"] > 0
    assert sum(weights.values()) == pytest.approx(1)
    for unit, row in table.iterrows():
        parts = {"nodes": row["node_score"], "timeliness": row["timeliness_score"],
                 "sanitation": row["sanitation_score"], "returns": row["returns_score"]}
        shown = {k: v for k, v in parts.items() if pd.notna(v)}
        if not shown:
            continue
        want = sum(weights[k] * v for k, v in shown.items()) / sum(weights[k] for k in shown)
        assert row["total"] == pytest.approx(want), unit
    for _, row in result.accountable.iterrows():
        assert ("未报送" in row["reason"]) == bool(row["returns_missing"] or row["returns_late"])
    # without any send the ranking is the one of the three scores (weights 0.5, 0.2, 0.3)
    plain = assessment.rank(planning.load_sample().ledger, period="2011-12", on=MERGED)
    before = plain.table.set_index("unit")
    # 打渔陈镇 returned nothing: the same node scores as without the send, a lower total
    assert table.loc["打渔陈镇", "node_score"] == before.loc["打渔陈镇", "node_score"]
    assert table.loc["打渔陈镇", "total"] < before.loc["打渔陈镇", "total"]
    assert plain.table["returns_score"].isna().all()
    first = plain.table.dropna(subset=["node_score", "timeliness_score"]).iloc[0]
    assert first["total"] == pytest.approx(0.5 * first["node_score"] / 0.7
                                           + 0.2 * first["timeliness_score"] / 0.7)


def test_the_briefing_shows_the_lights(sample_ro: planning.Workspace) -> None:
    brief = sample_ro.ledger.briefing(on="2011-12-17")
    lights = sample_ro.ledger.lights(on="2011-12-17")
    assert brief.lights is not None
    flagged = lights.projects[lights.projects["light"].isin(["red", "yellow"])]
    headline = brief.headline.set_index("item")["value"]
    assert headline["projects_red"] == (flagged["light"] == "red").sum() > 0
    page = brief.to_html()
    section = page[page.index("进度红黄绿灯"):page.index("附表：投资分布")]
    for pid in lights.projects["project_id"]:
        assert (pid in section) == (pid in set(flagged["project_id"]))
    assert "红灯" in brief.to_markdown()


def test_the_meeting_map_colours_projects_by_light(sample_ro: planning.Workspace) -> None:
    from planning.webmap import _projects

    spec = _projects.projects(sample_ro, None, dt.date(2011, 12, 17), by="light")
    assert spec is not None
    lights = sample_ro.ledger.lights(on="2011-12-17").projects.set_index("project_id")
    rule = planning.ledger.ProgressRule.read()
    frame = spec.frame.set_index("project_id")
    for pid, klass in zip(spec.frame["project_id"], spec.classes, strict=True):
        assert spec.styles[klass].fill == rule.colours[lights.loc[pid, "light"]]
        assert frame.loc[pid, "_light"].startswith(planning.ledger.LIGHTS[lights.loc[pid, "light"]])
    status = _projects.projects(sample_ro, None, dt.date(2011, 12, 17))
    assert status is not None
    assert {s.fill for s in status.styles} <= {c for _, c in _projects.S.STATUS.values()}
    with pytest.raises(planning.InputError, match="projects_by"):
        _projects.projects(sample_ro, None, dt.date(2011, 12, 17), by="colour")


# --- notices (通报) and supervision letters (督办函) -------------------------------------------


def test_the_notice_of_a_month_equals_the_history(trip: RoundTrip) -> None:
    before = trip.before.notice(period="2011-12", on="2011-12-26").units
    pd.testing.assert_frame_equal(
        trip.ledger.notice(period="2011-12", on="2011-12-26").units.drop(columns="returns"),
        before.drop(columns="returns"))  # the merge of 12-27 is not yet known on 12-26
    notice = trip.ledger.notice(period="2011-12", on=MERGED)
    assert notice.kind == "monthly"
    assert notice.title == "关于2011年12月全县重点项目推进情况的通报"
    nodes = trip.ledger.node_states(on=MERGED)
    due = nodes[nodes["due_date"].between(TS("2011-12-01"), MERGED)]
    units = notice.units.set_index("unit")
    for unit, group in due.groupby("responsible"):
        assert units.loc[unit, "due"] == len(group)
        assert units.loc[unit, "on_time"] == (group["state"] == "done").sum()
        assert units.loc[unit, "late"] == (group["state"] == "done_late").sum()
        assert units.loc[unit, "open"] == (group["state"] == "overdue").sum()
    lights = trip.ledger.lights(on=MERGED).units.set_index("unit")
    assert units["red"].to_dict() == lights["red"].reindex(units.index).fillna(0).to_dict()
    assert int(units["red"].sum()) == len(notice.red)
    assert units.loc["打渔陈镇", "returns"] == "未报1次"
    assert units.loc["马楼镇", "returns"] == "逾期1次"
    assert units.loc["县交通运输局", "returns"] == "按时1次"
    assert set(notice.returns["unit"]) == {"打渔陈镇", "孙口乡", "马楼镇", "县教育局"}
    assert f"红灯项目{trip.ledger.lights(on=MERGED).counts()['red']}个" in notice.summary
    assert any("打渔陈镇" in line and "补报" in line for line in notice.requirements)
    quarter = trip.ledger.notice(period="2011年第四季度", on=MERGED)
    assert quarter.kind == "quarterly"
    assert quarter.title == "关于2011年第四季度全县重点项目推进情况的通报"
    with pytest.raises(planning.InputError, match="outside the period"):
        trip.ledger.notice(period="2011-11", on=MERGED)


def test_supervision_letters_go_to_every_unit_with_red_lights(
        sample_ro: planning.Workspace) -> None:
    letters = sample_ro.ledger.supervision_letters(on="2011-12-17")
    lights = sample_ro.ledger.lights(on="2011-12-17").nodes
    red = lights[lights["light"] == "red"]
    assert sorted(x.unit for x in letters) == sorted(red["responsible"].unique())
    assert [x.number for x in letters] == [f"督办〔2011〕{i}号" for i in
                                            range(1, len(letters) + 1)]
    for letter in letters:
        assert sorted(letter.nodes["node_id"]) == sorted(
            red.loc[red["responsible"] == letter.unit, "node_id"])
        assert letter.deadline == TS("2011-12-27")
        assert f"以下{len(letter.nodes)}个时间节点进度亮红灯" in letter.body[0]
    with pytest.raises(planning.InputError, match="no red light"):
        sample_ro.ledger.supervision_letters(on="2011-12-17", units=["侯庙镇"])


def test_notices_in_word_and_pdf(tmp_path: Path, sample_ro: planning.Workspace) -> None:
    import docx
    from _pdf import fonts, need_poppler, page_sizes_mm, text

    notice = sample_ro.ledger.notice(period="2011-12", on="2011-12-17",
                                     number="台推城办〔2011〕9号")
    letters = sample_ro.ledger.supervision_letters(on="2011-12-17")
    paths = planning.ledger.write_notices(notice, letters, tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        [f"2011年12月_重点项目推进情况通报.{s}" for s in ("docx", "pdf")]
        + [f"20111217_督办函_{x.unit}.{s}" for x in letters for s in ("docx", "pdf")])
    book = docx.Document(str(tmp_path / "2011年12月_重点项目推进情况通报.docx"))
    headings = [p.text for p in book.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["一、总体情况", "二、各责任单位推进情况", "三、进度红灯的节点",
                        "四、台账报送情况", "五、下步要求"]
    units = next(t for t in book.tables if t.rows[0].cells[0].text == "责任单位")
    assert [r.cells[0].text for r in units.rows[1:]] == notice.units["unit"].tolist()
    assert "台推城办〔2011〕9号" in "".join(p.text for p in book.paragraphs)
    letter = docx.Document(str(tmp_path / f"20111217_督办函_{letters[0].unit}.docx"))
    body = "".join(p.text for p in letter.paragraphs)
    assert f"{letters[0].unit}：" in body
    assert "督办〔2011〕1号" in body
    assert "特此督办。" in body
    need_poppler()
    pdf = tmp_path / "2011年12月_重点项目推进情况通报.pdf"
    assert set(page_sizes_mm(pdf)) == {(210.0, 297.0)}
    assert all(f.embedded for f in fonts(pdf))
    shown = "".join(text(pdf).split())
    for expected in ("关于2011年12月全县重点项目推进情况的通报", "三、进度红灯的节点",
                     *notice.red["project_name"]):
        assert expected in shown, expected


def test_empty_ledgers_have_lights_notices_and_no_workbooks(tmp_path: Path) -> None:
    no_nodes = Ledger(pd.DataFrame({"project_id": ["P1"], "name_zh": ["人民路改造"]}),
                      pd.DataFrame(columns=["project_id", "name_zh", "due_date"]))
    nothing = Ledger(pd.DataFrame(columns=["project_id", "name_zh"]),
                     pd.DataFrame(columns=["project_id", "name_zh", "due_date"]))
    for ledger in (no_nodes, nothing):
        lights = ledger.lights(on=SENT)
        assert lights.nodes.empty
        assert lights.counts()["red"] == 0
        assert "进度红黄绿灯" in ledger.briefing(on=SENT).to_html()
        assert ledger.notice(period="2011-12").red.empty
        assert ledger.supervision_letters(on=SENT) == []
        assert ledger.fill_in_workbooks(tmp_path, on=SENT).workbooks.empty
