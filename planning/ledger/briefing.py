"""The briefing of the 10-day working meeting (工作例会简报), in HTML, Excel, Markdown, PDF
and Word.

A :class:`Briefing` holds plain frames (what was done since the last meeting, what is overdue
and who is responsible, what falls due before the next meeting, projects in conflict with the
plans) and renders them. The conflict section gives one line per project (verdict, the main
conflict and its area); every non-conforming reason is in the appendix. Every value from data
is escaped before it reaches HTML or Markdown; the PDF and Word files go through the one
document layer (:mod:`planning.io.document`), A4 portrait with numbered pages.
"""

from __future__ import annotations

import html
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planning._core.text import is_blank
from planning._core.vocab import zh_text
from planning._errors import InputError
from planning.io import Column, Sheet, Table, write_workbook
from planning.io.document import Block, Document, Heading, Paragraph, TableBlock
from planning.io.workbook import Kind
from planning.ledger._lights import (
    LIGHT_PROJECT_COLUMNS,
    LIGHT_UNIT_COLUMNS,
    Lights,
    flagged_projects,
    progress_lights,
)
from planning.ledger._view import HistoryView, LedgerView, ProjectReview
from planning.ledger._vocab import CATEGORIES, STATUSES

DEFAULT_TITLE = "推进城镇化工作领导小组办公室工作例会简报"
#: the foot of the briefing: what "overdue" and its days mean (docs/ledger.md)
_FOOT = ("由 planning 工具包根据台账生成；逾期指时限早于例会日且未完成，逾期天数自完成时限起算至"
         "例会日（考核表的“期内逾期天数”只计考核期内的天数）。")

#: a column of a rendered table: (field, Chinese header, kind of value)
_Col = tuple[str, str, str]

_NODE_LIST: tuple[_Col, ...] = (
    ("project_id", "项目编号", "text"), ("project_name", "项目名称", "text"),
    ("node", "节点", "text"), ("due_date", "完成时限", "date"),
)
_COMPLETED: tuple[_Col, ...] = (*_NODE_LIST, ("done_date", "完成时间", "date"),
                                ("days_late", "逾期完成天数", "int0"),
                                ("responsible", "责任单位", "text"))
_OVERDUE: tuple[_Col, ...] = (*_NODE_LIST, ("days_overdue", "逾期天数（自时限起）", "int"),
                              ("township", "乡镇", "text"))
_DUE_SOON: tuple[_Col, ...] = (*_NODE_LIST, ("days_to_due", "剩余天数", "int"),
                               ("responsible", "责任单位", "text"))
_BY_UNIT: tuple[_Col, ...] = (("unit", "责任单位", "text"), ("overdue_nodes", "逾期节点", "int"),
                              ("projects", "涉及项目", "int"),
                              ("max_days_overdue", "最长逾期天数", "int"),
                              ("total_days_overdue", "累计逾期天数", "int"))
_CONFLICTS: tuple[_Col, ...] = (("project_id", "项目编号", "text"), ("name_zh", "项目名称", "text"),
                                ("verdict_zh", "审查结论", "text"),
                                ("main_reason", "主要问题", "text"),
                                ("main_area_mu", "涉及面积（亩）", "mu"),
                                ("lead_department", "牵头单位", "text"))
_CONFLICT_REASONS: tuple[_Col, ...] = (("project_id", "项目编号", "text"),
                                       ("name_zh", "项目名称", "text"),
                                       ("reasons_flagged", "审查原因（冲突与有条件项）", "text"))
_INVEST_CAT: tuple[_Col, ...] = (("category_zh", "类别", "text"), ("projects", "项目数", "int"),
                                 ("investment_wan", "总投资（万元）", "wan"),
                                 ("share", "占比", "pct"))
_INVEST_TWP: tuple[_Col, ...] = (("township", "乡镇", "text"), ("projects", "项目数", "int"),
                                 ("investment_wan", "总投资（万元）", "wan"),
                                 ("share", "占比", "pct"))
_PROBLEMS: tuple[_Col, ...] = (("row", "行", "int"), ("column", "列", "text"),
                               ("value", "内容", "text"), ("message", "问题", "text"))
_HEADLINE: tuple[_Col, ...] = (("label", "项目", "text"), ("value", "数值", "int"))
_NUMERIC_KINDS = frozenset({"int", "int0", "wan", "pct", "mu"})
#: the workbook's kind of column for each kind of value of a rendered table
_EXCEL_KINDS: dict[str, Kind] = {"date": "date", "int": "int", "int0": "int", "wan": "wan",
                                 "pct": "pct", "mu": "mu"}
_HEADLINE_KINDS: dict[str, Kind] = {"investment_wan": "wan", "on_time_share": "pct"}
_VERDICTS = {"conflict": "冲突", "conditional": "有条件符合", "conforms": "符合"}


@dataclass(frozen=True, eq=False)
class _Section:
    level: int
    heading: str
    frame: pd.DataFrame
    columns: Sequence[_Col]
    css: str = ""
    groups: bool = False


@dataclass(frozen=True, eq=False)
class Briefing:
    """The briefing of one working meeting (build it with :meth:`planning.Ledger.briefing`).

    Attributes
    ----------
    on, previous_meeting, next_meeting : pandas.Timestamp
        The meeting day, and the days of the meetings before and after it.
    title : str
    projects : pandas.DataFrame
        :meth:`planning.Ledger.snapshot` on the meeting day.
    nodes : pandas.DataFrame
        :meth:`planning.Ledger.node_states` on the meeting day.
    completed : pandas.DataFrame
        Nodes completed after the last meeting and up to this one, by completion date.
    overdue : pandas.DataFrame
        Nodes overdue on the meeting day, by responsible unit, longest overdue first.
    due_soon : pandas.DataFrame
        Nodes not done and due from the meeting day until before the next meeting.
    conflicts : pandas.DataFrame or None
        Projects whose conformity verdict is ``conflict`` or ``conditional`` (None when
        no report was given): ``project_id``, ``name_zh``, ``verdict``, ``verdict_zh``,
        ``reasons`` (the report's ``reasons_zh`` when it has them), ``main_reason`` (the
        first reason of the project's verdict: the largest conflict, else the largest
        condition), ``main_area_mu`` (its area, NaN for point sites or reviews without
        areas), ``reasons_flagged`` (every conflict and condition, one a line, and the
        number of conforming items), ``township``, ``lead_department``.
    territorial_conflicts : pandas.DataFrame or None
        The same for the review against the territorial spatial plan, when the report
        carries it beside its own (``check_conformity(ws, system="both")``: its
        ``territorial_projects`` and ``territorial_reasons``); None otherwise.
    sheet_problems : pandas.DataFrame
        Problems of the workbook rows left out when the ledger was read with
        ``errors="skip"``: ``source``, ``row``, ``column``, ``value``, ``message``.
    lights : Lights or None
        The progress lights (红黄绿灯) on the meeting day (:meth:`planning.Ledger.lights`);
        the projects with a red or yellow light and every unit's lights are a section.

    The node lists have the columns ``responsible``, ``project_id``, ``project_name``,
    ``node_id``, ``seq``, ``node``, ``due_date``, ``done_date``, ``days_overdue``,
    ``days_late``, ``days_to_due``, ``township``, ``lead_department``.
    """

    on: pd.Timestamp
    previous_meeting: pd.Timestamp
    next_meeting: pd.Timestamp
    title: str
    projects: pd.DataFrame
    nodes: pd.DataFrame
    completed: pd.DataFrame
    overdue: pd.DataFrame
    due_soon: pd.DataFrame
    conflicts: pd.DataFrame | None = None
    territorial_conflicts: pd.DataFrame | None = None
    sheet_problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["source", "row", "column", "value", "message"]))
    lights: Lights | None = None

    @property
    def overdue_by_unit(self) -> pd.DataFrame:
        """Per responsible unit: ``unit``, ``overdue_nodes``, ``projects``,
        ``max_days_overdue``, ``total_days_overdue`` (most overdue nodes first)."""
        grouped = self.overdue.groupby("responsible", dropna=False)
        out = pd.DataFrame({
            "overdue_nodes": grouped.size(),
            "projects": grouped["project_id"].nunique(),
            "max_days_overdue": grouped["days_overdue"].max(),
            "total_days_overdue": grouped["days_overdue"].sum(),
        }).rename_axis("unit").reset_index()
        out["unit"] = out["unit"].astype(object).fillna("（未注明）")  # all blank: float NaN
        return out.sort_values(["overdue_nodes", "total_days_overdue", "unit"],
                               ascending=[False, False, True]).reset_index(drop=True)

    @property
    def investment_by_category(self) -> pd.DataFrame:
        """``category``, ``category_zh``, ``projects``, ``investment_wan``, ``share``."""
        frame = self.projects.assign(category=self.projects["category"].fillna("unknown"))
        out = _investment(frame, "category")
        out.insert(1, "category_zh", out["category"].map({**CATEGORIES, "unknown": "未分类"}))
        return out

    @property
    def investment_by_township(self) -> pd.DataFrame:
        """``township``, ``projects``, ``investment_wan``, ``share``."""
        frame = self.projects.assign(township=self.projects["township"].fillna("（未注明）"))
        return _investment(frame, "township")

    @property
    def headline(self) -> pd.DataFrame:
        """The headline figures: ``item`` (key), ``label`` (Chinese), ``value``."""
        snap, nodes = self.projects, self.nodes
        due = nodes[nodes["due_date"] < self.on]
        on_time = int((due["state"] == "done").sum())
        items: list[tuple[str, str, float]] = [
            ("projects", "项目总数", len(snap)),
            *[(f"projects_{code}", f"{name}项目", int((snap["status"] == code).sum()))
              for code, name in STATUSES.items()],
            ("investment_wan", "总投资（万元）", float(snap["investment_wan"].sum())),
            ("investment_unknown", "投资待定的项目", int(snap["investment_wan"].isna().sum())),
            ("nodes", "时间节点总数", len(nodes)),
            ("nodes_due", "应完成节点（时限在例会日前）", len(due)),
            ("nodes_on_time", "按期完成节点", on_time),
            ("nodes_done_late", "逾期完成节点", int((due["state"] == "done_late").sum())),
            ("nodes_overdue", "逾期未完成节点", len(self.overdue)),
            ("on_time_share", "节点按期完成率", on_time / len(due) if len(due) else math.nan),
            ("units_overdue", "有逾期节点的责任单位", int(self.overdue["responsible"].nunique())),
            ("completed_since_last", "上次例会以来完成的节点", len(self.completed)),
            ("due_before_next", "下次例会前到期的节点", len(self.due_soon)),
        ]
        if len(self.sheet_problems):
            items.append(("sheet_problems", "台账数据问题（未读入的行）", len(self.sheet_problems)))
        if self.lights is not None:
            lit = self.lights.counts()
            items += [("projects_red", "红灯项目", lit["red"]),
                      ("projects_yellow", "黄灯项目", lit["yellow"])]
        if self.conflicts is not None:
            items += [
                ("projects_conflict", "规划冲突项目",
                 int((self.conflicts["verdict"] == "conflict").sum())),
                ("projects_conditional", "有条件符合规划的项目",
                 int((self.conflicts["verdict"] == "conditional").sum())),
            ]
        out = pd.DataFrame(items, columns=["item", "label", "value"])
        out["value"] = pd.Series([int(v) if float(v).is_integer() else float(v)
                                  for v in out["value"]], index=out.index, dtype=object)
        return out

    # -- rendering --------------------------------------------------------------------------
    def _sections(self) -> list[_Section]:
        headline = self.headline
        headline["value"] = [
            _fmt(v, "pct" if k == "on_time_share" else "wan" if k == "investment_wan" else "num")
            for k, v in zip(headline["item"], headline["value"], strict=True)]
        sections = [
            _Section(2, "一、总体情况", headline, _HEADLINE, css="figures"),
            _Section(2, f"二、上次例会（{_day(self.previous_meeting)}）以来完成的节点",
                     self.completed, _COMPLETED),
            _Section(2, "三、逾期未完成的节点（按责任单位）", self.overdue_by_unit, _BY_UNIT,
                     groups=True),
            _Section(2, f"四、下次例会（{_day(self.next_meeting)}）前到期的节点", self.due_soon,
                     _DUE_SOON),
        ]
        if self.conflicts is not None:
            sections.append(_Section(2, "五、与规划冲突或有条件符合的项目（原因详见附件）",
                                     self.conflicts, _CONFLICTS))
        if self.territorial_conflicts is not None:
            sections.append(_Section(2, "五（续）、国土空间规划审查：冲突或有条件符合的项目",
                                     self.territorial_conflicts, _CONFLICTS))
        if len(self.sheet_problems):
            sections.append(_Section(2, "六、台账数据问题（以下各行未读入，请更正后重报）",
                                     self.sheet_problems, _PROBLEMS))
        if self.lights is not None:  # numbered after the sections above
            number = "一二三四五六七八九十"[len(sections)]
            sections += [
                _Section(2, f"{number}、进度红黄绿灯（对照序时进度）：红灯、黄灯项目",
                         flagged_projects(self.lights), LIGHT_PROJECT_COLUMNS),
                _Section(3, "责任单位红黄绿灯", self.lights.units, LIGHT_UNIT_COLUMNS)]
        sections += [
            _Section(2, "附表：投资分布", pd.DataFrame(), ()),
            _Section(3, "投资按类别", self.investment_by_category, _INVEST_CAT),
            _Section(3, "投资按乡镇", self.investment_by_township, _INVEST_TWP),
        ]
        if self.conflicts is not None and len(self.conflicts):
            sections.append(_Section(2, "附件：冲突与有条件符合项目的审查原因", self.conflicts,
                                     _CONFLICT_REASONS))
        if self.territorial_conflicts is not None and len(self.territorial_conflicts):
            sections.append(_Section(2, "附件（续）：国土空间规划审查原因",
                                     self.territorial_conflicts, _CONFLICT_REASONS))
        return sections

    def _meetings(self) -> str:
        return (f"本次例会：{_cn(self.on)}　下次例会：{_cn(self.next_meeting)}")

    def to_document(self) -> Document:
        """The briefing as a printable document (A4 portrait, numbered pages), for
        :func:`planning.io.document.write_document` (``.pdf`` or ``.docx``)."""
        blocks: list[Block] = [Paragraph(self._meetings(), style="center")]
        for section in self._sections():
            blocks.append(Heading(section.heading, level=section.level - 1))
            if section.columns:
                blocks.append(_table_block(section.frame, section.columns))
            if section.groups:
                for unit, nodes in self._overdue_groups():
                    blocks.append(Heading(f"{unit}（{len(nodes)}个逾期节点）", level=3))
                    blocks.append(_table_block(nodes.assign(late=nodes["days_overdue"] > 30),
                                               _OVERDUE, highlight="late"))
        blocks.append(Paragraph(_FOOT, style="note"))
        return Document(self.title, blocks, subtitle=self._subtitle(), paper="A4",
                        orientation="portrait", header=f"{self.title}　{_cn(self.on)}")

    def _subtitle(self) -> str:
        return (f"{_cn(self.on)}　统计时段：{_cn(self.previous_meeting)}（不含）至"
                f"{_cn(self.on)}")

    def to_html(self) -> str:
        """A printable Chinese HTML page (one file, no scripts, every value escaped)."""
        parts = [f"<h1>{_esc(self.title)}</h1>", f"<p class=\"sub\">{_esc(self._subtitle())}</p>",
                 f"<p class=\"sub\">{_esc(self._meetings())}</p>"]
        for section in self._sections():
            tag = f"h{section.level}"
            parts.append(f"<{tag}>{_esc(section.heading)}</{tag}>")
            if section.columns:
                parts.append(_html_table(section.frame, section.columns, css=section.css))
            if section.groups:
                for unit, nodes in self._overdue_groups():
                    parts.append(f"<h3>{_esc(unit)}（{len(nodes)}个逾期节点）</h3>")
                    parts.append(_html_table(nodes, _OVERDUE, late_days=True))
        body = "\n".join(parts)
        return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(self.title)} {_esc(_day(self.on))}</title>
<style>{_CSS}</style>
</head>
<body>
{body}
<p class="foot">{_esc(_FOOT)}</p>
</body>
</html>
"""

    def to_markdown(self) -> str:
        """The briefing as Markdown (tables written here: no optional packages needed)."""
        lines = [f"# {_md(self.title)}", "", _md(self._subtitle()), "", _md(self._meetings()), ""]
        for section in self._sections():
            lines += [f"{'#' * section.level} {_md(section.heading)}", ""]
            if section.columns:
                lines += [*_md_table(section.frame, section.columns), ""]
            if section.groups:
                for unit, nodes in self._overdue_groups():
                    lines += [f"#### {_md(unit)}（{len(nodes)}个逾期节点）", "",
                              *_md_table(nodes, _OVERDUE), ""]
        return "\n".join(lines)

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the briefing as a workbook, one sheet per section (atomically).

        Each sheet has the title and the period above its header row; it is written by
        :func:`planning.io.write_workbook` (text from the ledger is never a formula).
        """
        sheets: list[tuple[str, pd.DataFrame, Sequence[_Col]]] = [
            ("总体情况", self.headline, _HEADLINE),
            ("投资按类别", self.investment_by_category, _INVEST_CAT),
            ("投资按乡镇", self.investment_by_township, _INVEST_TWP),
            ("已完成节点", self.completed, _COMPLETED),
            ("逾期按单位", self.overdue_by_unit, _BY_UNIT),
            ("逾期节点", self.overdue, (("responsible", "责任单位", "text"), *_OVERDUE)),
            ("即将到期节点", self.due_soon, _DUE_SOON),
        ]
        if self.conflicts is not None:
            sheets.append(("规划冲突项目", self.conflicts, _CONFLICTS))
        if self.territorial_conflicts is not None:
            sheets.append(("国土空间规划冲突项目", self.territorial_conflicts, _CONFLICTS))
        if len(self.sheet_problems):
            sheets.append(("台账数据问题", self.sheet_problems, _PROBLEMS))
        if self.lights is not None:
            sheets += [("红黄绿灯项目", flagged_projects(self.lights), LIGHT_PROJECT_COLUMNS),
                       ("单位红黄绿灯", self.lights.units, LIGHT_UNIT_COLUMNS)]
        built: list[Sheet] = []
        for name, frame, columns in sheets:
            specs = [Column(f, head, kind=_EXCEL_KINDS.get(kind, "text"))
                     for f, head, kind in columns]
            built.append(Table(name, frame, specs, title=(f"{self.title}　{name}",
                                                          self._subtitle())).to_sheet())
        headline = self.headline
        for row, (item, value) in enumerate(zip(headline["item"], headline["value"],
                                                strict=True), start=4):
            kind = _HEADLINE_KINDS.get(str(item))
            if kind is not None:  # the headline mixes counts, 万元 and shares in one column
                built[0].put(row, 2, value, kind=kind)
        return write_workbook(path, built).path

    def _overdue_groups(self) -> list[tuple[str, pd.DataFrame]]:
        order = self.overdue_by_unit["unit"].tolist()
        frame = self.overdue.assign(responsible=self.overdue["responsible"].fillna("（未注明）"))
        groups = dict(tuple(frame.groupby("responsible", sort=False)))
        return [(unit, groups[unit]) for unit in order if unit in groups]


def build_briefing(ledger: LedgerView, *, on: pd.Timestamp, period_days: int,
                   report: ProjectReview | None, title: str | None) -> Briefing:
    """The :class:`Briefing` of the meeting on ``on`` (see :meth:`planning.Ledger.briefing`)."""
    if isinstance(period_days, bool) or not isinstance(period_days, int | np.integer) \
            or period_days < 1:
        msg = f"period_days must be a whole number of days, 1 or more, got {period_days!r}"
        raise InputError(msg)
    previous = on - pd.Timedelta(days=int(period_days))
    following = on + pd.Timedelta(days=int(period_days))
    nodes = ledger.node_states(on=on)
    listed = nodes.rename(columns={"name_zh": "node"}).assign(
        days_to_due=(nodes["due_date"] - on).dt.days)
    listed = listed[["responsible", "project_id", "project_name", "node_id", "seq", "node",
                     "due_date", "done_date", "days_overdue", "days_late", "days_to_due",
                     "township", "lead_department", "state"]]
    done = listed["state"].isin(["done", "done_late"])
    completed = listed[done & (listed["done_date"] > previous)].sort_values(
        ["done_date", "project_id", "seq"], kind="stable")
    overdue = listed[listed["state"] == "overdue"].sort_values(
        ["responsible", "days_overdue", "project_id", "seq"], ascending=[True, False, True, True],
        kind="stable")
    due_soon = listed[~done & (listed["due_date"] >= on) & (listed["due_date"] < following)
                      ].sort_values(["due_date", "project_id", "seq"], kind="stable")
    snapshot = ledger.snapshot(on=on)
    lights = progress_lights(ledger, on=on, period_days=int(period_days)) if isinstance(
        ledger, HistoryView) else None
    return Briefing(
        on=on, previous_meeting=previous, next_meeting=following, title=title or DEFAULT_TITLE,
        projects=snapshot, nodes=nodes, completed=completed.reset_index(drop=True),
        overdue=overdue.reset_index(drop=True), due_soon=due_soon.reset_index(drop=True),
        conflicts=None if report is None else _conflicts(report, snapshot),
        territorial_conflicts=_territorial_conflicts(report, snapshot),
        sheet_problems=pd.DataFrame(
            [{"source": p.source, "row": p.row, "column": p.column, "value": p.value,
              "message": p.message} for p in ledger.problems],
            columns=["source", "row", "column", "value", "message"]),
        lights=lights,
    )


def _conflicts(report: ProjectReview, snapshot: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(report, ProjectReview):
        msg = ("report must be a planning.ConformityReport (planning.check_conformity(ws)) or "
               f"another review with a projects table; got {type(report).__name__}")
        raise TypeError(msg)
    frame = report.projects
    needed = {"project_id", "verdict"}
    if not isinstance(frame, pd.DataFrame) or not needed <= set(frame.columns):
        msg = ("report must be a planning.ConformityReport (planning.check_conformity(ws)) whose "
               "projects table has the columns project_id, verdict and reasons; got "
               f"{type(report).__name__}")
        raise InputError(msg)
    flagged = pd.DataFrame(frame[frame["verdict"].isin(["conflict", "conditional"])]).copy()
    column = next((c for c in ("reasons_zh", "reasons") if c in flagged.columns), None)
    reasons = flagged[column] if column else pd.Series("", index=flagged.index)
    flagged["reasons"] = [_reason_text(r) for r in reasons]
    own = [_own_reasons(report, pid) for pid in flagged["project_id"]]
    main = [_main_reason(rows, verdict, text) for rows, verdict, text in
            zip(own, flagged["verdict"], flagged["reasons"], strict=True)]
    flagged["main_reason"] = [m[0] for m in main]
    flagged["main_area_mu"] = [m[1] for m in main]
    flagged["reasons_flagged"] = [_flagged_text(rows, text) for rows, text in
                                  zip(own, flagged["reasons"], strict=True)]
    info = snapshot.set_index("project_id")
    for name in ("name_zh", "township", "lead_department"):
        if name not in flagged.columns:
            flagged[name] = flagged["project_id"].map(info[name])
    flagged["verdict_zh"] = flagged["verdict"].map(_VERDICTS)
    flagged["order"] = flagged["verdict"].map({"conflict": 0, "conditional": 1})
    flagged = flagged.sort_values(["order", "project_id"], kind="stable")
    return flagged[["project_id", "name_zh", "verdict", "verdict_zh", "reasons", "main_reason",
                    "main_area_mu", "reasons_flagged", "township", "lead_department"]
                   ].reset_index(drop=True)


_CLAUSE = re.compile(r"[；;]\s*")
_PREFIX = {"conflict": ("冲突",), "conditional": ("有条件符合", "有条件")}


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE.split(text) if c.strip()]


def _own_reasons(report: ProjectReview, project_id: object) -> pd.DataFrame | None:
    """The project's counted reasons, when the review has a reasons table (a
    ConformityReport does); None otherwise."""
    reasons = getattr(report, "reasons", None)
    if not isinstance(reasons, pd.DataFrame) or not {"project_id", "verdict", "area_mu",
                                                     "detail_zh"} <= set(reasons.columns):
        return None
    own = reasons[reasons["project_id"].astype(str) == str(project_id)]
    if "counted" in own.columns:
        own = own[own["counted"].astype(bool)]
    return pd.DataFrame(own)


def _main_reason(own: pd.DataFrame | None, verdict: str, text: str) -> tuple[str, float]:
    """The reason behind the verdict with the largest area, and that area in mu."""
    if own is not None:
        rows = own[own["verdict"] == verdict]
        if len(rows):
            top = rows.sort_values("area_mu", ascending=False, na_position="last",
                                   kind="stable").iloc[0]
            area = float(top["area_mu"]) if pd.notna(top["area_mu"]) else math.nan
            return zh_text(str(top["detail_zh"])), area
    starts = _PREFIX.get(verdict, ())
    first = next((c for c in _clauses(text) if c.startswith(starts)), "")
    return zh_text(first), math.nan


def _flagged_text(own: pd.DataFrame | None, text: str) -> str:
    """Every conflict and condition, one a line (conflicts first); conforming items counted."""
    if own is not None:
        order = own["verdict"].map({"conflict": 0, "conditional": 1}).fillna(2)
        own = own.assign(_order=order).sort_values("_order", kind="stable")
        flagged = [zh_text(str(t)) for t in own.loc[own["_order"] < 2, "detail_zh"]]
        fine = int((own["_order"] == 2).sum())
    else:
        clauses = _clauses(text)
        flagged = [zh_text(c) for c in clauses if not c.startswith(("符合", "已列入"))]
        fine = len(clauses) - len(flagged)
    if fine:
        flagged.append(f"另有{fine}项符合。")
    return "\n".join(flagged)


@dataclass(frozen=True, eq=False)
class _Review:
    projects: pd.DataFrame
    reasons: pd.DataFrame | None = None


def _territorial_conflicts(report: ProjectReview | None, snapshot: pd.DataFrame
                          ) -> pd.DataFrame | None:
    """The territorial review's flagged projects, when the report carries that review beside
    its own one (a report of the territorial review alone is the section before)."""
    frame = getattr(report, "territorial_projects", None)
    if not isinstance(frame, pd.DataFrame) or frame is getattr(report, "projects", None):
        return None
    return _conflicts(_Review(frame, getattr(report, "territorial_reasons", None)), snapshot)


def _reason_text(value: object) -> str:
    if isinstance(value, list | tuple | np.ndarray):
        return "；".join(str(v) for v in value if not is_blank(v))
    return "" if is_blank(value) else str(value)


def _investment(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    grouped = frame.groupby(key)
    out = pd.DataFrame({
        "projects": grouped.size(),
        "investment_wan": grouped["investment_wan"].sum(min_count=1),
    }).reset_index()
    total = out["investment_wan"].sum()
    out["share"] = out["investment_wan"] / total if total else math.nan
    return out.sort_values(["investment_wan", key], ascending=[False, True],
                           na_position="last").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# formatting


def _day(day: pd.Timestamp) -> str:
    return day.strftime("%Y-%m-%d")


def _cn(day: pd.Timestamp) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _fmt(value: object, kind: str) -> str:
    """A value as text for a table cell (dates, whole numbers, 万元, percentages)."""
    if is_blank(value) or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == "date" and isinstance(value, pd.Timestamp | np.datetime64):
        return _day(pd.Timestamp(value))
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return _NUMBER_FORMATS.get(kind, _plain_number)(float(value))
    return str(value)


def _plain_number(number: float) -> str:
    return f"{number:.0f}" if number.is_integer() else f"{number:g}"


_NUMBER_FORMATS: dict[str, Callable[[float], str]] = {
    "mu": lambda n: f"{n:,.2f}",
    "int0": lambda n: "" if n == 0 else f"{n:.0f}",
    "int": lambda n: f"{n:.0f}",
    "pct": lambda n: f"{n:.1%}",
    "wan": lambda n: f"{n:,.0f}" if n.is_integer() else f"{n:,.1f}",
}


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _md(value: object) -> str:
    text = " ".join(str(value).split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")


def _render_rows(frame: pd.DataFrame, columns: Sequence[_Col],
                 escape: Callable[[object], str]) -> list[list[str]]:
    return [[escape(_fmt(record.get(f), kind)) for f, _, kind in columns]
            for record in frame.to_dict("records")]


def _html_table(frame: pd.DataFrame, columns: Sequence[_Col], *, late_days: bool = False,
                css: str = "") -> str:
    if frame.empty:
        return '<p class="none">无</p>'
    numeric = ["num" if kind in _NUMERIC_KINDS else "" for _, _, kind in columns]
    head = "".join(f'<th class="{n}">{_esc(h)}</th>' if n else f"<th>{_esc(h)}</th>"
                   for (_, h, _), n in zip(columns, numeric, strict=True))
    rows = []
    for record, cells in zip(frame.to_dict("records"), _render_rows(frame, columns, _esc),
                             strict=True):
        days = record.get("days_overdue", 0)
        late = late_days and isinstance(days, int | np.integer) and days > 30
        cls = ' class="late"' if late else ""
        rows.append(f"<tr{cls}>" + "".join(
            f'<td class="{n}">{c}</td>' if n else f"<td>{c}</td>"
            for c, n in zip(cells, numeric, strict=True)) + "</tr>")
    table_class = f' class="{css}"' if css else ""
    return (f"<table{table_class}><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(rows)
            + "\n</tbody></table>")


def _table_block(frame: pd.DataFrame, columns: Sequence[_Col], *,
                 highlight: str | None = None) -> TableBlock:
    """A rendered table for the document layer (values formatted as the HTML shows them)."""
    shown = pd.DataFrame(_render_rows(frame, columns, str), columns=[f for f, _, _ in columns])
    if highlight is not None:
        shown[highlight] = frame[highlight].to_numpy()
    specs = [Column(f, head, width=_WIDTHS.get(f)) for f, head, _ in columns]
    return TableBlock(shown, specs, highlight=highlight)


#: relative widths (characters) of the long text columns in printed tables
_WIDTHS = {"main_reason": 30.0, "reasons_flagged": 48.0, "project_name": 16.0,
           "name_zh": 14.0, "message": 30.0}


def _md_table(frame: pd.DataFrame, columns: Sequence[_Col]) -> list[str]:
    if frame.empty:
        return ["无"]
    lines = ["| " + " | ".join(_md(h) for _, h, _ in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in _render_rows(frame, columns, _md)]
    return lines


_CSS = """
@page { size: A4; margin: 15mm 12mm; }
body { font-family: "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC",
       "Noto Sans CJK SC", "SimHei", sans-serif; color: #111; margin: 2em auto;
       max-width: 60em; line-height: 1.5; }
h1 { font-size: 1.6em; text-align: center; margin-bottom: 0.2em; }
p.sub { text-align: center; color: #444; margin-top: 0; }
h2 { font-size: 1.25em; border-bottom: 2px solid #333; padding-bottom: 0.1em;
     margin-top: 1.4em; }
h3 { font-size: 1.05em; margin: 1em 0 0.3em; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #666; padding: 0.25em 0.45em; text-align: left;
         vertical-align: top; }
th { background: #eee; }
tr { page-break-inside: avoid; }
tr.late td { background: #fde2e2; }
td.num, th.num { text-align: right; }
table.figures { width: auto; min-width: 24em; }
p.none { color: #555; }
p.foot { margin-top: 2em; font-size: 0.8em; color: #555; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } }
"""
