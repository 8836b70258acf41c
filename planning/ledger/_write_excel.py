"""Writing ledger workbooks a bureau recognises (see :meth:`planning.Ledger.to_excel`).

The ``台账`` sheet has one row per time node with the project cells merged over their nodes
(it reads back with :meth:`planning.Ledger.from_excel`); ``项目汇总`` is the snapshot and
``更新记录`` every change. Every sheet goes through the one workbook writer
(:func:`planning.io.write_workbook`): text from the ledger is never a formula, control
characters are removed with a note, the workbook is written atomically.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planning.io import Column, Sheet, Table, write_workbook
from planning.io.workbook import Kind
from planning.ledger._view import LedgerView
from planning.ledger._vocab import NODE_STATES, STATUSES

#: the columns of the 台账 sheet: (header, field, kind); node columns sit under one merged header
_Spec = tuple[str, str, Kind]
_PROJECT_SHEET_COLUMNS: tuple[_Spec, ...] = (
    ("项目编号", "project_id", "text"), ("项目名称", "name_zh", "text"),
    ("项目类别", "category_zh", "text"), ("所在乡镇", "township", "text"),
    ("牵头单位", "lead_department", "text"), ("总投资（万元）", "investment_wan", "wan"),
    ("计划开工时间", "start_date", "date"), ("计划完成时间", "planned_completion", "date"),
    ("项目状态", "status_zh", "text"), ("列入规划", "listed_in", "text"),
)
_OPTIONAL_TEXT: tuple[_Spec, ...] = (
    ("建设内容", "content", "text"), ("进展情况", "progress", "text"),
    ("存在问题", "problems", "text"), ("备注", "remark", "text"),
)
_NODE_SHEET_COLUMNS: tuple[_Spec, ...] = (
    ("节点编号", "node_id", "text"), ("节点内容", "name_zh", "text"),
    ("完成时限", "due_date", "date"), ("实际完成时间", "done_date", "date"),
    ("责任单位", "responsible", "text"), ("节点状态", "state_zh", "text"),
    ("逾期天数", "days_overdue", "int"),
)
_SUMMARY_COLUMNS = (
    Column("project_id", "项目编号"), Column("name_zh", "项目名称"),
    Column("category_zh", "项目类别"), Column("township", "所在乡镇"),
    Column("lead_department", "牵头单位"), Column("investment_wan", "总投资（万元）", kind="wan"),
    Column("status_zh", "项目状态"), Column("nodes_total", "节点数", kind="int"),
    Column("nodes_done", "已完成节点", kind="int"), Column("overdue_nodes", "逾期节点", kind="int"),
    Column("max_days_overdue", "最长逾期天数", kind="int"), Column("next_node", "下一节点"),
    Column("next_due", "下一节点时限", kind="date"),
    Column("next_responsible", "下一节点责任单位"),
)
_CHANGE_COLUMNS = (
    Column("as_of", "更新日期", kind="date"), Column("table_zh", "类型"), Column("id", "编号"),
    Column("field", "字段"), Column("old", "原值"), Column("new", "新值"),
    Column("note", "说明"),
)
_DEFAULT_TITLE = "城乡建设重点工作台账"
#: text in the 台账 sheet wraps beyond this width (characters)
_LEDGER_MAX_WIDTH = 30


def write_ledger_workbook(ledger: LedgerView, path: Path, *, on: pd.Timestamp,
                          by: str | None, title: str | None) -> Path:
    """Write the ledger workbook (see :meth:`planning.Ledger.to_excel`)."""
    if by not in (None, "M", "Q"):
        msg = f"by must be 'M' (a sheet per month), 'Q' (per quarter) or None, got {by!r}"
        raise ValueError(msg)
    heading = title or _DEFAULT_TITLE
    summary = ledger.snapshot(on=on).assign(
        status_zh=lambda f: f["status"].map(STATUSES))
    changes = ledger.changes(until=on).assign(
        table_zh=lambda f: f["table"].map({"project": "项目", "node": "节点"}))
    sheets: list[Sheet | Table] = [
        _ledger_sheet("台账", ledger, on, heading),
        Table("项目汇总", summary, _SUMMARY_COLUMNS,
              title=f"{heading}项目汇总（截至{_cn_date(on)}）", landscape=True),
        Table("更新记录", changes, _CHANGE_COLUMNS,
              title=f"{heading}更新记录（截至{_cn_date(on)}）", landscape=True),
    ]
    if by is not None:
        first, _ = ledger.date_span(end=on)
        for period in pd.period_range(first, on, freq=by):
            end = min(period.end_time.normalize(), on)
            name = (f"{period.year}年{period.month}月" if by == "M"
                    else f"{period.year}年第{period.quarter}季度")
            sheets.append(_ledger_sheet(name, ledger, end, heading))
    return write_workbook(path, sheets).path


def _cn_date(day: pd.Timestamp) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _ledger_sheet(name: str, ledger: LedgerView, on: pd.Timestamp, heading: str) -> Sheet:
    """One row per node, project cells merged over their nodes, a total row at the bottom."""
    snap = ledger.snapshot(on=on).assign(status_zh=lambda f: f["status"].map(STATUSES))
    nodes = ledger.node_states(on=on).assign(state_zh=lambda f: f["state"].map(NODE_STATES))
    pcols: list[_Spec] = [("序号", "_no", "int"), *_PROJECT_SHEET_COLUMNS,
                          *[c for c in _OPTIONAL_TEXT if c[1] in snap.columns
                            and snap[c[1]].notna().any()]]
    width = len(pcols) + len(_NODE_SHEET_COLUMNS)
    sheet = Sheet(name, landscape=True)
    sheet.put(1, 1, f"{heading}（截至{_cn_date(on)}）", role="title")
    sheet.merge(1, 1, 1, width)
    for c, (head, _, _) in enumerate(pcols, start=1):
        sheet.put(2, c, head, role="head")
        sheet.merge(2, c, 3, c)
    node_start = len(pcols) + 1
    sheet.put(2, node_start, "时间节点", role="head")
    sheet.merge(2, node_start, 2, width)
    for c, (head, _, _) in enumerate(_NODE_SHEET_COLUMNS, start=node_start):
        sheet.put(3, c, head, role="head")
    row = 4
    by_project = {key: group.to_dict("records")
                  for key, group in nodes.groupby("project_id", sort=False)}
    for number, record in enumerate(snap.to_dict("records"), start=1):
        record["_no"] = number
        own = by_project.get(record["project_id"])
        span = 1 if own is None else len(own)
        for c, (_, field, kind) in enumerate(pcols, start=1):
            sheet.put(row, c, record.get(field), kind=kind, wrap=kind == "text")
            sheet.merge(row, c, row + span - 1, c)
        for i in range(span):
            node = {} if own is None else dict(own[i])
            if node and node["state"] != "overdue":
                node["days_overdue"] = None
            for c, (_, field, kind) in enumerate(_NODE_SHEET_COLUMNS, start=node_start):
                sheet.put(row + i, c, node.get(field), kind=kind, wrap=kind == "text")
        row += span
    sheet.put(row, 1, "合计", role="total")
    sheet.put(row, 2, f"{len(snap)}个项目", role="total")
    invest_col = next(i for i, c in enumerate(pcols, start=1) if c[1] == "investment_wan")
    sheet.put(row, invest_col, float(snap["investment_wan"].sum()), role="total", kind="wan")
    sheet.fit_widths(maximum=_LEDGER_MAX_WIDTH)
    sheet.freeze_at = (4, 3)
    sheet.print_rows = (1, 3)
    sheet.autofilter = (3, 1, max(row - 1, 3), width)
    return sheet
