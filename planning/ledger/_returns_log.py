"""The log of fill-in workbooks sent to the responsible units and of the returns received.

Internals of :mod:`planning.ledger`. Like the project and node histories it is append-only:
one record per workbook sent (``event = "sent"``) and per return received
(``event = "returned"``), saved with the workspace as the table ``ledger_returns``. From it
:func:`returns_status` tells, for any day, which unit returned its workbook of a send on time,
late, or not at all (what the assessment counts, docs/ledger.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from planning._core.text import is_missing
from planning._errors import InputError
from planning.ledger._tables import DATE_DTYPE

#: the workspace table the log is saved as
RETURNS_TABLE = "ledger_returns"
#: its columns, in order
RETURN_COLUMNS = (
    "seq", "event", "send_id", "unit", "sent_on", "deadline", "received", "file", "checksum",
    "nodes", "changes", "errors", "warnings", "status", "revision", "note",
)
_DATES = ("sent_on", "deadline", "received")
_COUNTS = ("nodes", "changes", "errors", "warnings")
_TEXTS = ("event", "send_id", "unit", "file", "checksum", "status", "note")
#: the states of a unit's return of one send on a day, code -> Chinese
RETURN_STATES: dict[str, str] = {
    "on_time": "按时报送", "late": "逾期报送", "missing": "未报送", "pending": "未到截止日期",
}


def empty_log() -> pd.DataFrame:
    """A log with no record, typed."""
    return coerce_returns(pd.DataFrame({c: [] for c in RETURN_COLUMNS}))


def coerce_returns(frame: pd.DataFrame) -> pd.DataFrame:
    """The log with its types (after a GeoPackage, CSV-folder or PostGIS round trip)."""
    out = pd.DataFrame(frame).copy()
    missing = [c for c in RETURN_COLUMNS if c not in out.columns]
    if missing:
        msg = (f"The saved table {RETURNS_TABLE} lacks the column(s) {', '.join(missing)}; "
               "it was not written by planning (drop it, or save the workspace again).")
        raise InputError(msg)
    out["seq"] = pd.to_numeric(out["seq"]).astype(np.int64)
    for column in _DATES:
        out[column] = pd.to_datetime(out[column]).dt.normalize().astype(DATE_DTYPE)
    for column in _COUNTS:
        out[column] = pd.to_numeric(out[column]).fillna(0).astype(np.int64)
    for column in _TEXTS:
        out[column] = out[column].map(lambda v: "" if is_missing(v) else str(v)).astype(object)
    out["revision"] = pd.to_numeric(out["revision"]).astype("Int64")
    return out[list(RETURN_COLUMNS)].reset_index(drop=True)


def append(log: pd.DataFrame, records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """The log with ``records`` added (numbered after the last one)."""
    rows = [dict(r) for r in records]
    if not rows:
        return log
    start = int(log["seq"].max()) + 1 if len(log) else 0
    for i, row in enumerate(rows):
        row["seq"] = start + i
        for column in RETURN_COLUMNS:
            row.setdefault(column, None)
    added = coerce_returns(pd.DataFrame(rows, columns=list(RETURN_COLUMNS)))
    if not len(log):
        return added
    return coerce_returns(pd.concat([log, added], ignore_index=True))


def sent_records(log: pd.DataFrame, day: pd.Timestamp | None = None) -> pd.DataFrame:
    """The latest ``sent`` record of each (send, unit), sent by ``day`` (every one if None)."""
    sent = log[log["event"] == "sent"]
    if day is not None:
        sent = sent[sent["sent_on"] <= day]
    return sent.sort_values("seq").drop_duplicates(["send_id", "unit"], keep="last")


def known_checksums(log: pd.DataFrame, statuses: Iterable[str] = ("accepted", "superseded")
                    ) -> dict[str, pd.Series]:
    """Checksum of every return merged (accepted, or replaced by a later one) -> its record
    (the first one). A rejected return is not among them: once its cause is fixed (merged
    before the send, two returns the same day) it can be merged again. ``statuses``: the
    records to consider (``("rejected",)``: the returns refused)."""
    returned = log[(log["event"] == "returned") & (log["checksum"] != "")
                   & log["status"].isin(list(statuses))]
    first = returned.sort_values("seq").drop_duplicates("checksum")
    return {str(row["checksum"]): row for _, row in first.iterrows()}


def returns_status(log: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """Each unit's return of each send, as it stood on ``day``.

    Returns
    -------
    pandas.DataFrame
        One row per send and unit sent by ``day``: ``send_id``, ``unit``, ``sent_on``,
        ``deadline``, ``nodes`` (sent), ``received`` (the first return of the unit's own
        that came by ``day``, accepted or later replaced by another; NaT when none),
        ``returns`` (how many returns came by ``day``, accepted or not),
        ``status`` (``on_time``, ``late``, ``missing``: none by a deadline before ``day``,
        ``pending``: none yet, the deadline not passed), ``status_zh``, ``days_late``.
    """
    sent = sent_records(log, day)
    returned = log[(log["event"] == "returned") & (log["received"] <= day)]
    accepted = returned[returned["status"].isin(["accepted", "superseded"])].sort_values(
        ["received", "seq"])
    first = accepted.drop_duplicates(["send_id", "unit"]).set_index(["send_id", "unit"])
    counts = returned.groupby(["send_id", "unit"]).size()
    out = sent[["send_id", "unit", "sent_on", "deadline", "nodes"]].reset_index(drop=True)
    keys = pd.MultiIndex.from_frame(out[["send_id", "unit"]])
    out["received"] = first["received"].reindex(keys).to_numpy()
    out["received"] = out["received"].astype(DATE_DTYPE)
    out["returns"] = counts.reindex(keys).fillna(0).astype(int).to_numpy()
    late = out["received"] > out["deadline"]
    status = np.select(
        [out["received"].notna() & ~late, out["received"].notna() & late,
         out["deadline"] < day],
        ["on_time", "late", "missing"], "pending")
    out["status"] = status
    out["status_zh"] = out["status"].map(RETURN_STATES)
    until = out["received"].fillna(day)
    out["days_late"] = np.where(out["status"].isin(["late", "missing"]),
                                (until - out["deadline"]).dt.days, 0).astype(int)
    return out.sort_values(["sent_on", "send_id", "unit"], kind="stable").reset_index(drop=True)
