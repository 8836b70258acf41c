"""Reading and merging the units' returns: what Excel does to typed values, rejected returns,
renamed sheets, formulas, ledgers by month, note rows and where the receipt day comes from.

Each return is made the way a unit makes it (openpyxl edits the cells a person types into).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import planning
from planning.cli import main
from planning.ledger import Ledger

TS = pd.Timestamp
SENT = TS("2011-12-17")
MERGED = TS("2011-12-27")
UNIT = "县水利局"
PCT = "完成进度（%）"
Post = Callable[[openpyxl.worksheet.worksheet.Worksheet, dict[str, int], dict[str, int]], None]


def fill(sent: Path, out: Path, edits: dict[str, dict[str, object]], *,
         post: Post | None = None) -> Path:
    """Type into cells of the sent workbook; ``post`` edits the sheet further."""
    book = openpyxl.load_workbook(sent)
    ws = book["节点填报"]
    header = {c.value: c.column for c in ws[3] if c.value}
    rows = {ws.cell(r, header["节点编号"]).value: r for r in range(4, ws.max_row + 1)
            if ws.cell(r, header["节点编号"]).value}
    for node_id, values in edits.items():
        for head, value in values.items():
            ws.cell(rows[node_id], header[head]).value = value
    if post is not None:
        post(ws, header, rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def _send(tmp_path: Path) -> tuple[Ledger, Path]:
    ledger = planning.load_sample().ledger
    send = ledger.fill_in_workbooks(tmp_path / "sent", on=SENT, units=[UNIT])
    return ledger, Path(send.paths[0])


def _reports(ledger: Ledger) -> pd.DataFrame:
    return ledger.node_reports(on=MERGED).set_index("node_id")


def test_a_percentage_typed_in_excel_is_read_as_shown(tmp_path: Path) -> None:
    ledger, sent = _send(tmp_path)

    def percent(ws: openpyxl.worksheet.worksheet.Worksheet, header: dict[str, int],
                rows: dict[str, int]) -> None:  # Excel stores "80%" typed as 0.8, shown 0%
        ws.cell(rows["TQ-018-N5"], header[PCT]).number_format = "0%"

    path = fill(sent, tmp_path / "back.xlsx", {"TQ-018-N4": {PCT: "80%"},
                                               "TQ-018-N5": {PCT: 0.8}}, post=percent)
    before = path.read_bytes()
    result = ledger.merge_returns({path: "2011-12-22"}, on=MERGED)
    assert result.problems.empty
    assert path.read_bytes() == before
    pct = _reports(ledger)["progress_pct"]
    assert pct["TQ-018-N4"] == 80.0
    assert pct["TQ-018-N5"] == 80.0


def test_a_rejected_return_can_be_merged_once_its_cause_is_fixed(tmp_path: Path) -> None:
    ledger, sent = _send(tmp_path)
    path = fill(sent, tmp_path / "back.xlsx", {"TQ-018-N4": {PCT: 40}})
    early = ledger.merge_returns({path: "2011-12-16"}, on="2011-12-16")
    assert early.problems["code"].tolist() == ["sent_after_merge"]
    assert early.returns["status"].tolist() == ["rejected"]
    again = ledger.merge_returns({path: "2011-12-16"}, on="2011-12-16")  # still refused,
    assert again.returns["status"].tolist() == ["rejected"]  # and not logged twice
    assert (ledger.returns["event"] == "returned").sum() == 1
    fixed = ledger.merge_returns({path: "2011-12-22"}, on=MERGED)
    assert fixed.returns["status"].tolist() == ["accepted"]
    assert fixed.changes[["node_id", "new"]].values.tolist() == [["TQ-018-N4", "40"]]
    assert _reports(ledger).loc["TQ-018-N4", "progress_pct"] == 40.0
    twice = ledger.merge_returns({path: "2011-12-22"}, on=MERGED)  # idempotent still
    assert twice.returns["status"].tolist() == ["already_merged"]
    assert twice.changes.empty


def test_the_return_that_holds_of_two_the_same_day_merges_later(tmp_path: Path) -> None:
    ledger, sent = _send(tmp_path)
    a = fill(sent, tmp_path / "a.xlsx", {"TQ-018-N4": {PCT: 50}})
    b = fill(sent, tmp_path / "b.xlsx", {"TQ-018-N4": {PCT: 60}})
    both = ledger.merge_returns({a: "2011-12-22", b: "2011-12-22"}, on=MERGED)
    assert set(both.returns["status"]) == {"rejected"}
    holds = ledger.merge_returns({b: "2011-12-22"}, on=MERGED)  # the unit says b holds
    assert holds.returns["status"].tolist() == ["accepted"]
    assert _reports(ledger).loc["TQ-018-N4", "progress_pct"] == 60.0


def test_a_renamed_sheet_is_found_by_its_header(tmp_path: Path) -> None:
    ledger, sent = _send(tmp_path)

    def rename(ws: openpyxl.worksheet.worksheet.Worksheet, *_: object) -> None:
        ws.title = "Sheet1"

    path = fill(sent, tmp_path / "back.xlsx", {"TQ-018-N4": {PCT: 30}}, post=rename)
    result = ledger.merge_returns({path: "2011-12-22"}, on=MERGED)
    assert result.problems.empty
    assert result.returns[["unit", "sheet", "status"]].values.tolist() == [
        [UNIT, "Sheet1", "accepted"]]
    assert result.changes["new"].tolist() == ["30"]
    assert any("Sheet1" in note and "节点填报" in note for note in result.notes)


def test_a_formula_without_a_value_is_a_problem_not_a_blank(tmp_path: Path) -> None:
    ledger, sent = _send(tmp_path)
    path = fill(sent, tmp_path / "back.xlsx", {
        "TQ-006-N2": {PCT: "=40+40"},
        "TQ-006-N1": {"实际完成时间": "=DATE(2011,12,20)", "推进状态": "已完成"}})
    result = ledger.merge_returns({path: "2011-12-22"}, on=MERGED)
    problems = result.problems.set_index("node_id")
    assert problems["code"].to_dict() == {"TQ-006-N2": "unreadable_cell",
                                          "TQ-006-N1": "unreadable_cell"}
    assert problems.loc["TQ-006-N1", "column"] == "实际完成时间"
    assert problems.loc["TQ-006-N2", "value"] == "=40+40"
    assert "never computed" in problems.loc["TQ-006-N2", "message"]
    assert result.changes.empty
    assert any("formula" in note for note in result.notes)


def test_a_ledger_by_month_is_read_from_its_latest_month(tmp_path: Path) -> None:
    ledger = planning.load_sample().ledger
    path = tmp_path / "by_month.xlsx"
    ledger.to_excel(path, on=SENT, by="M")
    book = openpyxl.load_workbook(path)
    ws = book["2011年12月"]
    header = {c.value: c.column for c in ws[3] if c.value}
    row = next(r for r in range(4, ws.max_row + 1)
               if ws.cell(r, header["节点编号"]).value == "TQ-001-N2")
    ws.cell(row, header["实际完成时间"]).value = dt.datetime(2011, 12, 15)
    book.save(path)
    result = ledger.merge_returns({path: "2011-12-20"}, on="2011-12-20", apply=False)
    assert result.changes[["node_id", "field", "new"]].values.tolist() == [
        ["TQ-001-N2", "done_date", "2011-12-15"]]
    assert result.returns["sheet"].tolist() == ["2011年12月"]
    assert any("2011年12月" in n and "not read" in n for n in result.notes)


def test_a_blank_does_not_clear_a_done_date_and_says_so(tmp_path: Path) -> None:
    ledger, sent = _send(tmp_path)
    v1 = fill(sent, tmp_path / "v1.xlsx", {"TQ-025-N3": {
        "实际完成时间": dt.datetime(2011, 12, 20), "推进状态": "已完成", PCT: 100}})
    ledger.merge_returns({v1: "2011-12-21"}, on="2011-12-21")
    v2 = fill(sent, tmp_path / "v2.xlsx", {"TQ-025-N3": {"推进状态": "推进中", PCT: 60}})
    result = ledger.merge_returns({v2: "2011-12-22"}, on=MERGED)
    cleared = result.problems[result.problems["code"] == "done_cleared"]
    assert cleared["node_id"].tolist() == ["TQ-025-N3"]
    assert cleared["value"].tolist() == ["2011-12-20"]
    assert "update_node" in cleared["message"].iloc[0]
    assert _reports(ledger).loc["TQ-025-N3", "done_date"] == TS("2011-12-20")


@pytest.mark.parametrize("state", ["推进中", "受阻", "未开始"])
def test_a_done_date_needs_the_state_done(tmp_path: Path, state: str) -> None:
    ledger, sent = _send(tmp_path)
    path = fill(sent, tmp_path / "back.xlsx", {"TQ-025-N3": {
        "实际完成时间": dt.datetime(2011, 12, 20), "推进状态": state}})
    result = ledger.merge_returns({path: "2011-12-22"}, on=MERGED)
    assert result.problems[["node_id", "code", "value"]].values.tolist() == [
        ["TQ-025-N3", "state_conflict", state]]
    assert result.changes.empty


def test_note_rows_are_left_out_and_rows_without_a_node_are_problems(tmp_path: Path) -> None:
    ledger, sent = _send(tmp_path)

    def rows(ws: openpyxl.worksheet.worksheet.Worksheet, header: dict[str, int],
             _: dict[str, int]) -> None:
        last = ws.max_row
        ws.cell(last + 1, header[PCT]).value = 70  # a report without its node
        ws.cell(last + 1, header["进展情况"]).value = "已完成招标"
        ws.cell(last + 2, 1).value = "注：完成进度按工程量估算"
        ws.merge_cells(start_row=last + 2, start_column=1, end_row=last + 2, end_column=13)
        ws.cell(last + 3, 5).value = "审核：李四"

    path = fill(sent, tmp_path / "back.xlsx", {"TQ-018-N4": {PCT: 30}}, post=rows)
    last = openpyxl.load_workbook(sent)["节点填报"].max_row
    result = ledger.merge_returns({path: "2011-12-22"}, on=MERGED)
    assert result.problems[["row", "code"]].values.tolist() == [[last + 1, "unreadable_cell"]]
    assert "节点编号" in result.problems["message"].iloc[0]
    assert result.changes["node_id"].tolist() == ["TQ-018-N4"]
    assert sum("note or a signature" in n for n in result.notes) == 2


def test_the_receipt_day_comes_from_the_cover_or_the_file_and_is_noted(tmp_path: Path) -> None:
    ledger, sent = _send(tmp_path)

    def dated(ws: openpyxl.worksheet.worksheet.Worksheet, *_: object) -> None:
        ws.cell(2, 8).value = dt.datetime(2011, 12, 21)  # 填报日期

    cover = fill(sent, tmp_path / "cover.xlsx", {"TQ-018-N4": {PCT: 30}}, post=dated)
    plain = fill(sent, tmp_path / "plain.xlsx", {"TQ-018-N5": {PCT: 30}})
    day = dt.datetime(2011, 12, 23, 12).timestamp()
    os.utime(plain, (day, day))
    for path in (cover, plain):
        result = ledger.merge_returns([path], on=MERGED, apply=False)
        received = result.returns["received"].iloc[0]
        assert received == (TS("2011-12-21") if path is cover else TS("2011-12-23"))
        note = next(n for n in result.notes if "received on" in n)
        assert ("填报日期" in note) == (path is cover)
        assert "received=" in note


def test_received_for_no_file_merged_is_an_error(tmp_path: Path) -> None:
    ledger, sent = _send(tmp_path)
    path = fill(sent, tmp_path / "back.xlsx", {"TQ-018-N4": {PCT: 30}})
    with pytest.raises(planning.InputError, match=r"bakc\.xlsx.*back\.xlsx"):
        ledger.merge_returns([path], on=MERGED, received={"bakc.xlsx": "2011-12-22"})


def test_the_reason_a_file_is_unreadable_is_shown(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    ledger = planning.load_sample().ledger
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not a workbook")
    result = ledger.merge_returns({path: "2011-12-20"}, on=MERGED)
    reason = result.problems["message"].iloc[0]
    assert reason
    assert reason in result.problems["message_zh"].iloc[0]
    out = result.to_excel(tmp_path / "merge.xlsx")
    ws = openpyxl.load_workbook(out)["问题清单"]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row]
    assert "详细说明（英文）" in cells
    assert reason in cells
    ws_dir = tmp_path / "ws"
    assert main(["ledger", "send", "--on", "2011-12-17", "-o", str(tmp_path / "sent"),
                 "--save", str(ws_dir)]) == 0
    capsys.readouterr()
    assert main(["ledger", "merge", str(path), "--workspace", str(ws_dir), "--on",
                 "2011-12-27", "--received", "x.xlsx=2011-12-22", "--check"]) == 0
    assert reason in capsys.readouterr().out


def test_an_unranked_unit_is_told_which_scores_it_has(tmp_path: Path) -> None:
    from planning import assessment

    ledger = planning.load_sample().ledger
    send = ledger.fill_in_workbooks(tmp_path / "sent", on=SENT)
    sent = {Path(p).name.split("_")[1]: Path(p) for p in send.paths}
    back = fill(sent["县教育局"], tmp_path / "edu.xlsx", {})
    ledger.merge_returns({back: "2011-12-22"}, on=MERGED)
    table = assessment.rank(ledger, period="2011-12", on="2011-12-31").table.set_index("unit")
    row = table.loc["县教育局"]
    assert pd.isna(row["sanitation_score"])
    assert row["returns_score"] == 100.0
    assert not row["ranked"]
    assert row["note"] == "无考核节点，仅有报送得分，未排名"


def test_a_node_sheet_with_only_node_ids_and_reports_is_read(tmp_path: Path) -> None:
    ledger = planning.load_sample().ledger
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["节点编号", PCT, "进展情况"])
    ws.append(["TQ-018-N4", 30, "已开工"])
    path = tmp_path / "ids.xlsx"
    book.save(path)
    result = ledger.merge_returns({path: "2011-12-22"}, on=MERGED, apply=False)
    assert result.problems.empty
    assert result.changes[["node_id", "field", "new"]].values.tolist() == [
        ["TQ-018-N4", "progress_pct", "30"], ["TQ-018-N4", "progress", "已开工"]]


def test_a_retyped_form_with_colon_labels_keeps_the_form_checks(tmp_path: Path) -> None:
    ledger, _ = _send(tmp_path)
    book = openpyxl.Workbook()
    ws = book.active
    ws["A1"] = "县水利局重点项目时间节点填报表（截至2011年12月17日）"
    ws["A2"], ws["B2"] = "填报单位：", "县水利局"
    for c, head in enumerate(["节点编号", "节点内容", "完成时限", PCT], start=1):
        ws.cell(3, c, head)
    ws.append(["TQ-018-N4", "主体工程改名", "2012-03-12", 50])   # a locked field changed
    ws.append(["TQ-006-N1", "立项批复", "2012-01-16", 30])
    path = tmp_path / "retyped.xlsx"
    book.save(path)
    result = ledger.merge_returns({path: "2011-12-22"}, on=MERGED, apply=False)
    assert result.returns[["unit", "kind"]].values.tolist() == [[UNIT, "fill_in"]]
    errors = result.errors
    assert errors[["node_id", "code", "column"]].values.tolist() == [
        ["TQ-018-N4", "locked_edit", "节点内容"]]
    missing = result.problems.loc[result.problems["code"] == "row_missing", "node_id"]
    assert "TQ-025-N3" in set(missing)
    assert "TQ-006-N1" not in set(missing)
    assert result.changes["node_id"].tolist() == ["TQ-006-N1"]


def test_a_second_send_does_not_overwrite_a_return(tmp_path: Path) -> None:
    ledger, sent = _send(tmp_path)
    ledger.fill_in_workbooks(tmp_path / "sent", on=SENT, units=[UNIT])  # as sent: rewritten
    fill(sent, sent, {"TQ-018-N4": {PCT: 45}})  # the unit's return saved over its name
    before = sent.read_bytes()
    with pytest.raises(planning.InputError, match=rf"{sent.name}.*another folder"):
        ledger.fill_in_workbooks(tmp_path / "sent", on=SENT, units=[UNIT])
    assert sent.read_bytes() == before
    assert (ledger.returns["event"] == "sent").sum() == 2


@pytest.mark.parametrize(("written", "accepted"), [
    ("县水利局（盖章）", True), (" 县 水利局 (盖章)", True), ("水利局", False)])
def test_a_seal_note_after_the_unit_is_not_another_unit(tmp_path: Path, written: str,
                                                         accepted: bool) -> None:
    ledger, sent = _send(tmp_path)

    def unit(ws: openpyxl.worksheet.worksheet.Worksheet, *_: object) -> None:
        ws.cell(2, 2).value = written

    path = fill(sent, tmp_path / "back.xlsx", {"TQ-018-N4": {PCT: 30}}, post=unit)
    result = ledger.merge_returns({path: "2011-12-22"}, on=MERGED, apply=False)
    assert result.returns["status"].tolist() == ["accepted" if accepted else "rejected"]
    assert (result.problems["code"].tolist() == []) == accepted
    assert any("盖章" in n for n in result.notes) == accepted
