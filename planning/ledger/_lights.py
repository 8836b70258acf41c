"""Progress lights (红黄绿灯) against the scheduled progress (序时进度), from the history.

The rule is data (``planning/data/progress_lights.csv``, :class:`ProgressRule`); the lights
of any day are computed from the ledger's history as it stood that day (docs/ledger.md,
"Progress lights"):

- a node's **scheduled progress** is the share of its time that has passed: from the due date
  of the node before it in its project (the project's start for the first node) to its own
  due date; its **actual progress** is 100 % once done, else the percentage its unit
  reported (完成进度);
- a project's scheduled progress is the share of the time from its start to its planned
  completion that has passed; its actual progress the mean over its nodes (a node not done
  and not reported counts 0);
- the light compares the two: **red** below ``red_below`` of the schedule, **yellow** below
  ``yellow_below``, else **green**; a node not done by its due date takes the ``overdue``
  light; ``yellows_to_red`` yellow lights in a row (at consecutive meetings, ``period_days``
  apart) make a red one; a project is as red as its worst node.
"""

from __future__ import annotations

import csv
import functools
import os
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from planning._core.colours import is_colour
from planning._core.dates import DateLike, as_of
from planning._errors import InputError
from planning.io import Column, Table, write_workbook
from planning.ledger._view import HistoryView

Light = Literal["red", "yellow", "green"]
#: the lights, worst first, with their Chinese names
LIGHTS: dict[str, str] = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}
_RANK = {"red": 3, "yellow": 2, "green": 1}
_SETTINGS = ("red_below", "yellow_below", "yellows_to_red", "overdue", "unreported",
             "red_colour", "yellow_colour", "green_colour")


@dataclass(frozen=True)
class ProgressRule:
    """The rule of the progress lights (a bureau's own: read it from a CSV file).

    Attributes
    ----------
    red_below, yellow_below : float
        Red when the actual progress is below ``red_below`` times the scheduled progress,
        yellow below ``yellow_below`` times it (0 < red_below <= yellow_below).
    yellows_to_red : int
        This many yellow lights in a row (at consecutive meetings) make a red one; 0: never.
    overdue : {"red", "yellow", "progress"}
        The light of a node not done by its due date (``progress``: judged like the others,
        against a schedule of 100 %).
    unreported : {"dates", "zero"}
        A node under way whose unit reported no percentage: judged on its due date only
        (green until overdue), or counted as 0 % done.
    colours : mapping
        ``red``, ``yellow``, ``green`` -> ``#rrggbb`` (the map and the briefing; read-only).

    Examples
    --------
    >>> rule = ProgressRule.read()
    >>> rule.red_below, rule.yellow_below, rule.yellows_to_red, rule.overdue
    (0.6, 0.8, 2, 'red')
    >>> rule.light(0.55), rule.light(0.7), rule.light(1.2)
    ('red', 'yellow', 'green')
    """

    red_below: float = 0.6
    yellow_below: float = 0.8
    yellows_to_red: int = 2
    overdue: Literal["red", "yellow", "progress"] = "red"
    unreported: Literal["dates", "zero"] = "dates"
    colours: Mapping[str, str] = field(default_factory=lambda: {
        "red": "#d50000", "yellow": "#ffab00", "green": "#2e7d32"})

    def __post_init__(self) -> None:
        object.__setattr__(self, "colours", MappingProxyType(dict(self.colours)))
        problems = []
        if not 0 < self.red_below <= self.yellow_below:
            problems.append(f"0 < red_below <= yellow_below (got {self.red_below}, "
                            f"{self.yellow_below})")
        if isinstance(self.yellows_to_red, bool) or not isinstance(self.yellows_to_red, int) \
                or self.yellows_to_red < 0:
            problems.append(f"yellows_to_red a whole number, 0 or more (got "
                            f"{self.yellows_to_red!r})")
        if self.overdue not in ("red", "yellow", "progress"):
            problems.append(f"overdue red, yellow or progress (got {self.overdue!r})")
        if self.unreported not in ("dates", "zero"):
            problems.append(f"unreported dates or zero (got {self.unreported!r})")
        if set(self.colours) != set(LIGHTS) or not all(map(is_colour, self.colours.values())):
            problems.append(f"colours for red, yellow and green as #rrggbb (got {self.colours})")
        if problems:
            msg = "The progress-light rule needs " + "; ".join(problems) + "."
            raise InputError(msg)

    @classmethod
    def read(cls, path: str | os.PathLike[str] | None = None) -> ProgressRule:
        """The rule of a CSV file like ``planning/data/progress_lights.csv`` (its default).

        Parameters
        ----------
        path : str or path-like, optional
            A CSV file with the columns ``setting`` and ``value`` (``#`` lines are comments);
            settings left out keep the default's value.

        Raises
        ------
        InputError
            Naming the file, every unknown setting and every value that is not possible.
        """
        if path is None:
            return _default_rule()
        source = Path(path)
        if not source.is_file():
            msg = f"The progress-light rule {source} does not exist; check the path."
            raise InputError(msg)
        try:
            text = source.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            msg = (f"The progress-light rule {source.name} is not UTF-8 text: save it as a "
                   "UTF-8 CSV file with the columns setting and value.")
            raise InputError(msg) from None
        return _rule_from(text, source.name)

    def light(self, ratio: float) -> Light:
        """The light of an actual/scheduled progress ratio."""
        if ratio < self.red_below:
            return "red"
        return "yellow" if ratio < self.yellow_below else "green"


@functools.cache
def _default_rule() -> ProgressRule:
    text = resources.files("planning").joinpath("data", "progress_lights.csv").read_text(
        encoding="utf-8")
    return _rule_from(text, "planning/data/progress_lights.csv")


def _rule_from(text: str, name: str) -> ProgressRule:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    if not rows or "setting" not in rows[0] or "value" not in rows[0]:
        msg = f"{name} needs the columns setting and value (see planning/data/progress_lights.csv)"
        raise InputError(msg)
    values = {r["setting"].strip(): (r["value"] or "").strip() for r in rows}
    unknown = sorted(set(values) - set(_SETTINGS))
    if unknown:
        msg = (f"{name}: unknown setting(s) {', '.join(unknown)}; the settings are "
               f"{', '.join(_SETTINGS)}")
        raise InputError(msg)
    base = ProgressRule()
    try:
        return ProgressRule(
            red_below=float(values.get("red_below", base.red_below)),
            yellow_below=float(values.get("yellow_below", base.yellow_below)),
            yellows_to_red=int(values.get("yellows_to_red", base.yellows_to_red)),
            overdue=values.get("overdue", base.overdue),  # type: ignore[arg-type]
            unreported=values.get("unreported", base.unreported),  # type: ignore[arg-type]
            colours={k: values.get(f"{k}_colour", base.colours[k]) for k in LIGHTS},
        )
    except (ValueError, InputError) as exc:
        msg = f"{name}: {exc}"
        raise InputError(msg) from exc


@dataclass(frozen=True, eq=False)
class Lights:
    """The progress lights of a ledger on one day (:func:`progress_lights`).

    Attributes
    ----------
    on : pandas.Timestamp
    rule : ProgressRule
    nodes : pandas.DataFrame
        One row per node: ``node_id``, ``project_id``, ``project_name``, ``node``,
        ``responsible``, ``township``, ``due_date``, ``done_date``, ``state``,
        ``window_start``, ``scheduled`` (0-1), ``actual`` (0-1, NaN when not known),
        ``ratio``, ``raw_light`` (before the yellows-in-a-row rule), ``light`` (``red``,
        ``yellow``, ``green``; None for a node without a due date), ``light_zh``, ``reason``.
    projects : pandas.DataFrame
        One row per project: ``project_id``, ``name_zh``, ``township``, ``lead_department``,
        ``status``, ``scheduled``, ``actual``, ``ratio``, ``own_light`` (of its own
        schedule), ``raw_light``, ``light`` (the worst of its own and its nodes'; None for a
        suspended project), ``light_zh``, ``reason``, ``red_nodes``, ``yellow_nodes``.
    units : pandas.DataFrame
        One row per responsible unit: ``unit``, ``nodes``, ``red``, ``yellow``, ``green``,
        ``red_behind`` (red nodes not overdue: behind the scheduled progress), ``light`` (its
        worst node's), ``light_zh``.
    """

    on: pd.Timestamp
    rule: ProgressRule
    nodes: pd.DataFrame
    projects: pd.DataFrame
    units: pd.DataFrame

    def counts(self) -> dict[str, int]:
        """Projects by light: ``{"red": n, "yellow": n, "green": n}``."""
        found = self.projects["light"].value_counts()
        return {k: int(found.get(k, 0)) for k in LIGHTS}

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the lights as a workbook (项目, 节点, 责任单位 sheets), atomically."""
        day = f"{self.on.year}年{self.on.month}月{self.on.day}日"
        sheets = []
        for name, frame, columns in (
                ("项目", self.projects, LIGHT_PROJECT_COLUMNS),
                ("节点", self.nodes, _NODE_SHEET_COLUMNS),
                ("责任单位", self.units, LIGHT_UNIT_COLUMNS)):
            specs = [Column(f, head, kind="pct" if kind == "pct" else "int" if kind == "int"
                            else "date" if kind == "date" else "text")
                     for f, head, kind in columns]
            sheets.append(Table(name, frame, specs,
                                title=f"进度红黄绿灯（对照序时进度，截至{day}）"))
        return write_workbook(path, sheets).path


def progress_lights(ledger: HistoryView, *, on: DateLike, rule: ProgressRule | None = None,
                    period_days: int = 10) -> Lights:
    """The progress lights on ``on`` (rule in the module documentation).

    Parameters
    ----------
    ledger : planning.Ledger
    on : date
        The day (as every ``on=``: a month means its last day); the ledger as it stood then.
    rule : ProgressRule, optional
        Default: ``planning/data/progress_lights.csv``.
    period_days : int, default 10
        Days between meetings: the earlier lights of the yellows-in-a-row rule are those of
        ``on - period_days``, ``on - 2 * period_days``, ...

    Returns
    -------
    Lights
    """
    day = as_of(on)
    used = rule if rule is not None else ProgressRule.read()
    if not isinstance(used, ProgressRule):
        msg = f"rule must be a planning.ledger.ProgressRule, got {type(used).__name__}"
        raise TypeError(msg)
    if isinstance(period_days, bool) or not isinstance(period_days, int) or period_days < 1:
        msg = f"period_days must be a whole number of days, 1 or more, got {period_days!r}"
        raise InputError(msg)
    nodes, projects = _raw(ledger, day, used)
    earlier = [_raw(ledger, day - pd.Timedelta(days=period_days * k), used)
               for k in range(1, used.yellows_to_red)]
    nodes = _escalate(nodes, "node_id", [n for n, _ in earlier], used)
    projects = _project_lights(projects, nodes, used)
    projects = _escalate(projects, "project_id",
                         [_project_lights(p, n, used) for n, p in earlier], used)
    return Lights(day, used, nodes, projects, _unit_lights(nodes))


def _raw(ledger: HistoryView, day: pd.Timestamp, rule: ProgressRule
         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node lights before the yellows-in-a-row rule, and the projects' own schedules."""
    nodes = ledger.node_reports(on=day).sort_values(["project_id", "seq"], kind="stable")
    due = nodes["due_date"]
    previous = nodes.groupby("project_id")["due_date"].shift()
    start = previous.where(previous.notna(), nodes["start_date"])
    start = start.where(start < due)
    span = (due - start).dt.days
    scheduled = ((day - start).dt.days / span).clip(0, 1)
    done = nodes["state"].isin(["done", "done_late"])
    reported = nodes["progress_pct"] / 100
    actual = pd.Series(np.where(done, 1.0, reported), index=nodes.index)
    if rule.unreported == "zero":
        actual = actual.fillna(0.0)
    overdue = nodes["state"] == "overdue"
    ratio = actual / scheduled.where(scheduled > 0)
    lights: list[str | None] = []
    reasons: list[str] = []
    for row_done, row_overdue, row_due, sched, act, rat, days in zip(
            done, overdue, due.isna(), scheduled, actual, ratio, nodes["days_overdue"],
            strict=True):
        light, reason = _node_light(rule, done=row_done, overdue=row_overdue,
                                    no_due=row_due, scheduled=sched, actual=act, ratio=rat,
                                    days=int(days))
        lights.append(light)
        reasons.append(reason)
    out = pd.DataFrame({
        "node_id": nodes["node_id"], "project_id": nodes["project_id"],
        "project_name": nodes["project_name"], "node": nodes["name_zh"],
        "responsible": nodes["responsible"], "township": nodes["township"],
        "due_date": due, "done_date": nodes["done_date"], "state": nodes["state"],
        "window_start": start, "scheduled": scheduled, "actual": actual, "ratio": ratio,
        "raw_light": pd.Series(lights, index=nodes.index, dtype=object),
        "reason": pd.Series(reasons, index=nodes.index, dtype=object),
    }).reset_index(drop=True)
    return out, _project_schedule(ledger, day, out)


def _node_light(rule: ProgressRule, *, done: bool, overdue: bool, no_due: bool,
                scheduled: float, actual: float, ratio: float, days: int
                ) -> tuple[str | None, str]:
    if done:
        return "green", "已完成"
    if no_due:
        return None, "无完成时限"
    if overdue:
        value = 0.0 if np.isnan(actual) else actual
        light = rule.light(value) if rule.overdue == "progress" else rule.overdue
        return light, f"逾期未完成{days}天，完成进度{value:.0%}"
    if np.isnan(scheduled) or scheduled == 0:
        return "green", "未到序时进度"
    if np.isnan(actual):
        return "green", f"未报完成进度（序时进度{scheduled:.0%}，按时限判断）"
    return rule.light(ratio), f"完成进度{actual:.0%}，序时进度{scheduled:.0%}"


def _project_schedule(ledger: HistoryView, day: pd.Timestamp, nodes: pd.DataFrame
                      ) -> pd.DataFrame:
    snap = ledger.snapshot(on=day)
    start, end = snap["start_date"], snap["planned_completion"]
    span = (end - start).dt.days
    scheduled = ((day - start).dt.days / span.where(span > 0)).clip(0, 1)
    node_actual = nodes.groupby("project_id")["actual"].apply(lambda s: s.fillna(0).mean())
    actual = snap["project_id"].map(node_actual).astype(float)
    actual = actual.where(snap["status"] != "completed", 1.0)
    ratio = actual / scheduled.where(scheduled > 0)
    return pd.DataFrame({
        "project_id": snap["project_id"], "name_zh": snap["name_zh"],
        "township": snap["township"], "lead_department": snap["lead_department"],
        "status": snap["status"], "scheduled": scheduled, "actual": actual, "ratio": ratio,
    })


def _project_lights(projects: pd.DataFrame, nodes: pd.DataFrame, rule: ProgressRule
                    ) -> pd.DataFrame:
    """A project's own light (its schedule), then the worst of it and its nodes' lights."""
    out = projects.copy()
    own = [None if status == "suspended" else "green" if np.isnan(r) else rule.light(r)
           for status, r in zip(out["status"], out["ratio"], strict=True)]
    out["own_light"] = pd.Series(own, index=out.index, dtype=object)
    light_column = "light" if "light" in nodes.columns else "raw_light"
    worst = nodes.groupby("project_id")[light_column].agg(_worst)
    counts = nodes.groupby("project_id")[light_column].value_counts().unstack(fill_value=0)
    node_worst = out["project_id"].map(worst)
    raw = [None if o is None else _worst([o, w]) for o, w in zip(own, node_worst, strict=True)]
    out["raw_light"] = pd.Series(raw, index=out.index, dtype=object)
    for light in ("red", "yellow"):
        column = counts[light] if light in counts.columns else pd.Series(dtype=int)
        out[f"{light}_nodes"] = out["project_id"].map(column).fillna(0).astype(int)
    out["reason"] = pd.Series([_project_reason(r) for r in out.to_dict("records")],
                              index=out.index, dtype=object)
    return out


def _project_reason(row: Mapping[Hashable, object]) -> str:
    if row["own_light"] is None:
        return "项目暂停"
    parts = []
    actual, scheduled = row["actual"], row["scheduled"]
    if isinstance(scheduled, float) and not np.isnan(scheduled):
        shown = 0.0 if not isinstance(actual, float) or np.isnan(actual) else actual
        parts.append(f"完成进度{shown:.0%}，序时进度{scheduled:.0%}")
    if row["red_nodes"]:
        parts.append(f"{row['red_nodes']}个节点红灯")
    if row["yellow_nodes"]:
        parts.append(f"{row['yellow_nodes']}个节点黄灯")
    return "；".join(parts) or "无时间信息"


def _worst(values: object) -> str | None:
    known = [v for v in values if isinstance(v, str)]  # type: ignore[attr-defined]
    return max(known, key=_RANK.__getitem__) if known else None


def _escalate(frame: pd.DataFrame, key: str, earlier: list[pd.DataFrame],
              rule: ProgressRule) -> pd.DataFrame:
    """``light``: the raw light, made red after ``yellows_to_red`` yellows in a row."""
    out = frame.copy()
    light = out["raw_light"].copy()
    if rule.yellows_to_red >= 1:
        streak = light == "yellow"
        for before in earlier:
            previous = out[key].map(before.set_index(key)["raw_light"])
            streak &= previous == "yellow"
        light = light.where(~streak, "red")
        suffix = f"；连续{rule.yellows_to_red}次黄灯"
        out["reason"] = pd.Series([f"{r}{suffix}" if s else r for r, s in
                                   zip(out["reason"], streak, strict=True)],
                                  index=out.index, dtype=object)
    out["light"] = light.astype(object).where(light.notna(), None)
    out["light_zh"] = out["light"].map(LIGHTS)
    return out


def _unit_lights(nodes: pd.DataFrame) -> pd.DataFrame:
    grouped = nodes.groupby("responsible")["light"]
    counts = grouped.value_counts().unstack(fill_value=0)
    out = pd.DataFrame({"nodes": grouped.size()})
    for light in LIGHTS:
        out[light] = counts[light] if light in counts.columns else 0
    behind = (nodes["light"] == "red") & (nodes["state"] != "overdue")
    out["red_behind"] = behind.groupby(nodes["responsible"]).sum()
    out[[*LIGHTS, "red_behind"]] = out[[*LIGHTS, "red_behind"]].fillna(0).astype(int)
    out["light"] = grouped.agg(_worst)
    out["light_zh"] = out["light"].map(LIGHTS)
    out.index.name = "unit"
    return out.reset_index().sort_values(["red", "yellow", "unit"], ascending=[False, False,
                                                                              True],
                                         kind="stable").reset_index(drop=True)


#: the briefing's tables of lights: (field, Chinese header, kind of value)
LIGHT_PROJECT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("project_id", "项目编号", "text"), ("name_zh", "项目名称", "text"),
    ("lead_department", "牵头单位", "text"), ("light_zh", "灯", "text"),
    ("scheduled", "序时进度", "pct"), ("actual", "完成进度", "pct"), ("reason", "原因", "text"),
)
LIGHT_UNIT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("unit", "责任单位", "text"), ("light_zh", "灯", "text"), ("red", "红灯节点", "int"),
    ("yellow", "黄灯节点", "int"), ("green", "绿灯节点", "int"), ("nodes", "节点数", "int"),
)


_NODE_SHEET_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("node_id", "节点编号", "text"), ("project_name", "项目名称", "text"),
    ("node", "节点内容", "text"), ("responsible", "责任单位", "text"),
    ("due_date", "完成时限", "date"), ("light_zh", "灯", "text"),
    ("scheduled", "序时进度", "pct"), ("actual", "完成进度", "pct"), ("reason", "原因", "text"),
)


def flagged_projects(lights: Lights) -> pd.DataFrame:
    """The projects with a red or a yellow light, red first (what a meeting looks at)."""
    frame = lights.projects[lights.projects["light"].isin(["red", "yellow"])]
    order = frame["light"].map({"red": 0, "yellow": 1})
    return frame.assign(_order=order).sort_values(["_order", "project_id"], kind="stable").drop(
        columns="_order").reset_index(drop=True)
