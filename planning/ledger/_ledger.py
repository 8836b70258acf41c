"""The :class:`Ledger`: projects and time nodes with every update kept by date.

A :class:`Ledger` keeps every state it was ever told, as two append-only logs (one record per
project or node and update, each with the date it applies from). Nothing is overwritten:
:meth:`Ledger.snapshot` rebuilds the state of any day from the logs, and :meth:`Ledger.to_tables`
hands the logs to the workspace, which saves them as the tables ``ledger_projects_history`` and
``ledger_nodes_history``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from planning._core import dates as _dates
from planning._core.dates import DateLike, as_day
from planning._errors import InputError, Problem
from planning._validate import Checker
from planning.ledger import _returns_log as _rl
from planning.ledger import _tables as _lt
from planning.ledger._loop import RoundTrip
from planning.ledger._read_excel import read_ledger_sheet
from planning.ledger._view import ProjectReview
from planning.ledger._vocab import LOG_COLUMNS, NODE_COLUMNS, PROJECT_COLUMNS
from planning.ledger._write_excel import write_ledger_workbook
from planning.ledger.briefing import Briefing, build_briefing

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)

#: the workspace tables the history is saved as
PROJECTS_HISTORY = "ledger_projects_history"
NODES_HISTORY = "ledger_nodes_history"
RETURNS_TABLE = _rl.RETURNS_TABLE


class Ledger(RoundTrip):
    """Projects and their time nodes, with every update kept by date.

    Parameters
    ----------
    projects : pandas.DataFrame or geopandas.GeoDataFrame
        One row per project with at least ``project_id`` and ``name_zh``; the other columns
        of the layer contract (docs/ARCHITECTURE.md) are used when present, and extra
        columns are kept. A GeoDataFrame's geometry is kept as the project sites.
    nodes : pandas.DataFrame
        One row per time node with ``project_id``, ``name_zh`` and ``due_date`` at least;
        ``node_id`` (default ``<project_id>-N<seq>``), ``seq`` (default: order of the due
        dates), ``done_date`` and ``responsible`` (default: the project's lead department)
        are used when present. Dates may be text (``2011年12月``) or Excel serials.
    departments : pandas.DataFrame, optional
        The responsible units (``name_zh``, ``kind``), used by the assessment.
    as_of : date, optional
        The date the ledger was drawn up (a meeting date; a month such as ``2011-12`` means
        its last day, as every ``on=``). Default: the latest date of an update or a completed
        node.

    Raises
    ------
    InputError
        Listing every problem in the tables at once (missing ids, duplicate ids, dates that
        are not dates, nodes of unknown projects, unknown categories or statuses).

    Examples
    --------
    >>> import pandas as pd
    >>> projects = pd.DataFrame({"project_id": ["P1"], "name_zh": ["县城西环路"],
    ...                          "lead_department": ["县交通运输局"]})
    >>> nodes = pd.DataFrame({"project_id": ["P1", "P1"], "name_zh": ["立项批复", "开工建设"],
    ...                       "due_date": ["2011年12月10日", "2012.3"]})
    >>> ledger = Ledger(projects, nodes)
    >>> ledger.nodes[["node_id", "due_date", "responsible"]].to_dict("list")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'node_id': ['P1-N1', 'P1-N2'],
     'due_date': [Timestamp('2011-12-10 00:00:00'), Timestamp('2012-03-31 00:00:00')],
     'responsible': ['县交通运输局', '县交通运输局']}
    >>> ledger.node_states(on="2011-12-17")["state"].tolist()
    ['overdue', 'open']
    """

    def __init__(
        self,
        projects: pd.DataFrame,
        nodes: pd.DataFrame,
        *,
        departments: pd.DataFrame | None = None,
        as_of: DateLike | None = None,
    ) -> None:
        checker = Checker()
        project_frame = _lt.clean_projects(projects, checker)
        if "project_id" not in project_frame.columns:
            checker.raise_if_any("The ledger tables cannot be used as they are.")
        node_frame = _lt.clean_nodes(nodes, project_frame, checker)
        checker.raise_if_any("The ledger tables cannot be used as they are.")
        self._setup(
            _lt.baseline(project_frame), _lt.baseline(node_frame), sites=_lt.sites_of(projects),
            departments=departments, as_of=as_of,
        )

    def _setup(
        self,
        projects_log: pd.DataFrame,
        nodes_log: pd.DataFrame,
        *,
        sites: gpd.GeoDataFrame | None,
        departments: pd.DataFrame | None,
        as_of: DateLike | None,
        returns: pd.DataFrame | None = None,
    ) -> None:
        self._projects_log = projects_log.reset_index(drop=True)
        self._nodes_log = nodes_log.reset_index(drop=True)
        self._returns_log = _rl.empty_log() if returns is None else _rl.coerce_returns(returns)
        self._sites = sites
        self._departments = None if departments is None else departments.copy()
        self._as_of = None if as_of is None else _dates.as_of(as_of, "as_of")
        #: what was repaired or left out when the ledger was read (one line each)
        self.notes: list[str] = []
        #: problems of the workbook rows left out (``from_excel(..., errors="skip")``)
        self.problems: list[Problem] = []

    @classmethod
    def _from_logs(
        cls,
        projects_log: pd.DataFrame,
        nodes_log: pd.DataFrame,
        *,
        sites: gpd.GeoDataFrame | None = None,
        departments: pd.DataFrame | None = None,
        as_of: DateLike | None = None,
        returns: pd.DataFrame | None = None,
    ) -> Ledger:
        ledger = cls.__new__(cls)
        ledger._setup(projects_log, nodes_log, sites=sites, departments=departments,
                      as_of=as_of, returns=returns)
        return ledger

    # ----------------------------------------------------------------------------------
    # construction from a workspace, tables and Excel

    @classmethod
    def from_workspace(cls, ws: Mapping[str, pd.DataFrame]) -> Ledger:
        """The ledger of a workspace: its ``projects`` layer and its tables.

        Parameters
        ----------
        ws : planning.Workspace
            Read: the ``projects`` layer, the tables ``time_nodes`` and ``departments``, and
            the history tables ``ledger_projects_history`` / ``ledger_nodes_history`` when the
            workspace was saved with a ledger.

        Returns
        -------
        Ledger

        Examples
        --------
        >>> import planning
        >>> ledger = Ledger.from_workspace(planning.load_sample())
        >>> len(ledger.projects) == len(planning.load_sample()["projects"])
        True
        """
        tables = getattr(ws, "tables", None)
        if tables is None:  # a plain mapping of layers and tables
            tables = {k: v for k, v in ws.items() if k != "projects"}
        return cls.from_tables(ws["projects"], dict(tables))

    @classmethod
    def from_tables(
        cls, projects: pd.DataFrame, tables: Mapping[str, pd.DataFrame]
    ) -> Ledger:
        """A ledger from the projects layer and the workspace tables.

        Parameters
        ----------
        projects : pandas.DataFrame or geopandas.GeoDataFrame
            The projects layer (its geometry becomes the project sites).
        tables : mapping of str to pandas.DataFrame
            ``ledger_projects_history`` and ``ledger_nodes_history`` when present (written
            by :meth:`to_tables`); otherwise ``time_nodes``. ``departments`` and
            ``ledger_returns`` (the fill-in workbooks sent and returned) when present.
            Projects of the layer missing from a saved history are added as of the start.

        Returns
        -------
        Ledger
        """
        departments = tables.get("departments")
        if PROJECTS_HISTORY in tables and NODES_HISTORY in tables:
            plog = _lt.coerce_log(tables[PROJECTS_HISTORY], PROJECT_COLUMNS, _lt.PROJECT_DATES)
            nlog = _lt.coerce_log(tables[NODES_HISTORY], NODE_COLUMNS, _lt.NODE_DATES)
            known = set(plog["project_id"])
            extra = projects[~projects["project_id"].isin(known)]
            if len(extra):
                log.info("projects not in the saved ledger history, added as of the start: %s",
                         ", ".join(map(str, extra["project_id"])))
                checker = Checker()
                added = _lt.baseline(_lt.clean_projects(extra, checker))
                checker.raise_if_any("The projects layer cannot be added to the ledger.")
                added["revision"] += int(pd.concat([plog, nlog])["revision"].max()) + 1
                plog = pd.concat([plog, added], ignore_index=True)
            return cls._from_logs(plog, nlog, sites=_lt.sites_of(projects),
                                  departments=departments, returns=tables.get(RETURNS_TABLE))
        if "time_nodes" not in tables:
            msg = (
                "The workspace has no time_nodes table (and no saved ledger history); add a "
                "table time_nodes with the columns " + ", ".join(NODE_COLUMNS)
            )
            raise InputError(msg)
        return cls(projects, tables["time_nodes"], departments=departments)

    def to_tables(self) -> dict[str, pd.DataFrame]:
        """The tables a workspace saves for this ledger.

        Returns
        -------
        dict of str to pandas.DataFrame
            ``ledger_projects_history`` and ``ledger_nodes_history`` (every record, columns
            ``revision``, ``as_of`` (NaT for the records the ledger started from),
            ``removed``, ``note``, then the project or node columns), and ``time_nodes``
            (the latest state of every node, the layer-contract table), and
            ``ledger_returns`` (the log of fill-in workbooks sent and returned) once there
            is one.

        Examples
        --------
        >>> import planning
        >>> sorted(planning.load_sample().ledger.to_tables())
        ['ledger_nodes_history', 'ledger_projects_history', 'time_nodes']
        """
        tables = {
            PROJECTS_HISTORY: self._projects_log.copy(),
            NODES_HISTORY: self._nodes_log.copy(),
            "time_nodes": self.nodes,
        }
        if len(self._returns_log):
            tables[RETURNS_TABLE] = self._returns_log.copy()
        return tables

    @classmethod
    def from_excel(
        cls,
        path: str | os.PathLike[str],
        *,
        sheet: str | int | None = None,
        headers: Mapping[str, str] | str | os.PathLike[str] | None = None,
        errors: Literal["raise", "skip"] = "raise",
    ) -> Ledger:
        """Read a ledger workbook as bureaus keep it.

        Title rows above the header, two-row merged headers, merged project cells over their
        node rows, Chinese header variants (``planning/data/ledger_headers.csv``), total rows
        (``合计``, left out and noted), dates in every common form, ``待定`` and full-width
        spaces are handled; see docs/ledger.md.

        Parameters
        ----------
        path : str or path-like
            An ``.xlsx`` / ``.xlsm`` workbook or an old ``.xls`` one.
        sheet : str or int, optional
            The sheet (name, or 0-based position). Default: the first visible sheet.
        headers : mapping or path, optional
            Extra header -> field mappings (a dict, or a CSV with columns ``header`` and
            ``field`` like ``ledger_headers.csv``); they take precedence over the defaults.
        errors : {"raise", "skip"}, default "raise"
            ``"raise"``: any problem stops the reading, and every problem is reported.
            ``"skip"``: the projects (with their nodes) and the node rows that have a problem
            are left out, and the problems are kept in ``ledger.problems`` (and shown in the
            briefing), so that a meeting can go ahead while the sheet is corrected.

        Returns
        -------
        Ledger
            With ``notes`` listing what was left out or repaired, and ``problems``.

        Raises
        ------
        SheetError
            With ``errors="raise"``: every problem of the sheet (row, column, value, why).
        LayerFileError
            When the file cannot be opened as a workbook.
        """
        sheet_data = read_ledger_sheet(path, sheet=sheet, headers=headers, errors=errors)
        ledger = cls(sheet_data.projects, sheet_data.nodes, as_of=sheet_data.as_of)
        ledger.notes.extend(sheet_data.notes)
        ledger.problems.extend(sheet_data.problems)
        return ledger

    def to_excel(
        self,
        path: str | os.PathLike[str],
        *,
        on: DateLike | None = None,
        by: Literal["M", "Q"] | None = None,
        title: str | None = None,
    ) -> Path:
        """Write the ledger as a workbook a bureau would recognise (written atomically).

        Parameters
        ----------
        path : str or path-like
            The ``.xlsx`` file to write.
        on : date, optional
            The day of the ledger (as every ``on=``: a period means its last day). Default:
            :attr:`as_of`.
        by : {"M", "Q"}, optional
            Also write one sheet per month or quarter (the state at its end) from the first
            month with a node or an update up to ``on``.
        title : str, optional
            The title row. Default: ``城乡建设重点工作台账``.

        Returns
        -------
        pathlib.Path
            The file written. Sheets: ``台账`` (one row per node, project cells merged over
            their nodes; reads back with :meth:`from_excel`), ``项目汇总`` (the snapshot),
            ``更新记录`` (every change), and the period sheets when ``by`` is given.
        """
        return write_ledger_workbook(self, Path(path), on=self._day_or_default(on), by=by,
                                     title=title)

    # ----------------------------------------------------------------------------------
    # the current state

    @property
    def projects(self) -> pd.DataFrame:
        """The latest recorded state of every project (no geometry; see :attr:`sites`)."""
        return _lt.latest(self._projects_log, "project_id", None).drop(columns=list(LOG_COLUMNS))

    @property
    def nodes(self) -> pd.DataFrame:
        """The latest recorded state of every time node (the ``time_nodes`` table)."""
        return _lt.latest(self._nodes_log, "node_id", None)[list(NODE_COLUMNS)]

    @property
    def sites(self) -> gpd.GeoDataFrame | None:
        """``project_id`` and geometry of the projects, when the ledger came with sites."""
        return None if self._sites is None else self._sites.copy()

    @property
    def departments(self) -> pd.DataFrame | None:
        """The responsible units (``departments`` table), when known."""
        return None if self._departments is None else self._departments.copy()

    @property
    def projects_history(self) -> pd.DataFrame:
        """Every project record, oldest first (the ``ledger_projects_history`` table)."""
        return _lt.ordered(self._projects_log)

    @property
    def nodes_history(self) -> pd.DataFrame:
        """Every node record, oldest first (the ``ledger_nodes_history`` table)."""
        return _lt.ordered(self._nodes_log)

    @property
    def as_of(self) -> pd.Timestamp | None:
        """The ledger's date: given, else the latest update or completed node, else None."""
        if self._as_of is not None:
            return self._as_of
        candidates = [self._projects_log["as_of"].max(), self._nodes_log["as_of"].max(),
                      self._nodes_log["done_date"].max()]
        known = [pd.Timestamp(c) for c in candidates if pd.notna(c)]
        return max(known) if known else None

    def _day_or_default(self, on: DateLike | None) -> pd.Timestamp:
        if on is not None:
            return _dates.as_of(on)
        if self.as_of is None:
            msg = "The ledger has no date of its own: give on=, for example on='2011-12-17'."
            raise InputError(msg)
        return self.as_of

    # ----------------------------------------------------------------------------------
    # states on a day

    def node_states(self, *, on: DateLike) -> pd.DataFrame:
        """Every time node as the ledger stood on ``on``.

        Parameters
        ----------
        on : date
            The state as of this day; a period (``2011-12``) means its last day.

        Returns
        -------
        pandas.DataFrame
            One row per node known on that day, sorted by project and seq: the
            ``time_nodes`` columns (``done_date`` only when done by ``on``), then
            ``project_name``, ``township``, ``lead_department``, ``state``
            (``done`` on time, ``done_late``, ``overdue``: not done and due before ``on``,
            ``open``), ``days_overdue`` (``on`` minus due, for overdue nodes, else 0),
            ``days_late`` (done minus due, for nodes done late, else 0).
        """
        day = _dates.as_of(on)
        nodes = _lt.latest(self._nodes_log, "node_id", day)[list(NODE_COLUMNS)]
        due = nodes["due_date"]
        done = nodes["done_date"].where(nodes["done_date"] <= day)
        late = done.notna() & due.notna() & (done > due)
        overdue = done.isna() & due.notna() & (due < day)
        state = np.select([late.to_numpy(), done.notna().to_numpy(), overdue.to_numpy()],
                          ["done_late", "done", "overdue"], "open")
        projects = _lt.latest(self._projects_log, "project_id", day).set_index("project_id")
        out = nodes.assign(done_date=done)
        out["project_name"] = out["project_id"].map(projects["name_zh"])
        out["township"] = out["project_id"].map(projects["township"])
        out["lead_department"] = out["project_id"].map(projects["lead_department"])
        out["state"] = state
        out["days_overdue"] = np.where(overdue, (day - due).dt.days.fillna(0), 0).astype(int)
        out["days_late"] = np.where(late, (done - due).dt.days.fillna(0), 0).astype(int)
        return out.sort_values(["project_id", "seq"], kind="stable").reset_index(drop=True)

    def snapshot(self, *, on: DateLike) -> pd.DataFrame:
        """Every project's state on ``on``, rebuilt from the history.

        Parameters
        ----------
        on : date
            The state as of this day; a period (``2011-12``) means its last day.

        Returns
        -------
        pandas.DataFrame
            One row per project known on that day, sorted by ``project_id``: the project
            columns as recorded on that day, then ``status`` (the state on that day, rule in
            docs/ledger.md), ``status_recorded`` (the status field as recorded),
            ``nodes_total``, ``nodes_done`` (on time or late), ``nodes_done_late``,
            ``overdue_nodes``, ``max_days_overdue``, ``overdue`` (bool), ``share_done``
            (share of nodes done, 0-1; NaN without nodes), ``next_node_id``, ``next_node``,
            ``next_due``, ``next_responsible`` (the open node due first), ``as_of``.

        Examples
        --------
        >>> import planning
        >>> snap = planning.load_sample().ledger.snapshot(on="2011-12-17")
        >>> snap.set_index("project_id").loc["TQ-027", "status"]
        'completed'
        """
        day = _dates.as_of(on)
        projects = _lt.latest(self._projects_log, "project_id", day).drop(
            columns=list(LOG_COLUMNS))
        nodes = self.node_states(on=day)
        counts = _lt.node_counts(nodes)
        out = projects.merge(counts, how="left", left_on="project_id", right_index=True)
        for col in ("nodes_total", "nodes_done", "nodes_done_late", "overdue_nodes",
                    "max_days_overdue"):
            out[col] = out[col].fillna(0).astype(int)
        out["status_recorded"] = out["status"]
        out["status"] = _lt.status_on(out, day)
        out["overdue"] = out["overdue_nodes"] > 0
        out["share_done"] = (out["nodes_done"] / out["nodes_total"]).where(
            out["nodes_total"] > 0)
        out = out.merge(_lt.next_nodes(nodes), how="left", left_on="project_id", right_index=True)
        out["as_of"] = day
        return out.drop(columns=["last_done"]).sort_values("project_id").reset_index(drop=True)

    def by_period(
        self,
        freq: Literal["M", "Q"],
        *,
        start: DateLike | None = None,
        end: DateLike | None = None,
    ) -> pd.DataFrame:
        """The dynamic monthly or quarterly ledger: each project's state at each period's end.

        Parameters
        ----------
        freq : {"M", "Q"}
            By month or by quarter.
        start, end : date, optional
            The first and last period (the periods containing these days; a period given as
            ``start`` counts from its first day, as ``end`` to its last). Default: from
            the first due date, completion or update up to :attr:`as_of` (or the last due
            date when the ledger has no date).

        Returns
        -------
        pandas.DataFrame
            One row per period and project: ``period`` (``2011-12`` or ``2011Q4``),
            ``period_start``, ``period_end``, the :meth:`snapshot` columns on
            ``period_end``, and ``nodes_due_in_period``, ``nodes_done_in_period``,
            ``nodes_done_on_time_in_period``.

        Examples
        --------
        >>> import planning
        >>> q = planning.load_sample().ledger.by_period("Q", start="2011-10", end="2011-12")
        >>> q["period"].unique().tolist()
        ['2011Q4']
        """
        if freq not in ("M", "Q"):
            msg = f"freq must be 'M' (months) or 'Q' (quarters), got {freq!r}"
            raise InputError(msg)
        first, last = self.date_span(start=start, end=end)
        periods = pd.period_range(first, last, freq=freq)
        frames = []
        nodes = _lt.latest(self._nodes_log, "node_id", None)
        for period in periods:
            p_start = period.start_time.normalize()
            p_end = period.end_time.normalize()
            snap = self.snapshot(on=p_end)
            inside = nodes.assign(
                due_in=nodes["due_date"].between(p_start, p_end),
                done_in=nodes["done_date"].between(p_start, p_end),
            )
            inside["on_time"] = inside["done_in"] & (inside["done_date"] <= inside["due_date"])
            sums = inside.groupby("project_id")[["due_in", "done_in", "on_time"]].sum()
            sums.columns = ["nodes_due_in_period", "nodes_done_in_period",
                            "nodes_done_on_time_in_period"]
            snap = snap.merge(sums, how="left", left_on="project_id", right_index=True)
            snap[list(sums.columns)] = snap[list(sums.columns)].fillna(0).astype(int)
            label = str(period) if freq == "Q" else period.strftime("%Y-%m")
            snap.insert(0, "period_end", p_end)
            snap.insert(0, "period_start", p_start)
            snap.insert(0, "period", label)
            frames.append(snap)
        return pd.concat(frames, ignore_index=True)

    def date_span(self, *, start: DateLike | None = None, end: DateLike | None = None
                  ) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The first and last day the ledger covers (``start`` / ``end`` when given).

        By default from the first due date, completion or update to :attr:`as_of` (or to the
        last date in the ledger when it has no date of its own).
        """
        dates = pd.concat([
            self._nodes_log["due_date"], self._nodes_log["done_date"],
            self._nodes_log["as_of"], self._projects_log["as_of"],
        ]).dropna()
        if start is not None:
            first = as_day(start, "start")
        elif len(dates):
            first = dates.min()
        else:
            msg = "The ledger has no dates: give start= and end=."
            raise InputError(msg)
        if end is not None:
            last = as_day(end, "end", partial="end")
        else:
            last = self.as_of if self.as_of is not None else dates.max()
        if last < first:
            msg = f"end ({last.date()}) is before start ({first.date()})"
            raise InputError(msg)
        return first, last

    def changes(self, *, since: DateLike | None = None, until: DateLike | None = None
                ) -> pd.DataFrame:
        """Every recorded change, field by field (what the 更新记录 sheet shows).

        Parameters
        ----------
        since, until : date, optional
            Only updates dated after ``since`` (a period: after its first day) and up to
            ``until`` (a period: up to its last day).

        Returns
        -------
        pandas.DataFrame
            ``revision``, ``as_of``, ``table`` (``project`` / ``node``), ``id``, ``field``,
            ``old``, ``new`` (as text), ``note``; the starting records are not listed.
        """
        rows: list[dict[str, object]] = []
        for table, key, frame in (("project", "project_id", self._projects_log),
                                  ("node", "node_id", self._nodes_log)):
            rows.extend(_lt.field_changes(table, key, frame))
        out = pd.DataFrame(rows, columns=["revision", "as_of", "table", "id", "field", "old",
                                          "new", "note"])
        if since is not None:
            out = out[out["as_of"] > as_day(since, "since")]
        if until is not None:
            out = out[out["as_of"] <= as_day(until, "until", partial="end")]
        return out.sort_values(["as_of", "revision"], kind="stable").reset_index(drop=True)

    # ----------------------------------------------------------------------------------
    # the 10-day meeting

    def briefing(
        self,
        *,
        on: DateLike,
        period_days: int = 10,
        report: ProjectReview | None = None,
        title: str | None = None,
    ) -> Briefing:
        """The briefing of the working meeting held on ``on``.

        Parameters
        ----------
        on : date
            The meeting day (a period such as ``2011-12`` means its last day).
        period_days : int, default 10
            Days between meetings: the last meeting was ``on - period_days``, the next is
            ``on + period_days``.
        report : planning.ConformityReport, optional
            When given, projects whose verdict is ``conflict`` or ``conditional`` are listed.
        title : str, optional
            Default ``推进城镇化工作领导小组办公室工作例会简报``.

        Returns
        -------
        Briefing

        Examples
        --------
        >>> import planning
        >>> brief = planning.load_sample().ledger.briefing(on="2011-12-17")
        >>> brief.next_meeting
        Timestamp('2011-12-27 00:00:00')
        >>> "逾期" in brief.to_html()
        True
        """
        return build_briefing(self, on=_dates.as_of(on), period_days=period_days, report=report,
                              title=title)
