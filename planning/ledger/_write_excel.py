"""Writing ledger workbooks a bureau recognises (see :meth:`planning.Ledger.to_excel`).

The ``台账`` sheet has one row per time node with the project cells merged over their nodes
(it reads back with :meth:`planning.Ledger.from_excel`); ``项目汇总`` is the snapshot and
``更新记录`` every change. The workbook is written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning._core.text import is_blank
from planning.io import atomic_output
from planning.ledger._view import LedgerView
from planning.ledger._vocab import NODE_STATES, STATUSES

#: the columns of the 台账 sheet: (header, field); node columns sit under one merged header
_PROJECT_SHEET_COLUMNS = (
    ("项目编号", "project_id"), ("项目名称", "name_zh"), ("项目类别", "category_zh"),
    ("所在乡镇", "township"), ("牵头单位", "lead_department"),
    ("总投资（万元）", "investment_wan"), ("计划开工时间", "start_date"),
    ("计划完成时间", "planned_completion"), ("项目状态", "status_zh"), ("列入规划", "listed_in"),
)
_OPTIONAL_TEXT = (("建设内容", "content"), ("进展情况", "progress"), ("存在问题", "problems"),
                  ("备注", "remark"))
_NODE_SHEET_COLUMNS = (
    ("节点编号", "node_id"), ("节点内容", "name_zh"), ("完成时限", "due_date"),
    ("实际完成时间", "done_date"), ("责任单位", "responsible"), ("节点状态", "state_zh"),
    ("逾期天数", "days_overdue"),
)
_SUMMARY_COLUMNS = (
    ("项目编号", "project_id"), ("项目名称", "name_zh"), ("项目类别", "category_zh"),
    ("所在乡镇", "township"), ("牵头单位", "lead_department"),
    ("总投资（万元）", "investment_wan"), ("项目状态", "status_zh"), ("节点数", "nodes_total"),
    ("已完成节点", "nodes_done"), ("逾期节点", "overdue_nodes"),
    ("最长逾期天数", "max_days_overdue"), ("下一节点", "next_node"),
    ("下一节点时限", "next_due"), ("下一节点责任单位", "next_responsible"),
)
_CHANGE_COLUMNS = (
    ("更新日期", "as_of"), ("类型", "table_zh"), ("编号", "id"), ("字段", "field"),
    ("原值", "old"), ("新值", "new"), ("说明", "note"),
)
_DEFAULT_TITLE = "城乡建设重点工作台账"


def write_ledger_workbook(ledger: LedgerView, path: Path, *, on: pd.Timestamp,
                          by: str | None, title: str | None) -> Path:
    """Write the ledger workbook (see :meth:`planning.Ledger.to_excel`)."""
    from openpyxl import Workbook  # noqa: PLC0415  (heavy; only needed to write workbooks)

    if by not in (None, "M", "Q"):
        msg = f"by must be 'M' (a sheet per month), 'Q' (per quarter) or None, got {by!r}"
        raise ValueError(msg)
    heading = title or _DEFAULT_TITLE
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    _ledger_sheet(sheet, ledger, on, heading)
    summary = ledger.snapshot(on=on).assign(
        status_zh=lambda f: f["status"].map(STATUSES))
    _plain_sheet(book.create_sheet("项目汇总"), summary, _SUMMARY_COLUMNS,
                 f"{heading}项目汇总（截至{_cn_date(on)}）")
    changes = ledger.changes(until=on).assign(
        table_zh=lambda f: f["table"].map({"project": "项目", "node": "节点"}))
    _plain_sheet(book.create_sheet("更新记录"), changes, _CHANGE_COLUMNS,
                 f"{heading}更新记录（截至{_cn_date(on)}）")
    if by is not None:
        first, _ = ledger.date_span(end=on)
        for period in pd.period_range(first, on, freq=by):
            end = min(period.end_time.normalize(), on)
            name = (f"{period.year}年{period.month}月" if by == "M"
                    else f"{period.year}年第{period.quarter}季度")
            _ledger_sheet(book.create_sheet(name), ledger, end, heading)
    with atomic_output(path) as tmp:
        book.save(tmp)
    return path


def _cn_date(day: pd.Timestamp) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _styles(book: Any) -> dict[str, Any]:
    """The named cell styles of the ledger workbooks, registered once per workbook."""
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side  # noqa: PLC0415

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(vertical="center", wrap_text=True)
    specs = {
        "ledger_cell": {"border": border, "alignment": wrap},
        "ledger_date": {"border": border, "alignment": wrap, "number_format": "yyyy-mm-dd"},
        "ledger_head": {"border": border, "font": Font(bold=True), "alignment": Alignment(
            horizontal="center", vertical="center", wrap_text=True)},
    }
    for name, spec in specs.items():
        if name not in book.named_styles:
            book.add_named_style(NamedStyle(name=name, **spec))
    return {"title": Font(bold=True, size=14)}


def _put(sheet: Any, row: int, col: int, value: object, *, header: bool = False) -> None:
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime().date()
    elif is_blank(value) or (isinstance(value, float) and np.isnan(value)):
        value = None
    elif isinstance(value, np.integer | np.floating | np.bool_):
        value = value.item()
    cell = sheet.cell(row=row, column=col, value=value)
    cell.style = ("ledger_head" if header else "ledger_date" if hasattr(value, "year")
                  else "ledger_cell")


def _ledger_sheet(sheet: Any, ledger: LedgerView, on: pd.Timestamp, heading: str) -> None:
    """One row per node, project cells merged over their nodes, a total row at the bottom."""
    style = _styles(sheet.parent)
    snap = ledger.snapshot(on=on).assign(status_zh=lambda f: f["status"].map(STATUSES))
    nodes = ledger.node_states(on=on).assign(state_zh=lambda f: f["state"].map(NODE_STATES))
    pcols = [("序号", "_no"), *_PROJECT_SHEET_COLUMNS,
             *[(h, f) for h, f in _OPTIONAL_TEXT if f in snap.columns
               and snap[f].notna().any()]]
    width = len(pcols) + len(_NODE_SHEET_COLUMNS)
    sheet.cell(row=1, column=1, value=f"{heading}（截至{_cn_date(on)}）").font = style["title"]
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    for c, (head, _) in enumerate(pcols, start=1):
        _put(sheet, 2, c, head, header=True)
        _put(sheet, 3, c, None, header=True)
        sheet.merge_cells(start_row=2, start_column=c, end_row=3, end_column=c)
    node_start = len(pcols) + 1
    _put(sheet, 2, node_start, "时间节点", header=True)
    sheet.merge_cells(start_row=2, start_column=node_start, end_row=2, end_column=width)
    for c, (head, _) in enumerate(_NODE_SHEET_COLUMNS, start=node_start):
        _put(sheet, 3, c, head, header=True)
    row = 4
    by_project = dict(list(nodes.groupby("project_id", sort=False)))
    for number, record in enumerate(snap.to_dict("records"), start=1):
        record["_no"] = number
        own = by_project.get(record["project_id"])
        span = 1 if own is None else len(own)
        for c, (_, name) in enumerate(pcols, start=1):
            _put(sheet, row, c, record.get(name))
            if span > 1:
                _merge_down(sheet, row, c, span)
        for i in range(span):
            node = {} if own is None else own.iloc[i].to_dict()
            if node and node["state"] != "overdue":
                node["days_overdue"] = None
            for c, (_, name) in enumerate(_NODE_SHEET_COLUMNS, start=node_start):
                _put(sheet, row + i, c, node.get(name))
        row += span
    _put(sheet, row, 1, "合计", header=True)
    _put(sheet, row, 2, f"{len(snap)}个项目")
    invest_col = next(i for i, (_, f) in enumerate(pcols, start=1) if f == "investment_wan")
    _put(sheet, row, invest_col, float(snap["investment_wan"].sum()))
    _layout(sheet, [h for h, _ in pcols] + [h for h, _ in _NODE_SHEET_COLUMNS], freeze="C4")


def _merge_down(sheet: Any, row: int, col: int, span: int) -> None:
    """Merge ``span`` cells down from (row, col), every cell styled (and so bordered) first.

    Registering a plain range directly skips openpyxl's per-merge border work and its scan of
    the ranges already merged, which made sheets of a few hundred nodes take seconds (the
    writer only needs each range's reference); Excel reads styled cells inside a merge.
    """
    from openpyxl.worksheet.cell_range import CellRange  # noqa: PLC0415

    for r in range(row + 1, row + span):
        _put(sheet, r, col, None)
    # the ranges of a sheet are disjoint by construction: add to the set directly
    # (MultiCellRange.add scans every range already there, quadratic on big ledgers)
    sheet.merged_cells.ranges.add(CellRange(
        f"{_letter(col)}{row}:{_letter(col)}{row + span - 1}"))


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    return str(get_column_letter(col))


def _plain_sheet(sheet: Any, frame: pd.DataFrame, columns: Sequence[tuple[str, str]],
                 heading: str) -> None:
    style = _styles(sheet.parent)
    sheet.cell(row=1, column=1, value=heading).font = style["title"]
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    for c, (head, _) in enumerate(columns, start=1):
        _put(sheet, 2, c, head, header=True)
    for r, record in enumerate(frame.to_dict("records"), start=3):
        for c, (_, name) in enumerate(columns, start=1):
            _put(sheet, r, c, record.get(name))
    _layout(sheet, [h for h, _ in columns], freeze="A3")


def _layout(sheet: Any, headers: Sequence[str], *, freeze: str) -> None:
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    wide = {"项目名称": 26, "节点内容": 18, "牵头单位": 22, "责任单位": 22, "建设内容": 30,
            "进展情况": 30, "存在问题": 24, "下一节点责任单位": 22, "说明": 24}
    for c, head in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = wide.get(head, 12)
    sheet.freeze_panes = freeze
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:3" if freeze == "C4" else "1:2"
