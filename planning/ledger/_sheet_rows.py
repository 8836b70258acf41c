"""Reading the body rows of a ledger sheet, below its header (internals of the Excel reader).

Each row is one of:

- blank (placeholders such as ``/``, ``—``, ``-``, ``无`` count as blank, with one note for the
  sheet); a row holding only placeholders, or only a row number (序号) and columns that are
  not read, is a template row: left out and noted;
- a note or filling instruction (``注：...``, ``填写说明``, ``备注：...``, ``填表人：``): left
  out and noted;
- a total row (合计, 总计, 共计, 累计: every project row above it; 小计: the rows since the
  last section heading or sub-total), left out and noted with a check of its investment; a
  breakdown row (``其中：...``) is left out and noted;
- a section heading numbered ``一、`` / ``第一部分`` or ``（一）`` (with or without sub-totals
  in its cells): sets the category of the rows below it when it names one, its sub-total
  investment is checked against them; an unnumbered one-text row is a heading too;
- a project row, or a time node of the project above (its project cells merged with the
  row above, repeating it, or blank).

Text is stored as written (:func:`planning._core.text.clean_text`) and compared by key
(:func:`planning._core.text.compact`). A formula cell whose value was never computed is a
problem wherever the ledger reads it, never a blank.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planning._core.dates import parse_date
from planning._core.text import (
    clean_text,
    compact,
    instruction_row,
    is_blank,
    is_placeholder,
    is_unfilled,
    shown,
)
from planning._errors import Problem
from planning._validate import Checker
from planning.io import Grid
from planning.ledger._vocab import (
    CATEGORIES,
    STATUSES,
    heading_category,
    is_ordinal,
    parse_amount,
    period_dates,
    section_level,
    value_code,
)

_TOTAL_WORDS = ("合计", "总计", "小计", "共计", "累计")
_NOT_DONE = {"未完成", "未", "否", "进行中", "正在进行", "推进中", "在建", "未开始", "没有"}
_DONE_WORDS = {"已完成", "完成", "是", "已办结", "办结", "已竣工", "竣工"}
PROJECT_FIELDS = (
    "project_id", "name_zh", "name_en", "category", "township", "lead_department",
    "investment_wan", "start_date", "planned_completion", "status", "listed_in",
)
#: project fields kept as text (as written)
_TEXT_FIELDS = ("name_en", "township", "lead_department", "content", "progress", "remark",
                "problems", "support_units", "location", "owner")
_NODE_FIELDS = ("node_id", "node_seq", "node_name", "node_due", "node_done")
_NODE_PROBLEM_FIELDS = frozenset({*_NODE_FIELDS, "responsible"})
#: project fields a node row must not contradict (when it repeats its project's cells)
_REPEATED_FIELDS = (
    "name_en", "category", "township", "lead_department", "support_units", "investment_wan",
    "investment_year_wan", "investment_done_wan", "start_date", "planned_completion",
    "status", "listed_in", "content", "location", "owner", "period",
)
_UNCOMPUTED = ("the cell holds a formula whose value was never computed (the workbook was "
               "written by a program and not opened in Excel or WPS since): open it in Excel "
               "or WPS, save it, and read it again")


@dataclass
class LedgerColumn:
    """A sheet column read as a ledger field."""

    index: int
    field: str
    header: str
    unit_wan: float


@dataclass
class LedgerHeader:
    """The header rows (0-based grid rows) and the columns they map."""

    first: int
    last: int
    columns: dict[str, LedgerColumn]
    notes: list[str]


@dataclass
class _Section:
    level: int
    row: int
    text: str
    amount: float | None
    start: int  # index of its first project in RowReader.projects
    category: str | None


def _key(value: object) -> str:
    """The comparison key of a cell ('' when unfilled)."""
    return "" if is_unfilled(value) else compact(value)


def _rows_list(rows: list[int]) -> str:
    shown_rows = ", ".join(map(str, rows[:10]))
    return shown_rows + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")


@dataclass
class _Placeholders:
    """The cells holding placeholders, read as blank: where and which."""

    rows: dict[int, list[str]] = field(default_factory=dict)

    def note(self, excel: Any) -> str | None:
        if not self.rows:
            return None
        counts = Counter(t for texts in self.rows.values() for t in texts)
        which = ", ".join(f"{t!r} x{n}" for t, n in counts.most_common())
        rows = [excel(r) for r in sorted(self.rows)]
        return (f"{sum(counts.values())} cell(s) hold a placeholder ({which}) and were read as "
                f"blank: rows {_rows_list(rows)}")


class RowReader:
    """Reads the body rows below a header, collecting records, notes and problems."""

    def __init__(self, label: str, grid: Grid, header: LedgerHeader) -> None:
        self.label = label
        self.first_row = grid.first_row  # the Excel row of grid row 0
        self.merged = grid.merged
        self.formulas = grid.formulas
        self.percents = grid.percents
        self.columns = dict(header.columns)
        self.start = header.last + 1
        self.placeholders = _Placeholders()
        self.grid = self._without_placeholders(grid.rows)
        self.checker = Checker()
        self.notes: list[str] = []
        self.projects: list[dict[str, Any]] = []
        self.nodes: list[dict[str, Any]] = []
        self._seen: dict[str, int] = {}
        self._bad: list[tuple[int, str]] = []
        self._sections: list[_Section] = []
        self._group_start = 0  # the first project a 小计 row covers
        self._category: str | None = None
        self.has_nodes = "node_name" in self.columns
        if not self.has_nodes:
            for node_field, project_field in (("node_due", "planned_completion"),
                                              ("node_done", "progress")):
                if node_field in self.columns and project_field not in self.columns:
                    self.columns[project_field] = self.columns.pop(node_field)
        self.field_columns = sorted({c.index for c in self.columns.values()})

    def _without_placeholders(self, rows: list[list[Any]]) -> list[list[Any]]:
        """The rows with placeholder cells of the body as None (the grid is not changed)."""
        out = list(rows)
        for r in range(self.start, len(rows)):
            found = [v.strip() for v in rows[r] if is_placeholder(v)]
            if found:
                self.placeholders.rows[r] = found
                out[r] = [None if is_placeholder(v) else v for v in rows[r]]
        return out

    # -- helpers ------------------------------------------------------------------------
    def _excel(self, row: int) -> int:
        """The row number Excel shows for grid row ``row``."""
        return self.first_row + row

    def _problem(self, row: int, name: str, value: object, why: str) -> None:
        if (row, name) in self._bad[-8:]:
            return  # one problem per cell (a formula never computed is also blank)
        column = self.columns[name].header if name in self.columns else name
        self.checker.add(Problem(self.label, why, row=self._excel(row), column=column,
                                 value=None if is_blank(value) else shown(value)))
        self._bad.append((row, name))

    def left_out(self) -> tuple[set[int], set[int]]:
        """Rows (0-based) of the projects and of the nodes that have a problem.

        A problem in a node field leaves the node out; one in a project field leaves the
        project out (with its nodes) when the row starts the project, else the node row.
        """
        starts = {p["_row"] for p in self.projects}
        projects, nodes = set(), set()
        for row, name in self._bad:
            if name in _NODE_PROBLEM_FIELDS or row not in starts:
                nodes.add(row)
            else:
                projects.add(row)
        return projects, nodes

    def _cell(self, r: int, name: str) -> Any:
        col = self.columns.get(name)
        return None if col is None else self.grid[r][col.index]

    def _text(self, r: int, name: str) -> object:
        """A text field as the sheet shows it (a number formatted ``0%`` as ``85%``)."""
        value = self._cell(r, name)
        if (r, self.columns[name].index) in self.percents and isinstance(value, int | float):
            return f"{round(value * 100, 6):g}%"
        return clean_text(value)

    # -- rows ---------------------------------------------------------------------------
    def read(self) -> None:
        for r in range(self.start, len(self.grid)):
            self._row(r)
        self._close_sections(0)
        self._check_node_ids()
        note = self.placeholders.note(self._excel)
        if note:
            self.notes.append(note)
        if "project_id" not in self.columns and self.projects:
            self.notes.append("the sheet has no project id column (项目编号): ids XM001, "
                              "XM002, ... were given in row order")

    def _row(self, r: int) -> None:
        row = self.grid[r]
        values = [v for v in row if not is_blank(v)]
        uncomputed = [c for c in self.field_columns if (r, c) in self.formulas]
        if not values and not uncomputed:
            if r in self.placeholders.rows:
                self.notes.append(f"row {self._excel(r)} holds only placeholders (a template "
                                  "row) and was left out")
            return
        text = instruction_row(row)
        if text is not None:
            self.notes.append(f"row {self._excel(r)} ({text[:40]!r}) is a note or a filling "
                              "instruction and was left out")
            return
        word = self._total_word(r)
        if word is not None:
            self._total(r, word)
            return
        level = self._section_level(values)
        if level is not None:
            self._section(r, level)
            return
        first = values[0]
        if (len(set(map(str, values))) == 1 and isinstance(first, str) and len(self.columns) > 1
                and not compact(first).replace(".", "").isdigit()):
            self._heading(r, first)
            return
        if not uncomputed and all(is_blank(row[c]) for c in self.field_columns):
            self.notes.append(f"row {self._excel(r)} fills none of the ledger's columns (only "
                              "a row number or columns that are not read): a template row, "
                              "left out")
            return
        self._data_row(r, uncomputed)

    def _check_node_ids(self) -> None:
        seen: dict[str, int] = {}
        for node in self.nodes:
            ident = node["node_id"]
            if is_blank(ident):
                continue
            key = compact(ident)
            if key in seen:
                self._problem(node["_row"], "node_id", ident, f"the node id is also used in row "
                              f"{self._excel(seen[key])}; node ids must be unique")
            else:
                seen[key] = node["_row"]

    def _total_word(self, r: int) -> str | None:
        firsts = [compact(v) for v in self.grid[r][:4] if isinstance(v, str) and v.strip()]
        for text in firsts[:2]:
            if text.startswith("其中"):
                return "其中"
            core = text.lstrip("一二三四五六七八九十、.()")
            for word in _TOTAL_WORDS:
                if core.startswith(word) or core.endswith(word):
                    return word
        return None

    def _investments(self, start: int) -> float:
        return float(np.nansum([p["investment_wan"] for p in self.projects[start:]]))

    def _amount(self, r: int) -> float | None:
        """The investment a total, sub-total or section row states, if it states one."""
        col = self.columns.get("investment_wan")
        if col is None or is_blank(self.grid[r][col.index]):
            return None
        top = self.merged.get((r, col.index))
        if top is not None and top[1] != col.index:
            return None  # a heading merged across the investment column
        try:
            return parse_amount(self.grid[r][col.index], unit_wan=col.unit_wan)
        except ValueError:
            return None

    def _total(self, r: int, word: str) -> None:
        if word == "其中":
            self.notes.append(f"row {self._excel(r)} breaks down the row above (其中) and was "
                              "left out")
            return
        start = self._group_start if word == "小计" else 0
        what = "a sub-total row" if word == "小计" else "a total row"
        note = f"row {self._excel(r)} is {what} and was left out"
        stated = self._amount(r)
        if stated is not None:
            summed = self._investments(start)
            if not np.isclose(stated, summed, rtol=1e-6, atol=0.5):
                covered = "it covers" if word == "小计" else "above it"
                note += (f"; its investment ({stated:g} 万元) differs from the sum of the "
                         f"project rows {covered} ({summed:g} 万元)")
        if word == "小计":
            self._group_start = len(self.projects)
        self.notes.append(note)

    @staticmethod
    def _section_level(values: list[Any]) -> int | None:
        level = section_level(values[0])
        if level is None and is_ordinal(values[0]) and any(
                isinstance(v, str) and not is_ordinal(v) for v in values[1:]):
            level = 1  # 一 in the 序号 column, the section's name beside it
        return level

    def _section(self, r: int, level: int) -> None:
        texts = [v.strip() for v in dict.fromkeys(self.grid[r]) if isinstance(v, str)]
        text = " ".join(texts)
        self._close_sections(level)
        code = next((c for c in map(heading_category, texts) if c is not None), None)
        outer = self._sections[-1].category if self._sections else None
        self._category = code or outer
        amount = self._amount(r)
        self._sections.append(_Section(level, r, text, amount, len(self.projects),
                                       self._category))
        self._group_start = len(self.projects)
        note = f"row {self._excel(r)} ({text!r}) is a section heading"
        if code is not None:
            note += (f": the rows below it are {CATEGORIES[code]} ({code}) unless they say "
                     "otherwise")
        else:
            note += " and was left out"
        if amount is not None:
            note += f"; its investment ({amount:g} 万元) is a sub-total, not a project"
        self.notes.append(note)

    def _close_sections(self, level: int) -> None:
        while self._sections and self._sections[-1].level >= level:
            section = self._sections.pop()
            if section.amount is None:
                continue
            summed = self._investments(section.start)
            if not np.isclose(section.amount, summed, rtol=1e-6, atol=0.5):
                self.notes.append(
                    f"row {self._excel(section.row)} ({section.text!r}): its sub-total "
                    f"investment ({section.amount:g} 万元) differs from the sum of the project "
                    f"rows under it ({summed:g} 万元)")

    def _heading(self, r: int, text: str) -> None:
        code = heading_category(text)
        if code is not None:
            self._category = code
            self.notes.append(f"row {self._excel(r)} ({text.strip()!r}) is a section heading: "
                              f"the rows below it are {CATEGORIES[code]} ({code}) unless they "
                              "say otherwise")
        else:
            self.notes.append(f"row {self._excel(r)} ({text.strip()!r}) is a heading and was "
                              "left out")

    def _continues(self, r: int) -> bool:
        """True when row r adds a node to the project of the row above."""
        if not self.projects or not self.has_nodes:
            return False
        keys = [n for n in ("project_id", "name_zh") if n in self.columns]
        mine = {n: _key(self._cell(r, n)) for n in keys}
        if not any(mine.values()):
            return True
        prev = self.projects[-1]
        for name in keys:
            top = self.merged.get((r, self.columns[name].index))
            if top is not None and prev["_row"] <= top[0] < r:
                return True
        return all(not mine[n] or mine[n] == prev["_keys"][n] for n in keys)

    def _check_repeat(self, r: int) -> None:
        """A node row must not contradict the project cells of the row that started it."""
        project = self.projects[-1]
        for name in _REPEATED_FIELDS:
            col = self.columns.get(name)
            if col is None:
                continue
            value = self.grid[r][col.index]
            top = self.merged.get((r, col.index))
            if is_blank(value) or (top is not None and top[0] < r):
                continue
            first = self.grid[project["_row"]][col.index]
            if _key(value) != _key(first):
                self._problem(r, name, value, f"this row adds a time node to project "
                              f"{project['project_id']} (row {self._excel(project['_row'])}) but "
                              f"its {col.header} differs ({first!r} there): merge the rows' "
                              "project cells, or give this row its own project id")
        if all(is_blank(self._cell(r, n)) for n in _NODE_FIELDS):
            self.notes.append(f"row {self._excel(r)} repeats project {project['project_id']} "
                              "without a time node and was left out")

    def _data_row(self, r: int, uncomputed: list[int]) -> None:
        by_index = {c.index: name for name, c in self.columns.items()}
        for c in uncomputed:
            self._problem(r, by_index[c], self.formulas[(r, c)], _UNCOMPUTED)
        if self._continues(r):
            self._check_repeat(r)
        else:
            self._project(r)
        if self.has_nodes:
            self._node(r)

    def _project(self, r: int) -> None:
        raw = {n: clean_text(self._cell(r, n)) for n in ("project_id", "name_zh")}
        ident = raw["project_id"]
        if "project_id" not in self.columns:
            ident = f"XM{len(self.projects) + 1:03d}"
        elif is_blank(ident):
            self._problem(r, "project_id", None, "the project id is blank; give every project "
                          "an id (or remove the id column and ids are given in row order)")
        if is_blank(raw["name_zh"]):
            self._problem(r, "name_zh", None, "the project has no name")
        if not is_blank(ident):
            ident = str(ident)
            if compact(ident) in self._seen:
                self._problem(r, "project_id", ident, f"the project id is also used in row "
                              f"{self._excel(self._seen[compact(ident)])}; ids must be unique: "
                              "give one of them a new id, or merge the two rows")
            else:
                self._seen[compact(ident)] = r
        record: dict[str, Any] = {
            "_row": r, "_keys": {n: _key(self._cell(r, n)) for n in ("project_id", "name_zh")},
            "project_id": ident, "name_zh": raw["name_zh"]}
        for name in _TEXT_FIELDS:
            if name in self.columns:
                record[name] = self._text(r, name)
        if "lead_department" not in self.columns:
            record["lead_department"] = clean_text(self._cell(r, "responsible"))
        self._codes(r, record)
        self._amounts(r, record)
        for name, partial in (("start_date", "start"), ("planned_completion", "end")):
            record[name] = self._date(r, name, partial)
        if "period" in self.columns:
            self._period(r, record)
        self.projects.append(record)

    def _codes(self, r: int, record: dict[str, Any]) -> None:
        for name, vocab in (("category", CATEGORIES), ("status", STATUSES)):
            value = self._cell(r, name)
            code = value_code(name, value)
            if is_blank(value):
                code = self._category if name == "category" else pd.NA
            elif code not in vocab:
                words = ", ".join(vocab.values())
                self._problem(r, name, value, f"unknown {name}: use one of {words} (or add the "
                              "word to planning/data/ledger_values.csv)")
                code = pd.NA
            record[name] = code
        record["listed_in"] = value_code("listed_in", self._cell(r, "listed_in"))

    def _amounts(self, r: int, record: dict[str, Any]) -> None:
        for name in ("investment_wan", "investment_year_wan", "investment_done_wan"):
            col = self.columns.get(name)
            if col is None:
                if name == "investment_wan":
                    record[name] = np.nan
                continue
            try:
                record[name] = parse_amount(self.grid[r][col.index], unit_wan=col.unit_wan)
            except ValueError as exc:
                self._problem(r, name, self.grid[r][col.index], str(exc))
                record[name] = np.nan

    def _date(self, r: int, name: str, partial: str) -> pd.Timestamp | None:
        value = self._cell(r, name)
        try:
            day = parse_date(value, partial="end" if partial == "end" else "start")
        except ValueError as exc:
            self._problem(r, name, value, str(exc))
            return None
        return None if day is None else pd.Timestamp(day)

    def _period(self, r: int, record: dict[str, Any]) -> None:
        """``建设年限`` (2023-2025) gives the start and completion the sheet has no column for."""
        value = self._cell(r, "period")
        try:
            first, last = period_dates(value)
        except ValueError as exc:
            self._problem(r, "period", value, str(exc))
            return
        for name, day in (("start_date", first), ("planned_completion", last)):
            if name not in self.columns and day is not None:
                record[name] = pd.Timestamp(day)

    def _node(self, r: int) -> None:
        name = clean_text(self._cell(r, "node_name"))
        others = [self._cell(r, n) for n in ("node_due", "node_done", "node_id")]
        if is_blank(name):
            if any(not is_blank(v) for v in others):
                self._problem(r, "node_name", None, "the time node has no name (节点内容)")
            return
        project = self.projects[-1]
        done_value = self._cell(r, "node_done")
        done: pd.Timestamp | None = None
        text = compact(done_value) if isinstance(done_value, str) else ""
        if text in _DONE_WORDS:
            self._problem(r, "node_done", done_value, "the node is marked done without a date: "
                          "write the completion date (for example 2011-12-15)")
        elif text not in _NOT_DONE:
            done = self._date(r, "node_done", "end")
        seq = self._cell(r, "node_seq")
        responsible = clean_text(self._cell(r, "responsible"))
        self.nodes.append({
            "_row": r, "_project_row": project["_row"],
            "node_id": clean_text(self._cell(r, "node_id")),
            "project_id": project["project_id"],
            "seq": seq if isinstance(seq, int | float) and not is_blank(seq) else None,
            "name_zh": name, "due_date": self._date(r, "node_due", "end"), "done_date": done,
            "responsible": project.get("lead_department") if is_blank(responsible)
            else responsible,
        })
        due_col = self.columns.get("node_due")
        if is_blank(self._cell(r, "node_due")) and (
                due_col is None or (r, due_col.index) not in self.formulas):
            self.notes.append(f"row {self._excel(r)}: the node {name!r} has no due date "
                              "(完成时限); it is never counted overdue")

    # -- frames -------------------------------------------------------------------------
    def projects_frame(self, *, skip: AbstractSet[int] = frozenset()) -> pd.DataFrame:
        frame = pd.DataFrame([{k: v for k, v in p.items() if not k.startswith("_")}
                              for p in self.projects if p["_row"] not in skip])
        if frame.empty:
            return pd.DataFrame(columns=list(PROJECT_FIELDS))
        for name in ("start_date", "planned_completion"):
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ms]")
        return frame

    def nodes_frame(self, *, skip_projects: AbstractSet[int] = frozenset(),
                    skip_nodes: AbstractSet[int] = frozenset()) -> pd.DataFrame:
        frame = pd.DataFrame(self.nodes, columns=[
            "_row", "_project_row", "node_id", "project_id", "seq", "name_zh", "due_date",
            "done_date", "responsible"])
        for name in ("due_date", "done_date"):
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ms]")
        seq = frame.groupby("_project_row", sort=False).cumcount() + 1
        frame["seq"] = pd.to_numeric(frame["seq"], errors="coerce").fillna(seq).astype("Int64")
        keep = ~frame["_row"].isin(skip_nodes) & ~frame["_project_row"].isin(skip_projects)
        return frame[keep].drop(columns=["_row", "_project_row"]).reset_index(drop=True)

