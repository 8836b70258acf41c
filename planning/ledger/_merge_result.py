"""The result of merging the units' returns: changes, problems and the table for the meeting."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planning._core.text import is_missing
from planning.io import Column, Table, write_workbook
from planning.ledger import _returns_log as _rl
from planning.ledger._fill_in import COLUMNS, text_of

#: problem codes -> what the meeting table calls them
PROBLEM_CODES: dict[str, str] = {
    "unreadable_file": "文件无法读取", "unreadable_cell": "内容无法识别",
    "unknown_node": "未知节点", "duplicate_row": "节点重复填报", "other_unit_node": "非本单位节点",
    "wrong_unit": "非本单位填报", "locked_edit": "锁定列被修改",
    "future_date": "完成时间晚于报送日", "before_start": "完成时间早于开工",
    "state_conflict": "状态与完成时间矛盾",
    "done_without_date": "已完成未填日期", "done_cleared": "完成时间被清空",
    "office_field_differs": "与台账不一致", "not_sent": "非下发节点", "row_missing": "节点未填报",
    "late_return": "逾期报送", "duplicate_return": "重复报送", "superseded_return": "被替代的报表",
    "conflicting_returns": "同日两份不同报表", "second_return": "再次报送（更正）",
    "unknown_send": "未登记的发送", "hidden_record_changed": "隐藏记录被改动",
    "sent_after_merge": "报表日期晚于合并日",
}
PROBLEM_COLUMNS = ["unit", "source", "row", "column", "node_id", "value", "severity", "code",
                   "problem_zh", "message", "message_zh"]
CHANGE_COLUMNS = ["unit", "source", "row", "node_id", "project_id", "project_name", "node",
                  "field", "field_zh", "old", "new"]
_FIELD_HEADERS = {name: header for header, name, _, _ in COLUMNS}


class Problems:
    """Problems found while merging, collected in order."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, code: str, severity: str, message: str, message_zh: str, *,
            unit: str | None = None, source: str = "", row: int | None = None,
            column: str | None = None, node_id: str | None = None,
            value: str | None = None) -> None:
        """One problem: its code (:data:`PROBLEM_CODES`), ``error`` or ``warning``, what it is
        (English and Chinese), and where."""
        self.rows.append({
            "unit": unit or "（未注明）", "source": source, "row": row, "column": column,
            "node_id": node_id, "value": value, "severity": severity, "code": code,
            "problem_zh": PROBLEM_CODES[code], "message": message, "message_zh": message_zh})

    def counts(self, source: str) -> dict[str, int]:
        mine = [r["severity"] for r in self.rows if r["source"] == source]
        return {"error": mine.count("error"), "warning": mine.count("warning")}

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=PROBLEM_COLUMNS)
        frame["row"] = frame["row"].astype("Int64")
        return frame


@dataclass(frozen=True)
class ReturnInfo:
    """One returned file: who from, for which send, when, and what became of it."""

    source: str
    unit: str | None
    kind: str
    sheet: str
    send_id: str
    sent_on: pd.Timestamp | None
    deadline: pd.Timestamp | None
    received: pd.Timestamp
    status: str
    late: bool
    rows: int
    changes: int
    errors: int
    warnings: int


#: what became of a returned file, in Chinese
_FILE_STATES = {"accepted": "已合并", "rejected": "退回", "duplicate": "重复（忽略）",
                "superseded": "被替代", "already_merged": "此前已合并", "unreadable": "无法读取"}


@dataclass(frozen=True, eq=False)
class MergeResult:
    """What :meth:`planning.Ledger.merge_returns` found and did.

    Attributes
    ----------
    on : pandas.Timestamp
        The day of the revision.
    revision : int or None
        The revision the changes were recorded as (one for the whole merge); None when
        nothing changed or ``apply=False``.
    applied : bool
        True when the changes were recorded in the ledger.
    changes : pandas.DataFrame
        One row per field changed: ``unit``, ``source`` (file), ``row`` (Excel row),
        ``node_id``, ``project_id``, ``project_name``, ``node``, ``field``, ``field_zh``,
        ``old``, ``new`` (as text).
    problems : pandas.DataFrame
        Every problem at once: ``unit``, ``source``, ``row``, ``column`` (the header),
        ``node_id``, ``value``, ``severity`` (``error``: not merged; ``warning``: merged or
        ignored, for the meeting to know), ``code``, ``problem_zh``, ``message``,
        ``message_zh``.
    returns : pandas.DataFrame
        One row per file: ``source``, ``unit``, ``kind`` (``fill_in``, ``node_sheet``,
        ``ledger``), ``sheet``, ``send_id``, ``sent_on``, ``deadline``, ``received``,
        ``status`` (``accepted``, ``rejected``, ``duplicate``, ``superseded``,
        ``already_merged``, ``unreadable``), ``late``, ``rows``, ``changes``, ``errors``,
        ``warnings``.
    meeting : pandas.DataFrame
        The table for the meeting, one row per unit of the sends answered: ``unit``,
        ``send_id``, ``nodes`` (sent), ``deadline``, ``received``, ``status``
        (``on_time``, ``late``, ``missing``, ``pending``), ``status_zh``, ``days_late``,
        ``changes``, ``errors``, ``warnings``.
    notes : tuple of str
    """

    on: pd.Timestamp
    changes: pd.DataFrame
    problems: pd.DataFrame
    returns: pd.DataFrame
    meeting: pd.DataFrame
    revision: int | None = None
    applied: bool = False
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def build(cls, *, on: pd.Timestamp, problems: pd.DataFrame,
              changes: Sequence[Mapping[str, Any]], returns: Sequence[ReturnInfo],
              log: pd.DataFrame, send_ids: Iterable[str], notes: tuple[str, ...]
              ) -> MergeResult:
        change_frame = pd.DataFrame(
            [{**c, "field_zh": _FIELD_HEADERS.get(str(c["field"]), c["field"]),
              "old": _shown(c["old"]), "new": _shown(c["new"])} for c in changes],
            columns=CHANGE_COLUMNS)
        files = pd.DataFrame([asdict(r) for r in returns],
                             columns=list(ReturnInfo.__dataclass_fields__))
        meeting = _meeting(_rl.returns_status(log, on), set(send_ids), files, problems,
                           change_frame)
        return cls(on, change_frame, problems, files, meeting, notes=notes)

    @property
    def errors(self) -> pd.DataFrame:
        """The problems that kept something out of the ledger."""
        return self.problems[self.problems["severity"] == "error"].reset_index(drop=True)

    def __repr__(self) -> str:
        return (f"<MergeResult on {self.on.date()}: {len(self.returns)} file(s), "
                f"{len(self.changes)} change(s), {len(self.errors)} error(s), "
                f"{len(self.problems) - len(self.errors)} warning(s), revision "
                f"{self.revision}>")

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """The meeting's workbook of the merge: 报送情况, 问题清单, 合并变更, 报表文件."""
        day = f"{self.on.year}年{self.on.month}月{self.on.day}日"
        problems = self.problems.assign(
            severity_zh=self.problems["severity"].map({"error": "未合并", "warning": "提示"}))
        files = self.returns.assign(status_zh=self.returns["status"].map(_FILE_STATES),
                                    late_zh=self.returns["late"].map({True: "是", False: ""}))
        sheets = [
            Table("报送情况", self.meeting, [
                Column("unit", "责任单位"), Column("send_id", "填报编号"),
                Column("nodes", "下发节点", kind="int"),
                Column("deadline", "报送截止", kind="date"),
                Column("received", "收到日期", kind="date"), Column("status_zh", "报送情况"),
                Column("days_late", "逾期天数", kind="int"),
                Column("changes", "合并变更", kind="int"),
                Column("errors", "未合并问题", kind="int"),
                Column("warnings", "提示", kind="int")],
                title=(f"台账填报报送情况（{day}合并）",)),
            Table("问题清单", problems, [
                Column("unit", "责任单位"), Column("source", "文件"),
                Column("row", "行", kind="int"),
                Column("column", "列"), Column("node_id", "节点编号"), Column("value", "内容"),
                Column("problem_zh", "问题"), Column("severity_zh", "处理"),
                Column("message_zh", "说明", wrap=True),
                Column("message", "详细说明（英文）", wrap=True)],
                title=(f"台账填报问题清单（{day}合并）",)),
            Table("合并变更", self.changes, [
                Column("unit", "责任单位"), Column("source", "文件"),
                Column("row", "行", kind="int"),
                Column("node_id", "节点编号"), Column("project_name", "项目名称"),
                Column("node", "节点内容"), Column("field_zh", "字段"), Column("old", "原值"),
                Column("new", "新值", wrap=True)],
                title=(f"台账填报合并变更（{day}，修订{self.revision}）",)),
            Table("报表文件", files, [
                Column("source", "文件"), Column("unit", "单位"), Column("send_id", "填报编号"),
                Column("received", "收到日期", kind="date"), Column("status_zh", "处理"),
                Column("late_zh", "逾期"), Column("rows", "行数", kind="int"),
                Column("changes", "变更", kind="int"), Column("errors", "问题", kind="int"),
                Column("warnings", "提示", kind="int")],
                title=(f"收到的报表（{day}合并）",)),
        ]
        return write_workbook(path, sheets).path


def _shown(value: object) -> str:
    return "" if is_missing(value) else text_of(value)


def _meeting(status: pd.DataFrame, send_ids: set[str], files: pd.DataFrame,
             problems: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    status = status[status["send_id"].isin(send_ids)].copy()
    known = set(zip(status["send_id"], status["unit"], strict=True))
    extra = files[(files["status"] != "unreadable") & files["unit"].notna()]
    extra = extra[[(s, u) not in known for s, u in zip(extra["send_id"], extra["unit"],
                                                       strict=True)]]
    if len(extra):
        rows = extra.drop_duplicates(["send_id", "unit"]).assign(
            nodes=0, returns=1, status="unknown", status_zh="未登记发送", days_late=0)
        status = pd.concat([status, rows[["send_id", "unit", "sent_on", "deadline", "nodes",
                                          "received", "returns", "status", "status_zh",
                                          "days_late"]]], ignore_index=True)
    by_unit_changes = changes.groupby("unit").size()
    severity = problems.groupby(["unit", "severity"]).size()
    out = status.assign(
        changes=status["unit"].map(by_unit_changes).fillna(0).astype(int),
        errors=[int(severity.get((u, "error"), 0)) for u in status["unit"]],
        warnings=[int(severity.get((u, "warning"), 0)) for u in status["unit"]])
    return out.sort_values(["status", "unit"], key=lambda s: s.map(
        {"missing": 0, "late": 1, "unknown": 2, "pending": 3, "on_time": 4}).fillna(5)
        if s.name == "status" else s, kind="stable").reset_index(drop=True)
