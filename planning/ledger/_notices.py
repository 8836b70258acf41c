"""Notices from the history: the monthly or quarterly notice (通报), supervision letters (督办函).

The content is built here, from the ledger as it stood on a day: frames (progress by unit,
the red-light nodes, the returns late or missing) and text (the summary, the requirements,
the letters' bodies). It is rendered by the one document layer
(:mod:`planning.io.document`) as Word (.docx) or PDF, A4 portrait with numbered pages.
Every value from data stays a value (the document layer's rule).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planning._core.dates import DateLike, PeriodLike, as_of, period_bounds
from planning._errors import InputError
from planning.io import Column
from planning.io.document import (
    Block,
    Document,
    Heading,
    Paragraph,
    TableBlock,
    write_document,
)
from planning.ledger._fill_in import cn_date, safe_file_name
from planning.ledger._lights import Lights, ProgressRule, progress_lights
from planning.ledger._view import HistoryView

#: who issues notices and letters unless told otherwise
DEFAULT_ISSUER = "推进城镇化工作领导小组办公室"
#: days a unit has to answer a supervision letter unless told otherwise
DEFAULT_LETTER_DAYS = 10

_UNIT_COLUMNS = (
    Column("unit", "责任单位", width=16), Column("due", "本期到期节点", kind="int"),
    Column("on_time", "按期完成", kind="int"), Column("late", "逾期完成", kind="int"),
    Column("open", "逾期未完成", kind="int"), Column("share", "按期完成率", kind="pct"),
    Column("overdue_now", "累计逾期未完成", kind="int"), Column("red", "红灯节点", kind="int"),
    Column("yellow", "黄灯节点", kind="int"), Column("returns", "台账报送", width=12),
)
_RED_COLUMNS = (
    Column("project_name", "项目名称", width=16), Column("node", "节点内容", width=12),
    Column("responsible", "责任单位", width=14), Column("due_date", "完成时限", kind="date"),
    Column("days_overdue", "逾期天数", kind="int"), Column("reason", "原因", width=24),
)
_RETURN_COLUMNS = (
    Column("unit", "责任单位", width=16), Column("send_id", "填报编号"),
    Column("deadline", "报送截止", kind="date"), Column("received", "收到日期", kind="date"),
    Column("status_zh", "报送情况"), Column("days_late", "逾期天数", kind="int"),
)
_LETTER_COLUMNS = (
    Column("project_name", "项目名称", width=16), Column("node", "节点内容", width=12),
    Column("due_date", "完成时限", kind="date"), Column("days_overdue", "逾期天数", kind="int"),
    Column("actual", "完成进度", kind="pct"), Column("scheduled", "序时进度", kind="pct"),
    Column("reason", "原因", width=22),
)


def _period_label(start: pd.Timestamp, end: pd.Timestamp) -> tuple[str, str]:
    """(kind, Chinese label) of a period: a month, a quarter, or any span."""
    if start.day == 1 and end == (start + pd.offsets.MonthEnd(0)):
        return "monthly", f"{start.year}年{start.month}月"
    if start.day == 1 and start.month in (1, 4, 7, 10) and end == (
            start + pd.offsets.QuarterEnd(0)):
        return "quarterly", f"{start.year}年第{'一二三四'[(start.month - 1) // 3]}季度"
    return "period", f"{cn_date(start)}至{cn_date(end)}"


@dataclass(frozen=True, eq=False)
class Notice:
    """The notice (通报) of the key projects' progress by responsible unit for a period.

    Build it with :meth:`planning.Ledger.notice`; write it with :meth:`write` (``.docx``
    or ``.pdf``).

    Attributes
    ----------
    kind : {"monthly", "quarterly", "period"}
    period : str
        The period in Chinese (``2011年12月``, ``2011年第四季度``).
    start, end, on : pandas.Timestamp
        The period, and the day the ledger is taken from (its end, or earlier).
    title, issuer : str
    number : str or None
        The document number (文号), when given.
    summary : str
        The first section's text (the county's figures).
    units : pandas.DataFrame
        Progress by unit: ``unit``, ``due`` (nodes due in the period by ``on``),
        ``on_time``, ``late``, ``open`` (still not done), ``share`` (on time / due),
        ``overdue_now`` (every node of the unit overdue on ``on``), ``red``, ``yellow``
        (progress lights on ``on``), ``returns`` (the fill-in workbooks of the period: 按时
        n次, 逾期 n次, 未报 n次).
    red : pandas.DataFrame
        The red-light nodes on ``on``: ``project_name``, ``node``, ``responsible``,
        ``due_date``, ``days_overdue``, ``reason``.
    returns : pandas.DataFrame
        The fill-in workbooks of the period returned late or not at all
        (:meth:`planning.Ledger.returns_status`).
    requirements : tuple of str
        The last section (下步要求).
    """

    kind: str
    period: str
    start: pd.Timestamp
    end: pd.Timestamp
    on: pd.Timestamp
    title: str
    issuer: str
    number: str | None
    summary: str
    units: pd.DataFrame
    red: pd.DataFrame
    returns: pd.DataFrame
    requirements: tuple[str, ...] = field(default=())

    def to_document(self) -> Document:
        """The notice as a printable document (A4 portrait, numbered pages)."""
        blocks: list[Block] = [
            Heading("一、总体情况"), Paragraph(self.summary),
            Heading("二、各责任单位推进情况"),
            TableBlock(self.units, _UNIT_COLUMNS, caption=f"统计时段：{cn_date(self.start)}至"
                       f"{cn_date(self.on)}；红黄绿灯为{cn_date(self.on)}对照序时进度的情况"),
            Heading("三、进度红灯的节点"),
            TableBlock(self.red, _RED_COLUMNS, empty="无红灯节点"),
            Heading("四、台账报送情况"),
            TableBlock(self.returns, _RETURN_COLUMNS, empty="各单位均按时报送"),
            Heading("五、下步要求"),
            *[Paragraph(f"{i}．{text}") for i, text in enumerate(self.requirements, start=1)],
            Paragraph(f"{self.issuer}\n{cn_date(self.on)}", style="right"),
        ]
        subtitle = [line for line in (self.number, f"（{self.issuer}　{cn_date(self.on)}）")
                    if line]
        return Document(self.title, blocks, subtitle=subtitle, header=self.issuer)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the notice as ``.docx`` or ``.pdf`` (by the suffix), atomically."""
        return write_document(self.to_document(), path)

    @property
    def file_stem(self) -> str:
        """``2011年12月_重点项目推进情况通报``."""
        return f"{safe_file_name(self.period)}_重点项目推进情况通报"


@dataclass(frozen=True, eq=False)
class SupervisionLetter:
    """A supervision letter (督办函) to one unit with red progress lights.

    Attributes
    ----------
    unit : str
    on, deadline : pandas.Timestamp
        The day of the ledger, and the day the unit's answer is due.
    number : str
        The letter's number (督办〔2011〕1号).
    issuer : str
    body : tuple of str
        The paragraphs (the red nodes are in :attr:`nodes`).
    nodes : pandas.DataFrame
        The unit's red nodes: ``project_name``, ``node``, ``due_date``, ``days_overdue``,
        ``actual``, ``scheduled``, ``reason``.
    """

    unit: str
    on: pd.Timestamp
    deadline: pd.Timestamp
    number: str
    issuer: str
    body: tuple[str, ...]
    nodes: pd.DataFrame

    def to_document(self) -> Document:
        """The letter as a printable document (A4 portrait)."""
        blocks: list[Block] = [Paragraph(f"{self.unit}："), Paragraph(self.body[0]),
                  TableBlock(self.nodes, _LETTER_COLUMNS),
                  *[Paragraph(text) for text in self.body[1:]],
                  Paragraph(f"{self.issuer}\n{cn_date(self.on)}", style="right")]
        return Document("督办函", blocks, subtitle=self.number, header=self.issuer)

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the letter as ``.docx`` or ``.pdf`` (by the suffix), atomically."""
        return write_document(self.to_document(), path)

    @property
    def file_stem(self) -> str:
        """``20111217_督办函_县交通运输局``."""
        return f"{self.on:%Y%m%d}_督办函_{safe_file_name(self.unit)}"


def build_notice(ledger: HistoryView, *, period: PeriodLike, on: DateLike | None = None,
                 issuer: str | None = None, number: str | None = None,
                 rule: ProgressRule | None = None, period_days: int = 10) -> Notice:
    """The notice of ``period`` from the ledger as it stood on ``on`` (default: its end)."""
    start, end = period_bounds(period)
    day = end if on is None else as_of(on)
    if not start <= day <= end:
        msg = (f"on ({day.date()}) lies outside the period {start.date()} to {end.date()}; "
               "a notice reports its period as it stood on a day inside it")
        raise InputError(msg)
    kind, label = _period_label(start, end)
    lights = progress_lights(ledger, on=day, rule=rule, period_days=period_days)
    nodes = ledger.node_states(on=day)
    returns = ledger.returns_status(on=day)
    returns = returns[returns["sent_on"].between(start, day) & (returns["status"] != "pending")]
    units = _by_unit(nodes, lights, returns, start, day)
    red = lights.nodes[lights.nodes["light"] == "red"].merge(
        nodes[["node_id", "days_overdue"]], on="node_id", how="left").sort_values(
        ["responsible", "days_overdue"], ascending=[True, False], kind="stable")
    who = issuer or DEFAULT_ISSUER
    word = {"monthly": "月", "quarterly": "季度"}.get(kind, "期")
    return Notice(
        kind=kind, period=label, start=start, end=end, on=day,
        title=f"关于{label}全县重点项目推进情况的通报", issuer=who, number=number,
        summary=_summary(ledger.snapshot(on=day), nodes, lights, units, day=day, word=word),
        units=units, red=red.reset_index(drop=True),
        returns=returns[returns["status"].isin(["late", "missing"])].reset_index(drop=True),
        requirements=_requirements(lights, returns, day, word))


def _by_unit(nodes: pd.DataFrame, lights: Lights, returns: pd.DataFrame,
             start: pd.Timestamp, day: pd.Timestamp) -> pd.DataFrame:
    due = nodes[nodes["due_date"].between(start, day)]
    grouped = due.groupby("responsible")["state"]
    counts = grouped.value_counts().unstack(fill_value=0)
    out = pd.DataFrame({"due": grouped.size()})
    for column, state in (("on_time", "done"), ("late", "done_late"), ("open", "overdue")):
        out[column] = counts[state] if state in counts.columns else 0
    out["share"] = out["on_time"] / out["due"]
    overdue = nodes[nodes["state"] == "overdue"].groupby("responsible").size()
    lit = lights.units.set_index("unit")
    every = sorted(set(out.index) | set(overdue.index) | set(lit.index) | set(returns["unit"]))
    out = out.reindex(every)
    out[["due", "on_time", "late", "open"]] = out[["due", "on_time", "late", "open"]].fillna(
        0).astype(int)
    out["overdue_now"] = overdue.reindex(every).fillna(0).astype(int)
    out["red"] = lit["red"].reindex(every).fillna(0).astype(int)
    out["yellow"] = lit["yellow"].reindex(every).fillna(0).astype(int)
    words = {"on_time": "按时", "late": "逾期", "missing": "未报"}
    status = returns.groupby("unit")["status"].value_counts().unstack(fill_value=0)
    table = {(str(u), str(s)): int(n) for u, s, n in
             status.stack().reset_index().itertuples(index=False)}
    out["returns"] = ["，".join(f"{words[s]}{table[(u, s)]}次" for s in words
                               if table.get((u, s))) for u in every]
    out.index.name = "unit"
    return out.reset_index().sort_values(["red", "overdue_now", "unit"],
                                         ascending=[False, False, True],
                                         kind="stable").reset_index(drop=True)


def _summary(snap: pd.DataFrame, nodes: pd.DataFrame, lights: Lights, units: pd.DataFrame,
             *, day: pd.Timestamp, word: str) -> str:
    due = nodes[nodes["due_date"] <= day]
    on_time = int((due["state"] == "done").sum())
    share = on_time / len(due) if len(due) else math.nan
    invest = snap["investment_wan"].sum()
    counts = lights.counts()
    period_due = int(units["due"].sum())
    period_done = int((units["on_time"] + units["late"]).sum())
    return (f"截至{cn_date(day)}，全县台账内重点项目{len(snap)}个，总投资{invest:,.0f}万元；"
            f"时间节点{len(nodes)}个，其中应完成{len(due)}个，按期完成{on_time}个，逾期完成"
            f"{int((due['state'] == 'done_late').sum())}个，逾期未完成"
            f"{int((due['state'] == 'overdue').sum())}个，按期完成率"
            f"{'—' if math.isnan(share) else f'{share:.1%}'}。本{word}到期节点{period_due}个，"
            f"已完成{period_done}个。对照序时进度，红灯项目{counts['red']}个、黄灯项目"
            f"{counts['yellow']}个、绿灯项目{counts['green']}个。")


def _requirements(lights: Lights, returns: pd.DataFrame, day: pd.Timestamp,
                  word: str) -> tuple[str, ...]:
    red_units = lights.units[lights.units["red"] > 0]["unit"].tolist()
    late = sorted(set(returns.loc[returns["status"].isin(["late", "missing"]), "unit"]))
    out = []
    if red_units:
        out.append(f"对进度亮红灯的{len(red_units)}个单位（{'、'.join(red_units)}）下发督办函，"
                   "请逐项分析原因，明确完成时限和责任人，按督办函要求报送整改情况。")
    out.append("各责任单位要对照时间节点倒排工期，已逾期的节点要限期完成，亮黄灯的节点要加快"
               "推进，防止转为红灯。")
    if late:
        out.append(f"{'、'.join(late)}未按时报送台账填报表，请于下次例会前补报；逾期报送、"
                   "未报送的情况计入考核。")
    else:
        out.append(f"请各单位继续按时报送台账填报表，本{word}报送情况计入考核。")
    out.append(f"本通报所列情况截至{cn_date(day)}，以台账记录为准。")
    return tuple(out)


def build_letters(ledger: HistoryView, *, on: DateLike, deadline: DateLike | None = None,
                  units: Iterable[str] | None = None, issuer: str | None = None,
                  first_number: int = 1, rule: ProgressRule | None = None,
                  period_days: int = 10) -> list[SupervisionLetter]:
    """A supervision letter to each unit with red lights on ``on`` (or to ``units``)."""
    day = as_of(on)
    due = day + pd.Timedelta(days=DEFAULT_LETTER_DAYS) if deadline is None else as_of(
        deadline, "deadline")
    if due < day:
        msg = f"deadline ({due.date()}) is before on ({day.date()}); give a later deadline="
        raise InputError(msg)
    lights = progress_lights(ledger, on=day, rule=rule, period_days=period_days)
    nodes = ledger.node_states(on=day)[["node_id", "days_overdue"]]
    red = lights.nodes[lights.nodes["light"] == "red"].merge(nodes, on="node_id", how="left")
    wanted = list(dict.fromkeys(red["responsible"].dropna()))
    if units is not None:
        asked = [units] if isinstance(units, str) else list(units)
        clean = [u for u in asked if u not in set(wanted)]
        if clean:
            msg = (f"units= names {', '.join(clean)}, which have no red light on {day.date()}; "
                   f"the units with red lights are {', '.join(wanted) or 'none'}")
            raise InputError(msg)
        wanted = [u for u in wanted if u in set(asked)]
    who = issuer or DEFAULT_ISSUER
    letters = []
    for i, unit in enumerate(sorted(wanted), start=first_number):
        own = red[red["responsible"] == unit].sort_values("days_overdue", ascending=False,
                                                          kind="stable")
        letters.append(SupervisionLetter(
            unit=unit, on=day, deadline=due, number=f"督办〔{day.year}〕{i}号", issuer=who,
            body=_letter_body(own, day, due, who), nodes=own.reset_index(drop=True)))
    return letters


def _letter_body(nodes: pd.DataFrame, day: pd.Timestamp, deadline: pd.Timestamp,
                 issuer: str) -> tuple[str, ...]:
    overdue = int((nodes["state"] == "overdue").sum())
    behind = len(nodes) - overdue
    parts = [f"逾期未完成{overdue}个"] if overdue else []
    parts += [f"进度落后于序时进度{behind}个"] if behind else []
    return (
        f"根据{cn_date(day)}重点项目台账，你单位负责的以下{len(nodes)}个时间节点进度亮红灯"
        f"（{'，'.join(parts)}），现予督办。",
        "请高度重视，逐项分析原因，采取有效措施加快推进；已逾期的节点请明确完成时限和责任人。",
        f"请于{cn_date(deadline)}前将整改措施和完成情况书面报送{issuer}。逾期未完成整改的，"
        "将在工作例会上通报并计入考核。",
        "特此督办。",
    )


def write_notices(notice: Notice, letters: Sequence[SupervisionLetter],
                  folder: str | os.PathLike[str], *,
                  formats: Sequence[str] = ("docx", "pdf")) -> list[Path]:
    """Write the notice and every letter into ``folder``, in each format (atomically)."""
    unknown = [f for f in formats if f not in ("docx", "pdf")]
    if unknown or not formats:
        msg = f"formats are docx and pdf; got {list(formats)}"
        raise InputError(msg)
    target = Path(folder)
    out = []
    for suffix in formats:
        out.append(notice.write(target / f"{notice.file_stem}.{suffix}"))
        out += [letter.write(target / f"{letter.file_stem}.{suffix}") for letter in letters]
    return out
