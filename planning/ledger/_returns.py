"""Merging the returns: every check against what was sent, and the changes that pass them.

Internals of :mod:`planning.ledger` (see :meth:`planning.Ledger.merge_returns` and
docs/ledger.md, "Merging the returns"). :func:`plan_merge` reads every returned file, checks
it against what was sent (the fill-in workbook's hidden record, else the ledger as it stood
on the day sent, else as it stands now) and against the ledger, and returns the result with
every problem at once, by unit and row, the node changes to record as one revision and the
records for the returns log. Nothing here changes the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planning._core.dates import as_day
from planning._core.text import compact, is_missing
from planning._errors import InputError, LayerFileError, SheetError
from planning.ledger import _returns_log as _rl
from planning.ledger import _tables as _lt
from planning.ledger._fill_in import (
    COLUMNS,
    LOCKED_FIELDS,
    OPEN_FIELDS,
    locked_checksum,
    text_of,
)
from planning.ledger._merge_result import MergeResult, Problems, ReturnInfo
from planning.ledger._returns_read import (
    Meta,
    Returned,
    mtime_day,
    read_return,
    resolve_paths,
)
from planning.ledger._view import HistoryView
from planning.ledger._vocab import REPORT_STATES

log = logging.getLogger(__name__)

#: field -> the header the fill-in sheet shows
HEADERS = {name: header for header, name, _, _ in COLUMNS}
_REPORTED_BY_UNIT = frozenset(OPEN_FIELDS)


@dataclass
class _Return:
    """A returned file being checked: what it says and what was decided about it."""

    path: Path
    received: pd.Timestamp
    read: Returned | None = None
    unit: str | None = None
    send_id: str = ""
    sent_on: pd.Timestamp | None = None
    deadline: pd.Timestamp | None = None
    status: str = "accepted"
    changes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def source(self) -> str:
        return self.path.name

    @property
    def key(self) -> tuple[str, str]:
        return (self.send_id or text_of(self.sent_on), self.unit or "")


def plan_merge(ledger: HistoryView, paths: object, *, day: pd.Timestamp,
               received: Mapping[Any, object] | None = None
               ) -> tuple[MergeResult, list[dict[str, Any]], list[dict[str, Any]]]:
    """Check the returns; the result, the node changes and the returns-log records."""
    pairs = resolve_paths(paths)
    if not pairs:
        msg = "merge_returns needs one or more returned workbooks; got none."
        raise InputError(msg)
    problems = Problems()
    log_frame = ledger.returns
    current = _Nodes(ledger.node_reports(on=day))
    states = _States(ledger, current)
    _check_received_names(pairs, received)
    returns = [_Return(path, day) for path, _ in pairs]
    notes: list[str] = []
    for item, (_, given) in zip(returns, pairs, strict=True):
        _read(item, problems)
        item.received, where = _received(item, given, received, day)
        if where:
            notes.append(where)
        if item.read is not None:
            notes.extend(item.read.notes)
    merged = _rl.known_checksums(log_frame)
    sent = _rl.sent_records(log_frame)
    for item in returns:
        if item.read is None:
            continue
        before = merged.get(item.read.content)
        # a return seen before (merged or refused) is recognised and left alone
        _identify(item, sent, current, problems if before is None else Problems(), day,
                  notes=notes if before is None else [])
        if before is not None:
            item.status = "already_merged"
            notes.append(f"{item.source}: received before ({text_of(before['received'])}, "
                         f"{before['status']}, revision {before['revision']}); nothing done")
    _duplicates(returns, problems)
    earlier = log_frame[(log_frame["event"] == "returned")
                        & log_frame["status"].isin(["accepted", "superseded"])]
    for item in returns:
        if item.status != "accepted" or item.read is None:
            continue
        if ((earlier["send_id"] == item.send_id) & (earlier["unit"] == item.unit)).any() \
                and item.send_id:
            problems.add("second_return", "warning", "a return of this send was merged "
                         "before; this one is applied as a correction",
                         "此前已合并过该单位本期报表，本次作为更正合并", unit=item.unit,
                         source=item.source)
        _check_rows(item, states, problems)
    records = _log_records(returns, log_frame, problems, notes)
    changes = [c for item in returns for c in item.changes]
    result = MergeResult.build(
        on=day, problems=problems.frame(), changes=changes,
        returns=[_info(item, problems) for item in returns], log=_rl.append(
            log_frame, records), send_ids={i.send_id for i in returns if i.send_id},
        notes=tuple(notes))
    updates = _updates(returns)
    return result, updates, records


def _check_received_names(pairs: list[tuple[Path, object]],
                          mapping: Mapping[Any, object] | None) -> None:
    """Every name of ``received=`` names one of the files merged."""
    if not mapping:
        return
    known = {k for path, _ in pairs for k in (path, str(path), path.name)}
    unknown = [str(k) for k in mapping if k not in known and str(k) not in known]
    if unknown:
        msg = (f"received= names {', '.join(unknown)}, which is not one of the files merged "
               f"({', '.join(p.name for p, _ in pairs)}): give the file's name or path as "
               "merged")
        raise InputError(msg)


def _received(item: _Return, given: object, mapping: Mapping[Any, object] | None,
              day: pd.Timestamp) -> tuple[pd.Timestamp, str]:
    """The day a return came in and, unless given, a note saying where it came from: as
    given, else the 填报日期 of its cover, else the file's modification day (at most ``day``)."""
    path = item.path
    if given is None and mapping is not None:
        given = mapping.get(path, mapping.get(str(path), mapping.get(path.name)))
    if given is not None:
        when = as_day(given, "received", partial="end")
        if when > day:
            msg = (f"received={given!r} for {path.name} is after on={day.date()}: a return "
                   "is merged on or after the day it came in")
            raise InputError(msg)
        return when, ""
    how = "give the day it came in with received= (--received FILE=DATE on the command line)"
    stated = item.read.report_date if item.read is not None else None
    if stated is not None:
        when = min(stated, day)
        what = f"its 填报日期 {text_of(stated)}" + (
            f", after the merge day, so the merge day {text_of(day)}" if stated > day else "")
        return when, f"{path.name}: received on {text_of(when)} taken from {what}; {how}"
    modified = mtime_day(path)
    when = day if modified is None or modified > day else modified
    what = ("the merge day (the file's modification day is unknown or later)"
            if when == day and modified != day else "the file's modification day")
    return when, f"{path.name}: received on {text_of(when)} taken from {what}; {how}"


def _read(item: _Return, problems: Problems) -> None:
    try:
        item.read = read_return(item.path)
    except (LayerFileError, SheetError) as exc:
        item.status = "unreadable"
        reason = str(exc).split("\n")[0]
        problems.add("unreadable_file", "error", reason,
                     f"文件无法读取，请按原表重报（{reason}）", source=item.source)
        return
    for cell in item.read.problems:
        problems.add("unreadable_cell", "error", cell.message, cell.message_zh,
                     unit=item.read.unit, source=item.source, row=cell.row, column=cell.column,
                     node_id=cell.node_id, value=cell.value)


def _identify(item: _Return, sent: pd.DataFrame, current: _Nodes, problems: Problems,
              day: pd.Timestamp, *, notes: list[str]) -> None:
    """Who the return is from and which send it answers; return-level checks."""
    read = item.read
    assert read is not None
    meta = read.meta
    item.unit = meta.unit if meta is not None else read.unit
    if item.unit is None:
        owners = {current.by_id[n]["responsible"] for n in read.rows["node_id"]
                  if n in current.by_id}
        units = [u for u in owners if not is_missing(u)]
        item.unit = str(units[0]) if len(units) == 1 else None
    item.sent_on = meta.as_of if meta is not None else read.as_of
    if meta is not None:
        item.send_id, item.deadline = meta.send_id, meta.deadline
    if item.unit is not None and item.sent_on is not None:
        mine = sent[(sent["unit"] == item.unit) & (sent["sent_on"] == item.sent_on)]
        if len(mine):
            item.send_id = item.send_id or str(mine["send_id"].iloc[-1])
            item.deadline = item.deadline or pd.Timestamp(mine["deadline"].iloc[-1])
        elif meta is not None:
            problems.add("unknown_send", "warning", f"the send {meta.send_id} to {item.unit} "
                         "is not recorded in this ledger (sent from another copy of it?)",
                         f"本台账未登记向该单位发送的{meta.send_id}填报表", unit=item.unit,
                         source=item.source, value=meta.send_id)
    if meta is not None and not meta.intact:
        problems.add("hidden_record_changed", "warning", "the hidden record of the workbook "
                     "was changed; checked against the ledger as it stood on the day sent",
                     "报表隐藏的发送记录被改动，已按发送当日台账核对", unit=item.unit,
                     source=item.source)
    if meta is not None:
        _check_unit(item, meta, problems, notes)
    if item.sent_on is not None and item.sent_on > day:
        item.status = "rejected"
        problems.add("sent_after_merge", "error", f"the workbook of {item.sent_on.date()} "
                     f"is merged as of {day.date()}, before it was sent", "报表日期晚于合并日期",
                     unit=item.unit, source=item.source, value=text_of(item.sent_on))
    if item.deadline is not None and item.received > item.deadline:
        days = (item.received - item.deadline).days
        problems.add("late_return", "warning", f"received {item.received.date()}, "
                     f"{days} day(s) after the deadline {item.deadline.date()}",
                     f"逾期报送：{text_of(item.received)}收到，超过截止日期"
                     f"{text_of(item.deadline)}{days}天", unit=item.unit, source=item.source,
                     value=text_of(item.received))


def _check_unit(item: _Return, meta: Meta, problems: Problems, notes: list[str]) -> None:
    """The cover's 填报单位 is the unit sent to (a seal note （盖章） and spaces aside)."""
    read = item.read
    assert read is not None
    if read.unit is None or compact(read.unit) == compact(meta.unit):
        return
    if _unsealed(read.unit) == compact(meta.unit):
        notes.append(f"{item.source}: 填报单位 {read.unit!r} read as {meta.unit} (the unit sent "
                     "to, with （盖章） and spaces left out)")
        return
    item.status = "rejected"
    problems.add("wrong_unit", "error", f"the workbook sent to {meta.unit} comes back "
                 f"filled in by {read.unit}; nothing of it was merged: ask {meta.unit} for "
                 "its own return", f"该表发给{meta.unit}，却由{read.unit}填报，未合并；"
                 f"请{meta.unit}报送本单位报表", unit=meta.unit, source=item.source,
                 row=read.unit_row, column="填报单位", value=read.unit)


def _unsealed(unit: str) -> str:
    """A unit's name without spaces and a seal note (县水利局（盖章） -> 县水利局)."""
    return compact(unit).replace("(盖章)", "").replace("盖章", "")


def _duplicates(returns: list[_Return], problems: Problems) -> None:
    """Two returns of one unit for one send: copies ignored, the later one used."""
    groups: dict[tuple[str, str], list[_Return]] = {}
    for item in returns:
        if item.status == "accepted" and item.unit is not None:
            groups.setdefault(item.key, []).append(item)
    for group in groups.values():
        if len(group) < 2:
            continue
        seen: dict[str, _Return] = {}
        for item in group:
            assert item.read is not None
            first = seen.setdefault(item.read.content, item)
            if first is not item:
                item.status = "duplicate"
                problems.add("duplicate_return", "warning", f"the same return as "
                             f"{first.source}; ignored", f"与{first.source}内容相同的重复报送，"
                             "已忽略", unit=item.unit, source=item.source, value=first.source)
        distinct = [i for i in group if i.status == "accepted"]
        if len(distinct) < 2:
            continue
        latest = max(i.received for i in distinct)
        last = [i for i in distinct if i.received == latest]
        for item in distinct:
            if item in last and len(last) == 1:
                continue
            if item in last:
                item.status = "rejected"
                others = ", ".join(i.source for i in last if i is not item)
                problems.add("conflicting_returns", "error", f"{item.unit} sent two "
                             f"different returns received the same day ({others}); neither "
                             "was merged: ask which one holds", f"同日收到{item.unit}两份内容"
                             "不同的报表，均未合并，请核实后重报", unit=item.unit,
                             source=item.source, value=others)
            else:
                item.status = "superseded"
                problems.add("superseded_return", "warning", f"replaced by "
                             f"{last[0].source}, received later",
                             f"已被后收到的{last[0].source}替代", unit=item.unit,
                             source=item.source, value=last[0].source)


class _Nodes:
    """Node states by id (a frame, and its rows as dictionaries for quick lookups)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame.reset_index(drop=True)
        self.by_id: dict[str, dict[str, Any]] = {
            str(r["node_id"]): {str(k): v for k, v in r.items()}
            for r in self.frame.to_dict("records")}

    @classmethod
    def of_records(cls, records: list[dict[str, Any]]) -> _Nodes:
        nodes = cls.__new__(cls)
        nodes.frame = pd.DataFrame(records)
        nodes.by_id = {str(r["node_id"]): r for r in records}
        return nodes


def _typed(record: Mapping[Hashable, Any]) -> dict[str, Any]:
    """A node as the hidden record keeps it (text) with the ledger's types."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = str(key)
        if value in ("", None):
            out[name] = None
        elif name.endswith("_date"):
            out[name] = pd.Timestamp(value)
        elif name == "progress_pct":
            out[name] = float(value)
        else:
            out[name] = str(value)
    return out


class _States:
    """The ledger's node states now and on the days returns were sent (each read once)."""

    def __init__(self, ledger: HistoryView, current: _Nodes) -> None:
        self.ledger = ledger
        self.current = current
        self._days: dict[pd.Timestamp, _Nodes] = {}

    def on(self, day: pd.Timestamp) -> _Nodes:
        if day not in self._days:
            self._days[day] = _Nodes(self.ledger.node_reports(on=day))
        return self._days[day]


def _baseline(item: _Return, states: _States) -> _Nodes:
    """What was sent: the hidden record, else the ledger on the day sent, else now."""
    read = item.read
    assert read is not None
    if read.meta is not None and read.meta.intact:
        return _Nodes.of_records([_typed(r) for r in read.meta.sent.to_dict("records")])
    if item.sent_on is not None:
        return states.on(item.sent_on)
    return states.current


def _norm(value: object) -> str:
    return compact(text_of(value)) if not is_missing(value) else ""


def _resolve(record: Mapping[Hashable, Any], nodes: _Nodes) -> str | None:
    """The node a row is about: its id, else its project and node name."""
    node_id = record.get("node_id")
    if not is_missing(node_id):
        return str(node_id)
    name = _norm(record.get("name_zh"))
    for key in ("project_id", "project_name"):
        value = record.get(key)
        if is_missing(value) or not name:
            continue
        current = nodes.frame
        hit = current[(current[key].map(_norm) == _norm(value))
                      & (current["name_zh"].map(_norm) == name)]
        if len(hit) == 1:
            return str(hit["node_id"].iloc[0])
    return None


@dataclass
class _Row:
    """One row of a return being checked."""

    item: _Return
    problems: Problems
    row: int
    node_id: str
    record: Mapping[Hashable, Any]
    node: Mapping[str, Any]  # the node in the ledger now
    sent: Mapping[str, Any] | None  # the node as sent (None: not in what was sent)

    @property
    def unit(self) -> str | None:
        """The return's unit, else (a file from no unit in particular) the node's."""
        owner = self.node.get("responsible")
        return self.item.unit or (None if is_missing(owner) else str(owner))

    def add(self, code: str, severity: str, message: str, message_zh: str, *,
            column: str | None, value: object = None) -> None:
        self.problems.add(code, severity, message, message_zh, unit=self.unit,
                          source=self.item.source, row=self.row, column=column,
                          node_id=self.node_id, value=None if is_missing(value)
                          else text_of(value))

    @property
    def present(self) -> frozenset[str]:
        assert self.item.read is not None
        return self.item.read.present


def _check_rows(item: _Return, states: _States, problems: Problems) -> None:
    read = item.read
    assert read is not None
    base = _baseline(item, states).by_id
    current = states.current
    intact = read.meta is not None and read.meta.intact
    bad_rows = {c.row for c in read.problems}
    seen: dict[str, int] = {}
    for record in read.rows.to_dict("records"):
        row = int(record["row"])
        node_id = _resolve(record, current)
        if node_id is None or node_id not in current.by_id:
            _unknown(item, record, problems)
            continue
        check = _Row(item, problems, row, node_id, record, current.by_id[node_id],
                     base.get(node_id))
        if node_id in seen:
            check.add("duplicate_row", "error", f"the node is also in row {seen[node_id]}; "
                      "only that row was read", f"该节点在第{seen[node_id]}行已填报，本行未合并",
                      column=HEADERS["node_id"], value=node_id)
            continue
        seen[node_id] = row
        if _other_unit(check) or row in bad_rows:
            continue
        if intact and check.sent is None:
            check.add("not_sent", "warning", "the node was not in the workbook sent; merged "
                      "as the unit's report", "该节点不在下发的报表中，已作为本单位填报合并",
                      column=HEADERS["node_id"], value=node_id)
        if _locked_edits(check, form=read.kind == "fill_in") or not _row_dates(check):
            continue
        _row_changes(check)
    for node_id in _sent_nodes(item, states):
        if node_id not in seen:
            problems.add("row_missing", "warning", "a node sent is not in the return",
                         "下发的节点未在报表中填报", unit=item.unit, source=item.source,
                         column=HEADERS["node_id"], node_id=node_id, value=node_id)


def _sent_nodes(item: _Return, states: _States) -> list[str]:
    """The nodes sent to the unit: the hidden record's; for a form retyped (or without its
    hidden record) answering a send of the log, the unit's nodes not done on the day sent."""
    read = item.read
    assert read is not None
    if read.meta is not None and read.meta.intact:
        return [str(n) for n in read.meta.sent["node_id"]]
    if read.kind != "fill_in" or not item.send_id or item.unit is None \
            or item.sent_on is None:
        return []
    nodes = states.on(item.sent_on).frame
    if not len(nodes):
        return []
    mine = nodes[(nodes["responsible"] == item.unit) & nodes["done_date"].isna()]
    return [str(n) for n in mine["node_id"]]


def _unknown(item: _Return, record: Mapping[Hashable, Any], problems: Problems) -> None:
    """A row about a node the ledger does not have."""
    parts = [record.get("node_id")] if not is_missing(record.get("node_id")) else [
        record.get("project_id") if not is_missing(record.get("project_id"))
        else record.get("project_name"), record.get("name_zh")]
    shown = " ".join(text_of(v) for v in parts if not is_missing(v))
    owner = record.get("responsible")
    problems.add("unknown_node", "error", "the node is not in the ledger (an id typed wrongly, "
                 "or a node the office has not added: add it with add_node)", "台账中没有该节点"
                 "（编号有误，或办公室未列入），未合并", unit=item.unit or (
                     None if is_missing(owner) else str(owner)), source=item.source,
                 row=int(record["row"]), column=HEADERS["node_id"], value=shown or None)


def _other_unit(check: _Row) -> bool:
    """A node of another unit than the return's (only the responsible unit reports it)."""
    unit, owner = check.item.unit, check.node["responsible"]
    if unit is None or owner == unit:
        return False
    check.add("other_unit_node", "error", f"the node is {owner}'s, not {unit}'s: only the "
              "responsible unit reports it", f"该节点的责任单位是{owner}，不是{unit}，未合并",
              column=HEADERS["responsible"], value=owner)
    return True


def _locked_edits(check: _Row, *, form: bool) -> bool:
    """Report the office's fields changed; True when a fill-in row changed one (not merged)."""
    was_row = check.sent if check.sent is not None else check.node
    present = check.present
    meta = check.item.read.meta if check.item.read is not None else None
    if meta is not None and meta.intact:
        returned = [[_norm(check.record.get(f)) if f in present else _norm(was_row.get(f))
                     for f in LOCKED_FIELDS]]
        if locked_checksum(returned) == locked_checksum(
                [[_norm(was_row.get(f)) for f in LOCKED_FIELDS]]):
            return False  # the quick way: the locked cells of this row are as sent
    found = False
    for name in LOCKED_FIELDS:
        if name not in present or name == "node_id":
            continue
        value, was = check.record.get(name), was_row.get(name)
        # a blank says nothing in a node sheet, a bureau ledger or a retyped form
        if (is_missing(value) and not (form and meta is not None)) or _norm(value) == _norm(
                was):
            continue
        found = True
        header, old, new = HEADERS[name], text_of(was) or "空", text_of(value) or "空"
        if form:
            check.add("locked_edit", "error", f"{header} is the office's and was changed from "
                      f"{text_of(was)!r} to {text_of(value)!r}; the row was not merged (ask "
                      "the meeting for a postponement instead)", f"锁定列“{header}”被修改（原为"
                      f"{old}，报回{new}），本行未合并；调整时限请在例会上提出", column=header,
                      value=value)
        else:
            check.add("office_field_differs", "warning", f"{header} differs from the ledger "
                      f"({text_of(was)!r}); not merged: the office records it (update_node)",
                      f"“{header}”与台账不一致（台账为{old}），未合并，由办公室核实后更新",
                      column=header, value=value)
    return found and form


def _row_dates(check: _Row) -> bool:
    """The reported state agrees with the done date; False (and a problem) when not."""
    done, state = check.record.get("done_date"), check.record.get("report_state")
    header = HEADERS["done_date"]
    if is_missing(done) and state == "done" and is_missing(check.node.get("done_date")):
        check.add("done_without_date", "error", "marked done without a done date",
                  "推进状态为“已完成”但未填写实际完成时间，未合并", column=header)
        return False
    if not is_missing(done) and state in ("not_started", "in_progress", "blocked"):
        word = REPORT_STATES[state]
        check.add("state_conflict", "error", f"a done date with the state {word}: write "
                  "已完成, or clear the done date", f"填写了完成时间，推进状态却为“{word}”，"
                  "未合并；请改为“已完成”或清空实际完成时间", column=HEADERS["report_state"],
                  value=word)
        return False
    return True


def _possible_done(check: _Row) -> bool:
    """A done date to record is not after the return came in nor before the project's start;
    False (and a problem) when it is (the row's other fields are still merged)."""
    day = _day(check.record.get("done_date"))
    assert day is not None
    header = HEADERS["done_date"]
    received = check.item.received
    if day > received:
        check.add("future_date", "error", f"done on {text_of(day)}, after the return came in "
                  f"({text_of(received)})", f"完成时间{text_of(day)}晚于报送日期"
                  f"{text_of(received)}，未合并", column=header, value=day)
        return False
    start, due = _day(check.node.get("start_date")), _day(check.node.get("due_date"))
    if start is not None and due is not None and due >= start and day < start:
        check.add("before_start", "error", f"done on {text_of(day)}, before the project's "
                  f"start ({text_of(start)})", f"完成时间{text_of(day)}早于项目开工时间"
                  f"{text_of(start)}，未合并", column=header, value=day)
        return False
    return True


def _day(value: object) -> pd.Timestamp | None:
    return None if is_missing(value) else pd.Timestamp(value)  # type: ignore[arg-type]


def _row_changes(check: _Row) -> None:
    item = check.item
    for name in OPEN_FIELDS:
        if name not in check.present:
            continue
        value = check.record.get(name)
        was = check.node.get(name) if check.sent is None else check.sent.get(name)
        if is_missing(value):
            recorded = check.node.get(name)
            if name == "done_date" and not (is_missing(was) and is_missing(recorded)):
                shown = text_of(was if is_missing(recorded) else recorded)
                check.add("done_cleared", "warning", f"the done date ({shown}) was left blank; "
                          "a blank does not remove a done date, so it was kept: to remove it, "
                          "the office records it (update_node with done_date=None)",
                          f"实际完成时间（台账为{shown}）报回为空，空白不删除完成时间，已保留；"
                          "如需删除请与办公室联系更正", column=HEADERS[name], value=shown)
            continue  # a blank is no report
        if check.sent is not None and _lt.same(check.sent.get(name), value):
            continue  # the unit left it as sent
        if _lt.same(check.node.get(name), value):
            continue  # already in the ledger
        if name == "done_date" and not _possible_done(check):
            continue
        item.changes.append({"unit": check.unit, "source": item.source, "row": check.row,
                             "node_id": check.node_id, "project_id": check.node["project_id"],
                             "project_name": check.node["project_name"],
                             "node": check.node["name_zh"], "field": name,
                             "old": check.node.get(name), "new": value})


def _updates(returns: list[_Return]) -> list[dict[str, Any]]:
    """One item per node changed: the node id, its new values and the note of the record."""
    by_node: dict[str, dict[str, Any]] = {}
    for item in returns:
        if item.status != "accepted":
            continue
        for change in item.changes:
            entry = by_node.setdefault(change["node_id"], {
                "node_id": change["node_id"],
                "note": f"{item.unit}填报（{item.send_id or item.source}，收到"
                        f"{text_of(item.received)}）"})
            entry[change["field"]] = change["new"]
    return list(by_node.values())


def _log_records(returns: list[_Return], log_frame: pd.DataFrame, problems: Problems,
                 notes: list[str]) -> list[dict[str, Any]]:
    """The returns-log records of a merge: one per return read and decided on; a return
    refused again as it was before is not logged twice (the log stays as it was)."""
    refused = _rl.known_checksums(log_frame, statuses=("rejected",))
    records = []
    for item in returns:
        if item.read is None or item.status in ("already_merged", "duplicate"):
            continue
        if item.status == "rejected" and item.read.content in refused:
            notes.append(f"{item.source}: refused before as well "
                         f"({text_of(refused[item.read.content]['received'])}); not logged again")
            continue
        records.append(_log_record(item, problems))
    return records


def _log_record(item: _Return, problems: Problems) -> dict[str, Any]:
    counts = problems.counts(item.source)
    read = item.read
    assert read is not None
    status = item.status if item.status in ("accepted", "superseded") else "rejected"
    return {"event": "returned", "send_id": item.send_id, "unit": item.unit or "",
            "sent_on": item.sent_on, "deadline": item.deadline, "received": item.received,
            "file": item.source, "checksum": read.content, "nodes": len(read.rows),
            "changes": len(item.changes) if item.status == "accepted" else 0,
            "errors": counts["error"], "warnings": counts["warning"], "status": status,
            "note": ""}


def _info(item: _Return, problems: Problems) -> ReturnInfo:
    counts = problems.counts(item.source)
    read = item.read
    return ReturnInfo(
        source=item.source, unit=item.unit, kind=read.kind if read else "",
        sheet=read.sheet if read else "", send_id=item.send_id, sent_on=item.sent_on,
        deadline=item.deadline, received=item.received, status=item.status,
        late=bool(item.deadline is not None and item.received > item.deadline),
        rows=len(read.rows) if read else 0,
        changes=len(item.changes) if item.status == "accepted" else 0,
        errors=counts["error"], warnings=counts["warning"])
