"""``planning ledger send | merge | lights | notice``: the round trip on the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import openpyxl
import pytest

import planning
from planning.cli import main


def _fill(sent: Path, out: Path) -> Path:
    """县交通运输局 reports its overdue node done and edits a locked due date."""
    book = openpyxl.load_workbook(sent)
    ws = book["节点填报"]
    header = {c.value: c.column for c in ws[3]}
    rows = {ws.cell(r, header["节点编号"]).value: r for r in range(4, ws.max_row + 1)}
    ws.cell(rows["TQ-001-N2"], header["实际完成时间"]).value = dt.datetime(2011, 12, 20)
    ws.cell(rows["TQ-001-N2"], header["推进状态"]).value = "已完成"
    ws.cell(rows["TQ-001-N3"], header["完成时限"]).value = dt.datetime(2012, 3, 1)
    book.save(out)
    return out


def test_send_merge_lights_notice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "ws"  # a folder store (quicker to write than a GeoPackage)
    sent = tmp_path / "sent"
    assert main(["ledger", "send", "--on", "2011-12-17", "-o", str(sent), "--save",
                 str(ws)]) == 0
    printed = capsys.readouterr().out
    assert "send TB20111217: 16 unit(s), returns due 2011-12-24" in printed
    assert len(list(sent.glob("20111217_*_台账填报.xlsx"))) == 16
    back = _fill(sent / "20111217_县交通运输局_台账填报.xlsx", tmp_path / "back.xlsx")
    report = tmp_path / "merge.xlsx"
    args = ["ledger", "merge", str(back), "--workspace", str(ws), "--on", "2011-12-27",
            "--received", "back.xlsx=2011-12-22", "-o", str(report)]
    assert main([*args, "--check"]) == 0
    assert "checked only: 2 change(s) would be recorded" in capsys.readouterr().out
    assert main([*args, "--save", str(ws)]) == 0
    printed = capsys.readouterr().out
    assert "row 5, 完成时限: 锁定列“完成时限”被修改" in printed
    assert "2 change(s) as revision" in printed
    assert "打渔陈镇 (未报送)" in printed
    assert openpyxl.load_workbook(report).sheetnames == ["报送情况", "问题清单", "合并变更",
                                                         "报表文件"]
    ledger = planning.open_workspace(ws).ledger
    states = ledger.node_states(on="2011-12-27").set_index("node_id")
    assert states.loc["TQ-001-N2", "state"] == "done_late"
    status = ledger.returns_status(on="2011-12-27").set_index("unit")["status"]
    assert status["县交通运输局"] == "on_time"  # once (--check recorded nothing):
    assert ledger.returns["event"].value_counts().to_dict() == {"sent": 16, "returned": 1}
    assert main(args) == 0
    assert "0 change(s);" in capsys.readouterr().out  # the same return again: nothing
    assert main(["ledger", "lights", "--workspace", str(ws), "--on", "2011-12-27", "-o",
                 str(tmp_path / "lights.xlsx")]) == 0
    assert "projects red" in capsys.readouterr().out
    assert main(["ledger", "notice", "--workspace", str(ws), "--period", "2011-12",
                 "--formats", "docx", "-o", str(tmp_path / "notices")]) == 0
    notice = docx.Document(str(tmp_path / "notices" / "2011年12月_重点项目推进情况通报.docx"))
    assert notice.paragraphs[0].text == "关于2011年12月全县重点项目推进情况的通报"
    letters = sorted(p.name for p in (tmp_path / "notices").glob("20111231_督办函_*.docx"))
    red = ledger.lights(on="2011-12-31").units.query("red > 0")["unit"]
    assert letters == sorted(f"20111231_督办函_{u}.docx" for u in red)


@pytest.mark.parametrize(("argv", "message"), [
    (["ledger", "send", "--unit", "县水力局"], "--unit 县水力局 is not a responsible unit"),
    (["ledger", "merge", "nothere.xlsx", "--on", "2011-12-27"], "nothere.xlsx"),
    (["ledger", "merge", "{back}", "--on", "2011-12-27", "-o", "out.pdf"], "does not end in"),
    (["ledger", "notice", "--formats", "odt"], "--formats"),
    (["ledger", "lights", "--rule", "{back}"], "needs the columns setting and value"),
    (["ledger", "merge", "{back}", "--on", "2011-12-27", "--received", "{back}=2012-01-01"],
     "--received"),
    (["ledger", "merge", "{back}", "--on", "2011-12-27", "--received", "nodate"],
     "FILE=DATE"),
    (["ledger", "notice", "--period", "2011-11", "--on", "2011-12-17"], "outside the period"),
    (["ledger", "lights", "--on", "昨天"], "--on"),
])
def test_bad_input_is_one_line_and_exit_status_2(
        argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
        ) -> None:
    back = tmp_path / "back.xlsx"
    back.write_bytes(b"x")
    argv = [a.replace("{back}", str(back)) for a in argv]
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(main(argv))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert message in lines[-1]  # one line (argparse's own errors follow its usage lines)
    assert lines[-1].startswith("planning ledger")
