"""The ledger's round trip with the responsible units (the methods of :class:`Ledger`).

Internals of :mod:`planning.ledger`: :class:`RoundTrip` is the part of
:class:`planning.Ledger` that sends each unit its fill-in workbook, merges what comes back
as one revision, keeps the log of sends and returns, gives what the units reported, the
progress lights and the notices (docs/ledger.md, "The round trip with the responsible
units"). The work is done by the functions of ``_fill_in``, ``_returns``, ``_lights`` and
``_notices``; these methods record the results in the ledger's append-only logs.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import cast

import pandas as pd

from planning._core import dates as _dates
from planning._core.dates import DateLike, PeriodLike, as_day
from planning.ledger import _returns_log as _rl
from planning.ledger import _tables as _lt
from planning.ledger._fill_in import DEFAULT_DEADLINE_DAYS, FillInSend, write_send
from planning.ledger._lights import Lights, ProgressRule, progress_lights
from planning.ledger._merge_result import MergeResult
from planning.ledger._notices import Notice, SupervisionLetter, build_letters, build_notice
from planning.ledger._returns import plan_merge
from planning.ledger._returns_read import filled_in
from planning.ledger._updates import Updates
from planning.ledger._view import HistoryView


class RoundTrip(Updates):
    """Sends, returns, reports, lights and notices of a ledger (mixed into
    :class:`planning.Ledger`)."""

    _returns_log: pd.DataFrame

    def _view(self) -> HistoryView:
        return cast("HistoryView", self)

    @property
    def returns(self) -> pd.DataFrame:
        """The log of fill-in workbooks sent and returns received (``ledger_returns``).

        One record per workbook sent (``event`` ``sent``) and per return received
        (``returned``): ``seq``, ``event``, ``send_id``, ``unit``, ``sent_on``, ``deadline``,
        ``received``, ``file``, ``checksum``, ``nodes``, ``changes``, ``errors``,
        ``warnings``, ``status`` (of a return: ``accepted`` / ``rejected``), ``revision`` (of
        the changes it brought), ``note``. See :meth:`returns_status`.
        """
        return self._returns_log.copy()

    def returns_status(self, *, on: DateLike) -> pd.DataFrame:
        """Each unit's return of each fill-in send, as it stood on ``on``.

        Returns
        -------
        pandas.DataFrame
            One row per send and unit: ``send_id``, ``unit``, ``sent_on``, ``deadline``,
            ``nodes``, ``received`` (the first accepted return), ``returns``, ``status``
            (``on_time``, ``late``, ``missing``, ``pending``), ``status_zh``, ``days_late``.
        """
        return _rl.returns_status(self._returns_log, _dates.as_of(on))


    def node_reports(self, *, on: DateLike) -> pd.DataFrame:
        """:meth:`node_states` with what the responsible units had reported by ``on``.

        Returns
        -------
        pandas.DataFrame
            The :meth:`node_states` columns, then ``start_date`` (the project's),
            ``progress_pct`` (0-100, NaN when none was reported), ``report_state``
            (``not_started``, ``in_progress``, ``done``, ``blocked``), ``progress`` (进展情况)
            and ``problems`` (存在问题), as merged from the units' returns
            (:meth:`merge_returns`); None where nothing was reported.
        """
        day = _dates.as_of(on)
        states = self._view().node_states(on=day)
        reports = _lt.reports_on(self._nodes_log, day)
        projects = _lt.latest(self._projects_log, "project_id", day)
        starts = dict(zip(projects["project_id"], projects["start_date"], strict=True))
        out = states.assign(start_date=pd.Series(
            [starts.get(p, pd.NaT) for p in states["project_id"]], index=states.index,
            dtype=_lt.DATE_DTYPE))
        return out.join(reports, on="node_id")

    def fill_in_workbooks(
        self,
        folder: str | os.PathLike[str],
        *,
        on: DateLike,
        units: Iterable[str] | None = None,
        deadline: DateLike | None = None,
        include_done: bool = False,
        rule: ProgressRule | None = None,
    ) -> FillInSend:
        """Write one fill-in workbook (台账填报表) per responsible unit, and record the send.

        Each workbook holds only the unit's time nodes as they stood on ``on``: locked
        columns for what the office owns (project and node ids and names, planned start, due
        date, responsible unit), open shaded columns for what the unit reports (实际完成时间,
        推进状态, 完成进度 0-100, 进展情况, 存在问题) with data validations, a cover row
        (填报单位, 填报人, 联系电话, 填报日期), an instructions sheet, and a very hidden sheet
        identifying the send (docs/ledger.md, "The round trip with the responsible units").

        Parameters
        ----------
        folder : str or path-like
            Where to write (created); each workbook, named
            ``20111217_县交通运输局_台账填报.xlsx``, and the dispatch list
            ``20111217_台账填报_发送清单.xlsx`` are written atomically.
        on : date
            The day of the ledger sent (a meeting day; a month means its last day).
        units : iterable of str, optional
            Only these units (default: every unit responsible for a node not done on ``on``).
        deadline : date, optional
            The day the returns are due; default ``on`` + 7 days. A return received later is
            late (:meth:`merge_returns`, the assessment).
        include_done : bool, default False
            Also list the nodes already done (for the units to check).
        rule : ProgressRule, optional
            The progress-light rule quoted in the instructions.

        Returns
        -------
        FillInSend
            The send id, the workbooks written (one per unit) and the dispatch list. The
            send is recorded in :attr:`returns` (so that missing returns are counted); save
            the workspace to keep it.

        Raises
        ------
        InputError
            A file of ``folder`` the send would write over was filled in (a unit's return
            saved under its sent name) or is no fill-in workbook as written: nothing is
            written; write the send to another folder.

        Examples
        --------
        >>> import planning, tempfile
        >>> ledger = planning.load_sample().ledger
        >>> send = ledger.fill_in_workbooks(tempfile.mkdtemp(), on="2011-12-17")
        >>> send.send_id, len(send.workbooks), send.deadline.date().isoformat()
        ('TB20111217', 16, '2011-12-24')
        >>> send.paths[0].name
        '20111217_侯庙镇_台账填报.xlsx'
        """
        day = _dates.as_of(on)
        due = (day + pd.Timedelta(days=DEFAULT_DEADLINE_DAYS) if deadline is None
               else as_day(deadline, "deadline", partial="end"))
        send = write_send(self._view(), Path(folder), day=day, deadline=due, units=units,
                          include_done=include_done, rule=rule or ProgressRule.read(),
                          guard=filled_in)
        self._returns_log = _rl.append(self._returns_log, [
            {"event": "sent", "send_id": send.send_id, "unit": row["unit"], "sent_on": day,
             "deadline": due, "file": Path(row["path"]).name, "checksum": row["checksum"],
             "nodes": row["nodes"]} for row in send.workbooks.to_dict("records")])
        return send

    def merge_returns(
        self,
        paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
        | Mapping[str | os.PathLike[str], DateLike],
        *,
        on: DateLike,
        received: Mapping[str, DateLike] | None = None,
        apply: bool = True,
    ) -> MergeResult:
        """Merge the workbooks the units sent back as one dated revision of the history.

        Each file is read by its headers and node ids (a fill-in workbook, one a unit retyped
        or reordered, a separate node sheet, or a ledger in the bureau's own layout) and
        checked against what was sent and against the ledger: unknown projects or nodes,
        nodes of another unit, edits to the office's (locked) columns, done dates after the
        return came in or before the project's start, a return from the wrong unit, two
        returns of one unit, late returns. What passes (done dates, states, percentages,
        progress and problems) is recorded as one revision dated ``on``; the office's fields
        are never changed by a merge. Merging the same return again changes nothing (it is
        recognised in :attr:`returns`). Rules in docs/ledger.md, "Merging the returns".

        Parameters
        ----------
        paths : path, iterable of paths, or mapping of path to date
            The returned files; a mapping gives the day each came in.
        on : date
            The day of the revision (a month means its last day).
        received : mapping, optional
            File (path or name) -> the day it came in, for files ``paths`` gives no day for.
            Default: the file's modification day, at most ``on``.
        apply : bool, default True
            False: check only; the ledger is left as it is.

        Returns
        -------
        MergeResult
            The changes applied, every problem (by unit, file and row), each file's fate and
            the table for the meeting (who returned on time, late, or not at all).

        Raises
        ------
        InputError
            When no file is given, or a day it came in is after ``on``.
        """
        day = _dates.as_of(on)
        result, updates, records = plan_merge(self._view(), paths, day=day, received=received)
        if not apply:
            return result
        revision = self._append_revision(updates, day=day, note="台账填报合并")
        self._returns_log = _rl.append(self._returns_log, [
            {**r, "revision": revision if r["changes"] else None} for r in records])
        return dataclasses.replace(result, revision=revision, applied=True)

    def lights(self, *, on: DateLike, rule: ProgressRule | None = None,
               period_days: int = 10) -> Lights:
        """The progress lights (红黄绿灯) on ``on``, against the scheduled progress (序时进度).

        Parameters
        ----------
        on : date
            The ledger as it stood that day (a month means its last day).
        rule : ProgressRule, optional
            Default: ``planning/data/progress_lights.csv`` (red below 60 % of schedule,
            yellow below 80 %, two yellows in a row red, overdue nodes red).
        period_days : int, default 10
            Days between meetings (the yellows-in-a-row rule looks back by these steps).

        Returns
        -------
        Lights
            ``nodes``, ``projects`` and ``units`` with their lights and the reasons.

        Examples
        --------
        >>> import planning
        >>> lights = planning.load_sample().ledger.lights(on="2011-12-17")
        >>> lights.counts()
        {'red': 6, 'yellow': 0, 'green': 21}
        """
        return progress_lights(self._view(), on=on, rule=rule, period_days=period_days)

    def notice(self, *, period: PeriodLike, on: DateLike | None = None,
               issuer: str | None = None, number: str | None = None,
               rule: ProgressRule | None = None, period_days: int = 10) -> Notice:
        """The monthly or quarterly notice (通报) of progress by responsible unit.

        Parameters
        ----------
        period : str, pandas.Period or (first, last)
            A month (``2011-12``, ``2011年12月``), a quarter (``2011Q4``, ``2011年第四季度``)
            or any span, as every ``period=``.
        on : date, optional
            The day the ledger is taken from, inside the period (default: its last day):
            the notice of any date, from the history.
        issuer : str, optional
            Default ``推进城镇化工作领导小组办公室``.
        number : str, optional
            The document number (文号) under the title.
        rule, period_days
            Of the progress lights (:meth:`lights`).

        Returns
        -------
        Notice
            Summary, progress by unit (nodes due in the period, on time, late, open, lights,
            returns), the red nodes, the late or missing returns, the requirements;
            ``notice.write("通报.docx")`` or ``.pdf``.

        Examples
        --------
        >>> import planning
        >>> notice = planning.load_sample().ledger.notice(period="2011-12", on="2011-12-17")
        >>> notice.title
        '关于2011年12月全县重点项目推进情况的通报'
        >>> int(notice.units["red"].sum()) == len(notice.red)
        True
        """
        return build_notice(self._view(), period=period, on=on, issuer=issuer,
                            number=number, rule=rule, period_days=period_days)

    def supervision_letters(self, *, on: DateLike, deadline: DateLike | None = None,
                            units: Iterable[str] | None = None, issuer: str | None = None,
                            first_number: int = 1, rule: ProgressRule | None = None,
                            period_days: int = 10) -> list[SupervisionLetter]:
        """A supervision letter (督办函) to each unit with red progress lights on ``on``.

        Parameters
        ----------
        on : date
            The ledger as it stood that day.
        deadline : date, optional
            The day the units' answers are due (default ``on`` + 10 days).
        units : iterable of str, optional
            Only these units (each must have a red light).
        issuer : str, optional
            Default ``推进城镇化工作领导小组办公室``.
        first_number : int, default 1
            The letters are numbered 督办〔year〕n号 from this number, by unit name.
        rule, period_days
            Of the progress lights (:meth:`lights`).

        Returns
        -------
        list of SupervisionLetter
            ``letter.write("督办函.docx")`` or ``.pdf``.

        Examples
        --------
        >>> import planning
        >>> letters = planning.load_sample().ledger.supervision_letters(on="2011-12-17")
        >>> [letter.unit for letter in letters][:2], letters[0].number
        (['县交通运输局', '县城市管理局'], '督办〔2011〕1号')
        """
        return build_letters(self._view(), on=on, deadline=deadline, units=units,
                             issuer=issuer, first_number=first_number, rule=rule,
                             period_days=period_days)
