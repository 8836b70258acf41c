"""Recording updates in a ledger's append-only logs (the update methods of :class:`Ledger`).

Internals of :mod:`planning.ledger`: :class:`Updates` is the part of
:class:`planning.Ledger` that appends records (each update applies from its date, earlier
states are kept) and :meth:`Updates._append_revision` appends many records as one revision
(what merging the units' returns does).
"""

from __future__ import annotations

import difflib
import enum
import logging
from collections.abc import Mapping, Sequence

import pandas as pd

from planning._core import dates as _dates
from planning._core.dates import DateLike, optional_day
from planning._core.text import clean_text
from planning._errors import InputError
from planning._validate import Checker
from planning.ledger import _tables as _lt
from planning.ledger._vocab import LOG_COLUMNS

log = logging.getLogger(__name__)


class _Keep(enum.Enum):
    KEEP = "keep"


#: default of the update methods: leave this field as it is
KEEP = _Keep.KEEP


class Updates:
    """The update methods of a ledger (mixed into :class:`planning.Ledger`)."""

    _projects_log: pd.DataFrame
    _nodes_log: pd.DataFrame

    def update_node(
        self,
        node_id: str,
        *,
        on: DateLike,
        done: DateLike | _Keep | None = KEEP,
        due: DateLike | _Keep = KEEP,
        responsible: str | _Keep = KEEP,
        name_zh: str | _Keep = KEEP,
        note: str = "",
    ) -> None:
        """Record an update of a time node, valid from ``on``; earlier states are kept.

        Parameters
        ----------
        node_id : str
        on : date
            The day the update applies from (a meeting or reporting date; a month such as
            ``2011-12`` means its last day, as every ``on=``).
        done : date or None, optional
            The completion date (not after ``on``); None records "not done" (a correction).
        due, responsible, name_zh : optional
            New due date, responsible unit, name.
        note : str, optional
            Why (kept in the history).

        Examples
        --------
        >>> import pandas as pd
        >>> from planning import Ledger
        >>> ledger = Ledger(pd.DataFrame({"project_id": ["P1"], "name_zh": ["人民路改造"]}),
        ...                 pd.DataFrame({"project_id": ["P1"], "name_zh": ["开工建设"],
        ...                               "due_date": ["2011-12-15"]}))
        >>> ledger.update_node("P1-N1", on="2011-12-10", due="2011-12-25", note="延期")
        >>> ledger.update_node("P1-N1", on="2011-12-20", done="2011-12-19")
        >>> [ledger.node_states(on=d)["state"].item()
        ...  for d in ("2011-12-12", "2011-12-16", "2011-12-21")]
        ['open', 'open', 'done']
        >>> len(ledger.nodes_history)
        3
        """
        day = _dates.as_of(on)
        record = self._current(self._nodes_log, "node_id", node_id, day, "node")
        changes: dict[str, object] = {}
        if done is not KEEP:
            done_day = optional_day(done, "done", partial="end")
            changes["done_date"] = pd.NaT if done_day is None else done_day
            if done_day is not None and done_day > day:
                msg = (f"done={done!r} is after the update date {day.date()}: record the "
                       "completion on or after the day it happened")
                raise InputError(msg)
        if due is not KEEP:
            due_day = optional_day(due, "due", partial="end")
            changes["due_date"] = pd.NaT if due_day is None else due_day
        if responsible is not KEEP:
            changes["responsible"] = clean_text(responsible)
        if name_zh is not KEEP:
            changes["name_zh"] = clean_text(name_zh)
        self._append("_nodes_log", record, changes, day, note)

    def add_node(
        self,
        project_id: str,
        *,
        on: DateLike,
        name_zh: str,
        due: DateLike,
        responsible: str | None = None,
        node_id: str | None = None,
        note: str = "",
    ) -> str:
        """Add a time node to a project, valid from ``on``; returns its id.

        Examples
        --------
        >>> import pandas as pd
        >>> from planning import Ledger
        >>> ledger = Ledger(pd.DataFrame({"project_id": ["P1"], "name_zh": ["人民路改造"],
        ...                               "lead_department": ["县住房和城乡建设局"]}),
        ...                 pd.DataFrame(columns=["project_id", "name_zh", "due_date"]))
        >>> ledger.add_node("P1", on="2011-12-17", name_zh="管网铺设", due="2012年3月")
        'P1-N1'
        >>> ledger.nodes["responsible"].tolist()
        ['县住房和城乡建设局']
        """
        day = _dates.as_of(on)
        project = self._current(self._projects_log, "project_id", project_id, day, "project")
        existing = _lt.latest(self._nodes_log, "node_id", None)
        siblings = existing[existing["project_id"] == project_id]
        seq = int(siblings["seq"].max()) + 1 if len(siblings) else 1
        new_id = node_id or f"{project_id}-N{seq}"
        if new_id in set(self._nodes_log["node_id"]):
            msg = f"node id {new_id!r} is already in the ledger; give another node_id="
            raise InputError(msg)
        lead = project["lead_department"]
        record = pd.Series({
            "node_id": new_id, "project_id": project_id, "seq": seq, "name_zh": clean_text(name_zh),
            "due_date": optional_day(due, "due", partial="end") or pd.NaT,
            "done_date": pd.NaT,
            "responsible": clean_text(responsible) if responsible else lead,
        })
        self._append("_nodes_log", record, {}, day, note, force=True)
        return new_id

    def remove_node(self, node_id: str, *, on: DateLike, note: str = "") -> None:
        """Take a node out of the ledger from ``on`` (it stays in the history)."""
        day = _dates.as_of(on)
        record = self._current(self._nodes_log, "node_id", node_id, day, "node")
        self._append("_nodes_log", record, {"removed": True}, day, note)

    def update_project(self, project_id: str, *, on: DateLike, note: str = "",
                       **changes: object) -> None:
        """Record new values of project fields (status, investment, dates...) from ``on``.

        Examples
        --------
        >>> import pandas as pd
        >>> from planning import Ledger
        >>> ledger = Ledger(pd.DataFrame({"project_id": ["P1"], "name_zh": ["人民路改造"],
        ...                               "status": ["planned"]}),
        ...                 pd.DataFrame(columns=["project_id", "name_zh", "due_date"]))
        >>> ledger.update_project("P1", on="2012-01-05", status="在建", investment_wan="4,200")
        >>> snap = ledger.snapshot(on="2012-01-06")
        >>> snap["status"].item(), snap["investment_wan"].item()
        ('in_progress', 4200.0)
        """
        day = _dates.as_of(on)
        record = self._current(self._projects_log, "project_id", project_id, day, "project")
        unknown = sorted(set(changes) - (set(record.index) - {"project_id", *LOG_COLUMNS}))
        if unknown:
            msg = (f"unknown project field(s) {', '.join(unknown)}; fields: "
                   + ", ".join(c for c in record.index if c not in LOG_COLUMNS))
            raise InputError(msg)
        checker = Checker()
        fields: dict[str, object] = {str(k): v for k, v in
                                     record.drop(list(LOG_COLUMNS)).to_dict().items()}
        fields.update(changes)
        cleaned = _lt.clean_projects(pd.DataFrame([fields]), checker)
        checker.raise_if_any(f"The update of project {project_id} cannot be recorded.")
        new = cleaned.iloc[0]
        values: dict[str, object] = {k: new[k] for k in (*changes, "category_zh")
                                     if k in new.index}
        self._append("_projects_log", record, values, day, note)

    def _current(self, frame: pd.DataFrame, key: str, value: str, day: pd.Timestamp,
                 what: str) -> pd.Series:
        latest = _lt.latest(frame, key, day)
        hit = latest[latest[key] == value]
        if len(hit) == 0:
            close = difflib.get_close_matches(str(value), frame[key].astype(str).unique(), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            msg = f"There is no {what} {value!r} in the ledger on {day.date()}.{hint}"
            raise InputError(msg)
        return hit.iloc[0]

    def _append(self, attr: str, record: pd.Series, changes: Mapping[str, object],
                day: pd.Timestamp, note: str, *, force: bool = False) -> None:
        new = record.copy()
        changed = False
        for key, value in changes.items():
            changed = changed or not _lt.same(new.get(key), value)
            new[key] = value
        if not (changed or force or note):
            log.info("update of %s on %s changes nothing; not recorded", record.iloc[0],
                     day.date())
            return
        new["revision"] = self._next_revision()
        new["as_of"] = day
        new["removed"] = bool(changes.get("removed", False))
        new["note"] = note
        frame: pd.DataFrame = getattr(self, attr)
        row = pd.DataFrame([new.to_dict()]).astype(frame.dtypes.to_dict(), errors="ignore")
        setattr(self, attr, pd.concat([frame, row], ignore_index=True))

    def _next_revision(self) -> int:
        both = pd.concat([self._projects_log["revision"], self._nodes_log["revision"]])
        return int(both.max()) + 1 if len(both) else 0

    def _append_revision(self, nodes: Sequence[Mapping[str, object]], *, day: pd.Timestamp,
                         note: str) -> int | None:
        """Append node records as one revision dated ``day``; returns its number.

        Each item holds ``node_id``, the fields that change and optionally ``note`` (the
        note of that record, default ``note``); the other fields keep their value of
        ``day``. Items that change nothing are dropped; None when none is left.
        """
        latest = _lt.latest(self._nodes_log, "node_id", day).set_index("node_id", drop=False)
        rows: list[dict[str, object]] = []
        for item in nodes:
            record: dict[str, object] = {
                str(k): v for k, v in latest.loc[str(item["node_id"])].to_dict().items()}
            changes = {k: v for k, v in item.items() if k not in ("node_id", "note")}
            if all(_lt.same(record.get(k), v) for k, v in changes.items()):
                continue
            record.update(changes)
            record["note"] = str(item.get("note", note))
            rows.append(record)
        if not rows:
            return None
        revision = self._next_revision()
        frame = pd.DataFrame(rows)
        frame["revision"] = revision
        frame["as_of"] = day
        frame["removed"] = False
        old = self._nodes_log
        dtypes = {k: v for k, v in old.dtypes.to_dict().items() if k in frame.columns}
        frame = frame.astype(dtypes, errors="ignore")
        self._nodes_log = pd.concat([old, frame[[*old.columns, *[c for c in frame.columns
                                                                 if c not in old.columns]]]],
                                    ignore_index=True)
        return revision
