"""The ledger's tables: cleaning the inputs, the history logs and rebuilding states from them.

Internals of :mod:`planning.ledger`. A log is a table of records, each with ``revision`` (the
order of recording), ``as_of`` (the day it applies from; NaT for the records the ledger
started from), ``removed`` and ``note``, then the project or node columns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
import pandas as pd

from planning._core.dates import parse_date_column
from planning._core.text import clean_text, is_missing
from planning._errors import InputError, Problem
from planning._validate import Checker
from planning.ledger._vocab import (
    CATEGORIES,
    LOG_COLUMNS,
    NODE_COLUMNS,
    PROJECT_COLUMNS,
    REPORT_COLUMNS,
    STATUSES,
    parse_amount,
    value_code,
)

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)

PROJECT_DATES: dict[str, Literal["start", "end"]] = {
    "start_date": "start", "planned_completion": "end",
}
NODE_DATES: dict[str, Literal["start", "end"]] = {"due_date": "end", "done_date": "end"}
DATE_DTYPE: Literal["datetime64[ms]"] = "datetime64[ms]"


# --------------------------------------------------------------------------------------------
# cleaning the input tables


def clean_projects(projects: pd.DataFrame, checker: Checker) -> pd.DataFrame:
    """The project table with contract columns and types; problems go to ``checker``."""
    name = "projects"
    if not isinstance(projects, pd.DataFrame):
        msg = f"projects must be a pandas DataFrame, got {type(projects).__name__}"
        raise TypeError(msg)
    geometry = getattr(projects, "_geometry_column_name", None)
    frame = pd.DataFrame(projects.drop(columns=[geometry]) if geometry else projects).copy()
    frame = frame.reset_index(drop=True)
    missing_columns = [c for c in ("project_id", "name_zh") if c not in frame.columns]
    for column in missing_columns:
        checker.add(Problem(name, "required column is missing", column=column))
    if missing_columns:
        return frame
    for column in PROJECT_COLUMNS:
        if column not in frame.columns:
            frame[column] = pd.NA
    frame = frame[[*PROJECT_COLUMNS, *[c for c in frame.columns if c not in PROJECT_COLUMNS]]]
    for column in frame.columns:
        if column not in PROJECT_DATES and column != "investment_wan" and (
                frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column])):
            frame[column] = frame[column].map(clean_text).astype(object)
    _check_ids(frame, "project_id", name, checker)
    for i, value in enumerate(frame["name_zh"].tolist()):
        if pd.isna(value):
            checker.add(Problem(name, "the project has no name", row=i, column="name_zh"))
    for field, vocab in (("category", CATEGORIES), ("status", STATUSES)):
        frame[field] = _codes(frame[field], field, vocab, name, checker)
    frame["category_zh"] = frame["category"].map(CATEGORIES).astype(object)
    frame["investment_wan"] = _amounts(frame["investment_wan"], name, checker)
    for column, partial in PROJECT_DATES.items():
        frame[column] = _dates(frame[column], column, partial, name, checker)
    return frame


def _codes(values: pd.Series, field: str, vocab: Mapping[str, str], name: str,
           checker: Checker) -> pd.Series:
    """Category or status words as codes; unknown words are problems."""
    codes: list[object] = []
    for i, value in enumerate(values.tolist()):
        code = value_code(field, value)
        if pd.notna(value) and code not in vocab:
            checker.add(Problem(
                name, f"unknown {field}; use one of {', '.join(vocab)} or their Chinese "
                "names (planning/data/ledger_values.csv)", row=i, column=field,
                value=str(value)))
        codes.append(code if code in vocab else pd.NA)
    return pd.Series(codes, index=values.index, dtype=object)


def clean_nodes(nodes: pd.DataFrame, projects: pd.DataFrame, checker: Checker
                ) -> pd.DataFrame:
    """The node table with contract columns, ids, seq and types."""
    name = "time_nodes"
    if not isinstance(nodes, pd.DataFrame):
        msg = f"nodes must be a pandas DataFrame, got {type(nodes).__name__}"
        raise TypeError(msg)
    frame = nodes.reset_index(drop=True).copy()
    missing_columns = [c for c in ("project_id", "name_zh", "due_date") if c not in frame.columns]
    for column in missing_columns:
        checker.add(Problem(name, "required column is missing", column=column))
    if missing_columns:
        return frame
    for column in ("project_id", "node_id", "name_zh", "responsible"):
        if column not in frame.columns:
            frame[column] = pd.NA
        frame[column] = frame[column].map(clean_text).astype(object)
    if "done_date" not in frame.columns:
        frame["done_date"] = pd.NA
    for column, partial in NODE_DATES.items():
        frame[column] = _dates(frame[column], column, partial, name, checker)
    known = set(projects["project_id"].dropna())
    for i, value in enumerate(frame["project_id"].tolist()):
        if pd.isna(value) or value not in known:
            checker.add(Problem(name, "the node's project is not in the projects table",
                                row=i, column="project_id", value=str(value)))
    if "seq" not in frame.columns or frame["seq"].isna().all():
        frame["seq"] = (frame.sort_values(["project_id", "due_date"], kind="stable")
                        .groupby("project_id").cumcount() + 1).sort_index()
    frame["seq"] = pd.to_numeric(frame["seq"], errors="coerce").astype("Int64")
    missing_id = frame["node_id"].isna()
    frame.loc[missing_id, "node_id"] = (frame.loc[missing_id, "project_id"].astype(str) + "-N"
                                        + frame.loc[missing_id, "seq"].astype(str))
    _check_ids(frame, "node_id", name, checker)
    lead = projects.set_index("project_id")["lead_department"] if known else pd.Series()
    fill = frame["responsible"].isna()
    frame.loc[fill, "responsible"] = frame.loc[fill, "project_id"].map(
        lead[~lead.index.duplicated()])
    if fill.any():
        log.info("%d node(s) without a responsible unit take their project's lead department",
                 int(fill.sum()))
    extra = [c for c in frame.columns if c not in NODE_COLUMNS]
    return frame[[*NODE_COLUMNS, *extra]]


def _check_ids(frame: pd.DataFrame, column: str, name: str, checker: Checker) -> None:
    for i in np.flatnonzero(frame[column].isna().to_numpy()):
        checker.add(Problem(name, f"{column} is blank", row=int(i), column=column))
    ids = frame[column]
    dup = ids.duplicated(keep=False) & ids.notna()
    for value, rows in ids[dup].groupby(ids[dup]).groups.items():
        checker.add(Problem(name, f"id occurs in rows {[int(r) for r in rows]}; ids must be "
                            "unique", column=column, value=str(value)))


def _amounts(values: pd.Series, name: str, checker: Checker) -> pd.Series:
    out = []
    for i, value in enumerate(values.tolist()):
        try:
            out.append(parse_amount(value))
        except ValueError as exc:
            checker.add(Problem(name, str(exc), row=i, column=str(values.name),
                                value=str(value)))
            out.append(np.nan)
    return pd.Series(out, index=values.index, dtype=float)


def _dates(values: pd.Series, column: str, partial: Literal["start", "end"], name: str,
           checker: Checker) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.Series(pd.to_datetime(values).dt.normalize().to_numpy(), index=values.index,
                         dtype=DATE_DTYPE)
    cells = values.tolist()
    dates, failures = parse_date_column(pd.Series(cells, dtype=object), partial=partial)
    for i, reason in failures.items():
        row = cast("int", i)
        checker.add(Problem(name, reason, row=row, column=column, value=str(cells[row])))
    return pd.Series(dates.to_numpy(), index=values.index).astype(DATE_DTYPE)


def sites_of(projects: pd.DataFrame) -> gpd.GeoDataFrame | None:
    geometry = getattr(projects, "_geometry_column_name", None)
    if not geometry or geometry not in projects.columns:
        return None
    return projects[["project_id", geometry]].reset_index(drop=True).copy()  # type: ignore[return-value]


def baseline(frame: pd.DataFrame) -> pd.DataFrame:
    """The records a ledger starts from: valid from the beginning (as_of NaT)."""
    out = frame.copy()
    out.insert(0, "note", "")
    out.insert(0, "removed", False)
    out.insert(0, "as_of", pd.Series(pd.NaT, index=out.index, dtype=DATE_DTYPE))
    out.insert(0, "revision", np.arange(len(out), dtype=np.int64))
    return out


def coerce_log(frame: pd.DataFrame, columns: Iterable[str], dates: Mapping[str, str]
                ) -> pd.DataFrame:
    """A saved history table with the types the ledger works with (after a file round trip)."""
    out = pd.DataFrame(frame).copy()
    missing = [c for c in (*LOG_COLUMNS, *columns) if c not in out.columns]
    if missing:
        msg = f"The saved ledger history lacks the column(s) {', '.join(missing)}."
        raise InputError(msg)
    out["revision"] = pd.to_numeric(out["revision"]).astype(np.int64)
    out["removed"] = out["removed"].map(_truth).astype(bool)
    # a column of empty notes comes back from a CSV table as numbers (NaN)
    out["note"] = out["note"].astype(object).where(out["note"].notna(), "").astype(str)
    for column in ("as_of", *dates):
        out[column] = pd.to_datetime(out[column]).dt.normalize().astype(DATE_DTYPE)
    if "seq" in out.columns:
        out["seq"] = pd.to_numeric(out["seq"]).astype("Int64")
    if "investment_wan" in out.columns:
        out["investment_wan"] = pd.to_numeric(out["investment_wan"]).astype(float)
    if "progress_pct" in out.columns:
        out["progress_pct"] = pd.to_numeric(out["progress_pct"], errors="coerce").astype(float)
    return out


def reports_on(log_frame: pd.DataFrame, day: pd.Timestamp | None) -> pd.DataFrame:
    """What the units had reported of each node by ``day`` (index ``node_id``).

    The columns of :data:`REPORT_COLUMNS` from each node's record valid on ``day`` (NA where
    nothing was reported; the columns exist even when no report was ever merged).
    """
    latest_records = latest(log_frame, "node_id", day).set_index("node_id")
    out = pd.DataFrame(index=latest_records.index)
    for column in REPORT_COLUMNS:
        if column in latest_records.columns:
            out[column] = latest_records[column]
        else:
            out[column] = np.nan if column == "progress_pct" else pd.NA
    out["progress_pct"] = pd.to_numeric(out["progress_pct"], errors="coerce").astype(float)
    for column in ("report_state", "progress", "problems"):
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


# --------------------------------------------------------------------------------------------
# rebuilding states


def _truth(value: object) -> bool:
    """A saved yes/no value (bool, 0/1, or text after a CSV round trip)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "t")
    return False if value is None or pd.isna(value) else bool(value)  # type: ignore[call-overload]


def latest(log_frame: pd.DataFrame, key: str, day: pd.Timestamp | None) -> pd.DataFrame:
    """The record of each id valid on ``day`` (the latest of all when None), removed left out."""
    frame = log_frame
    if day is not None:
        frame = frame[frame["as_of"].isna() | (frame["as_of"] <= day)]
    frame = frame.sort_values(["as_of", "revision"], na_position="first", kind="stable")
    frame = frame.drop_duplicates(key, keep="last")
    frame = frame[~frame["removed"].astype(bool)]
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


def ordered(log_frame: pd.DataFrame) -> pd.DataFrame:
    return log_frame.sort_values(["as_of", "revision"], na_position="first",
                                 kind="stable").reset_index(drop=True)


def same(old: object, new: object) -> bool:
    """Equal values, missing values counting as equal to each other."""
    if is_missing(old) or is_missing(new):
        return is_missing(old) and is_missing(new)
    return bool(old == new)


def node_counts(nodes: pd.DataFrame) -> pd.DataFrame:
    state = nodes["state"]
    done = state.isin(["done", "done_late"])
    grouped = nodes.assign(
        done=done, late=state == "done_late", od=state == "overdue",
        done_at=nodes["done_date"].where(done),
    ).groupby("project_id")
    return pd.DataFrame({
        "nodes_total": grouped.size(),
        "nodes_done": grouped["done"].sum(),
        "nodes_done_late": grouped["late"].sum(),
        "overdue_nodes": grouped["od"].sum(),
        "max_days_overdue": grouped["days_overdue"].max(),
        "last_done": grouped["done_at"].max(),
    })


def next_nodes(nodes: pd.DataFrame) -> pd.DataFrame:
    pending = nodes[~nodes["state"].isin(["done", "done_late"])]
    first = pending.sort_values(["due_date", "seq"], na_position="last", kind="stable")
    first = first.drop_duplicates("project_id").set_index("project_id")
    return pd.DataFrame({
        "next_node_id": first["node_id"], "next_node": first["name_zh"],
        "next_due": first["due_date"], "next_responsible": first["responsible"],
    })


def status_on(snap: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """The status on ``day`` (docs/ledger.md): the recorded status, never ahead of the dates."""
    recorded = snap["status"]
    start = snap["start_date"]
    total, done = snap["nodes_total"], snap["nodes_done"]
    all_done = (total > 0) & (done == total)
    completion = snap["last_done"].where(all_done, snap["planned_completion"])
    reached = completion.isna() | (completion <= day)
    started = start.isna() | (start <= day)
    derived_started = (start.notna() & (start <= day)) | (start.isna() & (done > 0))
    conditions = [
        recorded == "suspended",
        (recorded == "completed") & reached,
        recorded.isin(["completed", "in_progress"]) & started,
        recorded.isin(["completed", "in_progress", "planned"]),
        recorded.isna() & all_done,
        recorded.isna() & derived_started,
    ]
    choices = ["suspended", "completed", "in_progress", "planned", "completed", "in_progress"]
    values = np.select([c.fillna(False).to_numpy(dtype=bool) for c in conditions], choices,
                       "planned")
    return pd.Series(values, index=snap.index, dtype=object)


def field_changes(table: str, key: str, frame: pd.DataFrame) -> list[dict[str, object]]:
    """One row per field an update changed; a record added later is one ``added`` row."""
    rows: list[dict[str, object]] = []
    fields = [c for c in frame.columns if c not in (*LOG_COLUMNS, key)]
    # only ids with an update: more than one record, or a record added after the start
    counts = frame[key].map(frame[key].value_counts())
    touched = frame[key][(counts > 1) | frame["as_of"].notna()].unique()
    frame = frame[frame[key].isin(touched)]
    for ident, records in ordered(frame).groupby(key, sort=False):
        previous: pd.Series | None = None
        for _, record in records.iterrows():
            base = {"revision": int(record["revision"]), "as_of": record["as_of"],
                    "table": table, "id": ident, "note": record["note"]}
            if previous is None and pd.notna(record["as_of"]):
                rows.append({**base, "field": "added", "old": "",
                             "new": _show(record["name_zh"])})
            elif previous is not None:
                for field in [*fields, "removed"]:
                    if not same(previous[field], record[field]):
                        rows.append({**base, "field": field, "old": _show(previous[field]),
                                     "new": _show(record[field])})
            previous = record
    return rows


def _show(value: object) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    return str(value)
