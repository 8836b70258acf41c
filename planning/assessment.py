"""Assessment of the responsible units (考核奖惩): ranking, reward and accountability lists.

Townships and county departments are ranked on the time nodes they are responsible for and,
when given, on the sanitation inspection scores of their responsibility zones. The rule
(docs/ledger.md, "Assessment") in short:

1. The nodes of a unit in a period are those due in it (up to ``on``) and those due earlier
   but still open when the period began (carried over).
2. **Node score** = 100 × (nodes done on time + ½ × nodes done late) / nodes.
3. **Timeliness score** = 100 × max(0, 1 − mean days overdue per node / ``max_days``), where
   the days overdue of a node are counted inside the period only (from its due date or the
   period start, whichever is later, to its completion or ``on``): ``days_overdue``, 期内逾期
   天数. The table also shows ``days_overdue_total`` (逾期天数（自时限起）), counted from the
   due date whatever the period, which is what the meeting briefing shows for an open node:
   a node due 2011-09-01 and open on 2011-12-17 has 107 days overdue, 77 of them inside
   2011Q4.
4. **Sanitation score** = the unit's mean inspection score (0-100), from
   :func:`planning.sanitation.unit_scores`.
5. **Returns score** (报送及时, who was late) = 100 × (fill-in workbooks returned on time + ½ ×
   returned late) / workbooks sent to the unit in the period whose deadline has passed (or
   that came back) by ``on``: a workbook never returned counts 0. From the ledger's returns
   log (:meth:`planning.Ledger.fill_in_workbooks`, :meth:`planning.Ledger.merge_returns`);
   a unit that was sent none has no returns score.
6. **Total** = weighted mean of the scores the unit has (default weights: nodes 0.4,
   timeliness 0.16, sanitation 0.24, returns 0.2: without returns to count, the first three
   keep their shares 0.5, 0.2, 0.3); a missing score's weight is shared out over the others.
   A unit with no score at all is listed, not ranked. A unit with no node to assess is
   listed, not ranked (nor rewarded) on its sanitation score alone, unless
   ``rank_without_nodes=True``.
7. Rank by total, highest first; equal totals share a rank.
8. **Reward**: the ``top`` best-ranked units that have no node overdue on ``on``.
   **Accountability**: the ``bottom`` lowest-ranked units, and every unit below
   ``pass_mark`` (60). The table also counts each unit's red and yellow progress lights on
   ``on`` (:meth:`planning.Ledger.lights`); red nodes that are not overdue (behind the
   scheduled progress) and missing or late returns are named among the reasons.

Examples
--------
>>> import planning
>>> result = planning.assessment.rank(planning.load_sample().ledger, period="2011Q4",
...                                   on="2011-12-17")
>>> result.table.loc[result.table["unit"] == "打渔陈镇", "nodes_open"].item()
1
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planning._core.dates import DateLike, PeriodLike, as_of, period_bounds
from planning._core.fonts import cjk_font
from planning._errors import InputError
from planning.io import Column, Table, atomic_output, write_workbook
from planning.ledger import Ledger

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DEFAULT_WEIGHTS", "Assessment", "cjk_font", "rank", "rank_workspace"]

log = logging.getLogger(__name__)

#: default weights of the scores in the total
DEFAULT_WEIGHTS: dict[str, float] = {"nodes": 0.4, "timeliness": 0.16, "sanitation": 0.24,
                                     "returns": 0.2}
_COLUMNS = [
    "rank", "unit", "kind", "nodes", "nodes_on_time", "nodes_done_late", "nodes_open",
    "nodes_overdue_now", "days_overdue", "days_overdue_total", "node_score", "timeliness_score",
    "sanitation_score", "n_inspections", "returns_expected", "returns_on_time",
    "returns_late", "returns_missing", "returns_score", "red_nodes", "red_behind",
    "yellow_nodes", "total", "ranked", "note",
]
#: the units' kinds as the workbook shows them
KINDS_ZH = {"township": "乡镇", "department": "县直部门"}


@dataclass(frozen=True, eq=False)
class Assessment:
    """The result of :func:`rank`.

    Attributes
    ----------
    period : str
        The period as given (``2011-12``, ``2011Q4``, ...).
    start, end, on : pandas.Timestamp
        First and last day of the period, and the day the nodes were judged on.
    table : pandas.DataFrame
        One row per unit, best first: ``rank`` (NA when not ranked), ``unit``, ``kind``
        (``township`` / ``department``), ``nodes``, ``nodes_on_time``, ``nodes_done_late``,
        ``nodes_open`` (not done on ``on``), ``nodes_overdue_now`` (overdue on ``on``,
        whatever their due date), ``days_overdue`` (inside the period), ``days_overdue_total``
        (from the due dates, as the briefing counts them), ``node_score``,
        ``timeliness_score``, ``sanitation_score``, ``n_inspections``, ``total``,
        ``ranked``, ``note`` (why a unit is not ranked).
    reward, accountable : pandas.DataFrame
        The rows of ``table`` for reward and for accountability; ``accountable`` has a
        ``reason`` column.
    weights : dict
        The weights used.
    """

    period: str
    start: pd.Timestamp
    end: pd.Timestamp
    on: pd.Timestamp
    table: pd.DataFrame
    reward: pd.DataFrame
    accountable: pd.DataFrame
    weights: dict[str, float] = field(default_factory=dict)
    pass_mark: float = 60.0

    def chart(self, path: str | os.PathLike[str] | None = None, *, dpi: int = 150) -> Figure:
        """A chart of the total score and the node progress of every unit.

        Parameters
        ----------
        path : str or path-like, optional
            Also save it there (``.png``, ``.svg`` or ``.pdf``), atomically.
        dpi : int, default 150

        Returns
        -------
        matplotlib.figure.Figure
            Chinese unit names are drawn with an installed CJK font (:func:`cjk_font`).
        """
        from matplotlib import rc_context  # noqa: PLC0415  (heavy; only for charts)

        font = cjk_font()
        # named families (not "sans-serif"): the texts keep them when drawn later, outside
        # this context, e.g. by fig.savefig() in a notebook
        families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
        with rc_context({"font.family": families, "axes.unicode_minus": False}):
            fig = _draw(self)
            if path is not None:
                target = Path(path)
                with atomic_output(target) as tmp:
                    fig.savefig(tmp, dpi=dpi, format=target.suffix.lstrip(".") or "png",
                                bbox_inches="tight")
        return fig

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the ranking, reward and accountability lists as a workbook (atomically).

        One sheet each (排名, 奖励, 问责): a title row, then the header, in Chinese (unit
        kinds 乡镇 / 县直部门, scores with one decimal, both kinds of days overdue named);
        written by :func:`planning.io.write_workbook` (unit names are never formulas).
        """
        sheets = []
        for name, frame in (("排名", self.table), ("奖励", self.reward),
                            ("问责", self.accountable)):
            shown = frame.assign(kind=frame["kind"].map(lambda k: KINDS_ZH.get(str(k), k)))
            columns = [c for c in _EXCEL_COLUMNS if c.field in shown.columns]
            sheets.append(Table(name, shown, columns,
                                title=f"{self.period} 考核{name}（节点截至{self.on.date()}）"))
        return write_workbook(path, sheets).path


#: the columns of the assessment workbook, in order (those a sheet has are written)
_EXCEL_COLUMNS = (
    Column("rank", "名次", kind="int", width=6), Column("unit", "责任单位", width=24),
    Column("kind", "类型", width=10),
    Column("nodes", "考核节点", kind="int"), Column("nodes_on_time", "按期完成", kind="int"),
    Column("nodes_done_late", "逾期完成", kind="int"), Column("nodes_open", "未完成", kind="int"),
    Column("nodes_overdue_now", "当前逾期", kind="int"),
    Column("days_overdue", "期内逾期天数", kind="int", width=12),
    Column("days_overdue_total", "逾期天数（自时限起）", kind="int", width=14),
    Column("node_score", "节点得分", kind="float", decimals=1),
    Column("timeliness_score", "时效得分", kind="float", decimals=1),
    Column("sanitation_score", "卫生得分", kind="float", decimals=1),
    Column("n_inspections", "检查次数", kind="int"),
    Column("returns_expected", "应报送", kind="int"),
    Column("returns_on_time", "按时报送", kind="int"),
    Column("returns_late", "逾期报送", kind="int"),
    Column("returns_missing", "未报送", kind="int"),
    Column("returns_score", "报送得分", kind="float", decimals=1),
    Column("red_nodes", "红灯节点", kind="int"),
    Column("red_behind", "其中未逾期（落后序时进度）", kind="int"),
    Column("yellow_nodes", "黄灯节点", kind="int"),
    Column("total", "总分", kind="float", decimals=1),
    Column("note", "备注", width=30, wrap=True), Column("reason", "原因", width=30, wrap=True),
)


def rank(
    ledger: Ledger,
    *,
    period: PeriodLike,
    inspections: pd.DataFrame | None = None,
    weights: Mapping[str, float] | None = None,
    on: DateLike | None = None,
    top: int = 3,
    bottom: int = 3,
    pass_mark: float = 60.0,
    max_days: float = 30.0,
    rank_without_nodes: bool = False,
) -> Assessment:
    """Rank the townships and departments for a period (rule in the module documentation).

    Parameters
    ----------
    ledger : planning.Ledger
    period : str, pandas.Period or (first, last)
        A month (``"2011-12"``, ``"2011年12月"``), a quarter (``"2011Q4"``,
        ``"2011年第四季度"``), a half-year (``"2011年上半年"``), a year (``"2011"``) or
        (first, last) dates.
    inspections : pandas.DataFrame, optional
        Sanitation scores per unit, as :func:`planning.sanitation.unit_scores` returns them:
        ``unit``, ``score`` (0-100), ``n_inspections``.
    weights : mapping, optional
        Weights of ``nodes``, ``timeliness`` and ``sanitation`` (any non-negative numbers;
        they are scaled to sum to 1). Default :data:`DEFAULT_WEIGHTS`.
    on : date, optional
        The day the nodes are judged on (a meeting day inside the period; as every ``on=``,
        a month such as ``"2011-12"`` means its last day). Default, and at the latest: the
        period's last day. Nodes due after it are not counted.
    top, bottom : int, default 3
        How many units to list for reward and for accountability.
    pass_mark : float, default 60
        Units below this total are always held to account.
    max_days : float, default 30
        Mean days overdue per node at which the timeliness score reaches 0.
    rank_without_nodes : bool, default False
        Rank (and so possibly reward) units that have no node to assess on their sanitation
        score alone. By default they are listed with a note, not ranked.

    Returns
    -------
    Assessment

    Examples
    --------
    >>> import planning
    >>> result = rank(planning.load_sample().ledger, period="2011")
    >>> int(result.table["rank"].iloc[0])
    1
    >>> bool(set(result.reward["unit"]) & set(result.accountable["unit"]))
    False
    """
    start, last = period_bounds(period)
    day = last if on is None else min(as_of(on), last)
    if day < start:
        msg = f"on ({day.date()}) is before the period starts ({start.date()})."
        raise InputError(msg)
    used = _weights(weights)
    nodes = _period_nodes(ledger, start, day)
    scores = _unit_node_scores(nodes, max_days=max_days)
    now = ledger.node_states(on=day)
    overdue_now = now[now["state"] == "overdue"].groupby("responsible").size()
    scores = scores.join(_returns_and_lights(ledger, start, day), how="outer")
    table = _combine(scores, _sanitation(inspections), overdue_now, _units(ledger), used)
    table = _ranked(table, rank_without_nodes=rank_without_nodes)
    reward, accountable = _lists(table, top=top, bottom=bottom, pass_mark=pass_mark)
    label = period if isinstance(period, str) else str(period)
    return Assessment(period=label, start=start, end=last, on=day, table=table, reward=reward,
                      accountable=accountable, weights=used, pass_mark=pass_mark)


def rank_workspace(
    ws: Mapping[str, pd.DataFrame], *, period: PeriodLike, on: DateLike | None = None,
    **options: Any,
) -> Assessment:
    """:func:`rank` of a workspace: its ledger, and the sanitation scores of its inspections.

    The scores come from :func:`planning.sanitation.unit_scores` of the ``inspections``
    table over the ``sanitation_zones`` layer for the same period, when the workspace has
    both; ``options`` are passed on to :func:`rank`.

    Examples
    --------
    >>> import planning
    >>> result = rank_workspace(planning.load_sample(), period="2011Q4", on="2011-12-17")
    >>> bool(result.table["n_inspections"].fillna(0).sum() > 0)
    True
    """
    from planning import sanitation  # noqa: PLC0415 - only when the workspace has zones

    ledger = getattr(ws, "ledger", None)
    if not isinstance(ledger, Ledger):
        ledger = Ledger.from_workspace(ws)
    scores = None
    if "inspections" in ws and "sanitation_zones" in ws:
        scores = sanitation.unit_scores(ws["inspections"], ws["sanitation_zones"],
                                        period=period)
    return rank(ledger, period=period, on=on, inspections=scores, **options)


def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    raw = dict(DEFAULT_WEIGHTS if weights is None else weights)
    unknown = sorted(set(raw) - set(DEFAULT_WEIGHTS))
    if unknown:
        msg = (f"unknown weight(s) {', '.join(unknown)}; the scores are "
               f"{', '.join(DEFAULT_WEIGHTS)}")
        raise InputError(msg)
    values = {k: float(raw.get(k, 0.0)) for k in DEFAULT_WEIGHTS}
    if any(v < 0 or math.isnan(v) for v in values.values()) or sum(values.values()) <= 0:
        msg = f"weights must be 0 or more and not all 0, got {dict(raw)}"
        raise InputError(msg)
    total = sum(values.values())
    return {k: v / total for k, v in values.items()}


def _period_nodes(ledger: Ledger, start: pd.Timestamp, day: pd.Timestamp) -> pd.DataFrame:
    """The nodes assessed: due in [start, day], or due earlier and still open at start."""
    states = ledger.node_states(on=day)
    due = states["due_date"]
    done = states["done_date"]
    in_period = due.between(start, day)
    carried = (due < start) & (done.isna() | (done >= start))
    nodes = states[in_period | carried].copy()
    done, due = nodes["done_date"], nodes["due_date"]
    nodes["on_time"] = done.notna() & (done <= due)
    nodes["late"] = done.notna() & (done > due)
    nodes["open"] = done.isna()
    late_from = due.where(due >= start, start)
    late_to = done.fillna(day)
    nodes["days"] = (late_to - late_from).dt.days.clip(lower=0).fillna(0).astype(int)
    nodes["days_total"] = (late_to - due).dt.days.clip(lower=0).fillna(0).astype(int)
    return nodes


def _unit_node_scores(nodes: pd.DataFrame, *, max_days: float) -> pd.DataFrame:
    grouped = nodes.groupby("responsible")
    out = pd.DataFrame({
        "nodes": grouped.size(),
        "nodes_on_time": grouped["on_time"].sum(),
        "nodes_done_late": grouped["late"].sum(),
        "nodes_open": grouped["open"].sum(),
        "days_overdue": grouped["days"].sum(),
        "days_overdue_total": grouped["days_total"].sum(),
    })
    out.index.name = "unit"
    out["node_score"] = 100 * (out["nodes_on_time"] + 0.5 * out["nodes_done_late"]) / out["nodes"]
    mean_days = out["days_overdue"] / out["nodes"]
    out["timeliness_score"] = 100 * (1 - mean_days / max_days).clip(lower=0)
    return out


_RETURN_COUNTS = ("returns_expected", "returns_on_time", "returns_late", "returns_missing",
                  "red_nodes", "red_behind", "yellow_nodes")


def _returns_and_lights(ledger: Ledger, start: pd.Timestamp, day: pd.Timestamp
                        ) -> pd.DataFrame:
    """Per unit: fill-in workbooks sent in the period and how they came back (by ``day``),
    the returns score, and the red and yellow progress lights on ``day``."""
    status = ledger.returns_status(on=day)
    status = status[status["sent_on"].between(start, day) & (status["status"] != "pending")]
    grouped = status.groupby("unit")["status"]
    counts = grouped.value_counts().unstack(fill_value=0)
    out = pd.DataFrame({"returns_expected": grouped.size()})
    for state in ("on_time", "late", "missing"):
        out[f"returns_{state}"] = counts[state] if state in counts.columns else 0
    out["returns_score"] = 100 * (out["returns_on_time"] + 0.5 * out["returns_late"]) / out[
        "returns_expected"]
    lights = ledger.lights(on=day).units.set_index("unit")[["red", "red_behind", "yellow"]]
    lights.columns = ["red_nodes", "red_behind", "yellow_nodes"]
    out = out.join(lights, how="outer")
    out.index.name = "unit"
    return out


def _sanitation(inspections: pd.DataFrame | None) -> pd.DataFrame:
    if inspections is None:
        return pd.DataFrame({"sanitation_score": pd.Series(dtype=float),
                             "n_inspections": pd.Series(dtype=int)})
    if not isinstance(inspections, pd.DataFrame) or not {"unit", "score"} <= set(
            inspections.columns):
        msg = ("inspections must be the table planning.sanitation.unit_scores() returns, with "
               f"the columns unit, score and n_inspections; got {type(inspections).__name__}"
               + (f" with columns {list(inspections.columns)}"
                  if isinstance(inspections, pd.DataFrame) else ""))
        raise InputError(msg)
    scores = pd.to_numeric(inspections["score"], errors="coerce")
    bad = inspections.loc[scores.notna() & ~scores.between(0, 100), "unit"]
    if len(bad):
        msg = f"sanitation scores must lie in 0-100; units out of range: {', '.join(map(str, bad))}"
        raise InputError(msg)
    if inspections["unit"].duplicated().any():
        dup = inspections.loc[inspections["unit"].duplicated(), "unit"]
        msg = f"units listed twice in the inspection scores: {', '.join(map(str, dup))}"
        raise InputError(msg)
    count = inspections["n_inspections"] if "n_inspections" in inspections.columns else (
        scores.notna().astype(int))
    out = pd.DataFrame({"sanitation_score": scores.to_numpy(),
                        "n_inspections": pd.to_numeric(count).fillna(0).astype(int).to_numpy()},
                       index=pd.Index(inspections["unit"].astype(str), name="unit"))
    out.loc[out["n_inspections"] == 0, "sanitation_score"] = np.nan
    return out


def _units(ledger: Ledger) -> pd.Series:
    """Unit name -> kind, from the departments table (names ending 镇 / 乡 are townships)."""
    departments = ledger.departments
    if departments is None or not {"name_zh", "kind"} <= set(departments.columns):
        return pd.Series(dtype=object)
    return pd.Series(departments["kind"].to_numpy(), index=departments["name_zh"].astype(str))


def _combine(scores: pd.DataFrame, sanitation: pd.DataFrame, overdue_now: pd.Series,
             kinds: pd.Series, weights: Mapping[str, float]) -> pd.DataFrame:
    names = sorted(set(scores.index) | set(sanitation.index) | set(kinds.index)
                   | set(overdue_now.index))
    table = pd.DataFrame(index=pd.Index(names, name="unit"))
    table = table.join(scores).join(sanitation)
    for column in ("nodes", "nodes_on_time", "nodes_done_late", "nodes_open", "days_overdue",
                   "days_overdue_total", "n_inspections", *_RETURN_COUNTS):
        table[column] = table[column].fillna(0).astype(int)
    table["nodes_overdue_now"] = overdue_now.reindex(table.index).fillna(0).astype(int)
    guess = pd.Series(["township" if n.endswith(("镇", "乡")) else "department" for n in names],
                      index=table.index)
    table["kind"] = kinds[~kinds.index.duplicated()].reindex(table.index).fillna(guess)
    parts = {"nodes": table["node_score"], "timeliness": table["timeliness_score"],
             "sanitation": table["sanitation_score"], "returns": table["returns_score"]}
    weighted = pd.Series(0.0, index=table.index)
    present = pd.Series(0.0, index=table.index)
    for key, weight in weights.items():
        weighted += parts[key].fillna(0) * weight
        present += parts[key].notna() * weight
    table["total"] = (weighted / present).where(present > 0)
    return table.reset_index()


def _unranked_note(sanitation: bool, returns: bool) -> str:
    """Why a unit is not ranked, naming the scores it has (卫生得分, 报送得分)."""
    has = [name for name, present in (("卫生得分", sanitation), ("报送得分", returns)) if present]
    if not has:
        return "无考核节点、卫生得分和报送得分，未排名"
    return f"无考核节点，仅有{'和'.join(has)}，未排名"


def _ranked(table: pd.DataFrame, *, rank_without_nodes: bool) -> pd.DataFrame:
    has_nodes = table["nodes"] > 0
    ranked = table["total"].notna() & (has_nodes | rank_without_nodes)
    table = table.assign(ranked=ranked, note=[
        "" if r else _unranked_note(s, t) for r, s, t in zip(
            ranked, table["sanitation_score"].notna(), table["returns_score"].notna(),
            strict=True)])
    table["rank"] = table["total"].where(ranked).rank(method="min", ascending=False
                                                      ).astype("Int64")
    table = table.assign(_order=table["total"].where(ranked)).sort_values(
        ["_order", "total", "unit"], ascending=[False, False, True], na_position="last")
    return table[_COLUMNS].reset_index(drop=True)


def _lists(table: pd.DataFrame, *, top: int, bottom: int, pass_mark: float
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    ranked = table[table["ranked"]]
    reward = ranked[ranked["nodes_overdue_now"] == 0].head(max(top, 0))
    tail = ranked.tail(max(bottom, 0)) if bottom > 0 else ranked.iloc[0:0]
    failing = ranked[ranked["total"] < pass_mark]
    accountable = ranked[ranked.index.isin(tail.index.union(failing.index))
                         & ~ranked.index.isin(reward.index)].copy()
    reasons = []
    for idx, row in accountable.iterrows():
        why = []
        if row["total"] < pass_mark:
            why.append(f"总分低于{pass_mark:g}分")
        if idx in tail.index:
            why.append(f"排名后{bottom}位")
        if row["nodes_overdue_now"]:
            why.append(f"{row['nodes_overdue_now']}个节点逾期未完成")
        if row["red_behind"]:
            why.append(f"{row['red_behind']}个节点进度落后于序时进度（红灯）")
        if row["returns_missing"] or row["returns_late"]:
            why.append(f"台账填报未报送{row['returns_missing']}次、逾期报送{row['returns_late']}次")
        reasons.append("；".join(why))
    accountable["reason"] = reasons
    return reward.reset_index(drop=True), accountable.reset_index(drop=True)


def _draw(result: Assessment) -> Figure:
    from matplotlib.figure import Figure  # noqa: PLC0415  (heavy; only for charts)
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    table = result.table
    units = table["unit"].tolist()[::-1]
    height = max(3.0, 0.32 * len(units) + 1.2)
    fig = Figure(figsize=(11, height), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True, width_ratios=[3, 2])
    reward, blame = set(result.reward["unit"]), set(result.accountable["unit"])
    colours = ["#2e7d32" if u in reward else "#c62828" if u in blame else "#78909c"
               for u in units]
    totals = table["total"].fillna(0).tolist()[::-1]
    left.barh(units, totals, color=colours)
    left.axvline(result.pass_mark, color="#c62828", linestyle="--", linewidth=1)
    left.set_xlim(0, 100)
    left.set_xlabel("总分")
    left.set_title(f"{result.period} 责任单位考核得分（绿：奖励，红：问责）")
    for y, (value, ranked) in enumerate(zip(totals, table["ranked"].tolist()[::-1],
                                            strict=True)):
        left.text(min(value, 97) + 1, y, f"{value:.1f}" if ranked else "未排名",
                  va="center", fontsize=8)
    stacks = [("nodes_on_time", "按期完成", "#43a047"), ("nodes_done_late", "逾期完成", "#fbc02d"),
              ("nodes_open", "未完成", "#e53935")]
    base = np.zeros(len(units))
    for column, label, colour in stacks:
        values = table[column].to_numpy()[::-1].astype(float)
        right.barh(units, values, left=base, color=colour, label=label)
        base += values
    right.set_xlabel("节点数")
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_title(f"节点进度（截至{result.on.date()}）")
    right.legend(loc="lower right", fontsize=8)
    return fig
