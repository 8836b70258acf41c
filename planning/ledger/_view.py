"""What the briefing and the workbook writer need of a ledger and of a conformity report.

Typed contracts (Protocols), so that :class:`planning.Ledger` can use its renderers without
the renderers importing it back, and so that the briefing takes any project review with a
``projects`` table: :class:`planning.ConformityReport` is one.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pandas as pd

from planning._core.dates import DateLike
from planning._errors import Problem


class LedgerView(Protocol):
    """The states of a ledger on a day, its changes, and the problems of its sheet."""

    @property
    def problems(self) -> list[Problem]: ...

    def node_states(self, *, on: DateLike) -> pd.DataFrame: ...

    def snapshot(self, *, on: DateLike) -> pd.DataFrame: ...

    def changes(self, *, since: DateLike | None = None,
                until: DateLike | None = None) -> pd.DataFrame: ...

    def date_span(self, *, start: DateLike | None = None,
                  end: DateLike | None = None) -> tuple[pd.Timestamp, pd.Timestamp]: ...


@runtime_checkable
class HistoryView(LedgerView, Protocol):
    """A ledger with its history: what the units reported, the departments, the returns log
    (what the fill-in workbooks, the merging of returns and the progress lights need)."""

    @property
    def departments(self) -> pd.DataFrame | None: ...

    @property
    def returns(self) -> pd.DataFrame: ...

    def node_reports(self, *, on: DateLike) -> pd.DataFrame: ...

    def returns_status(self, *, on: DateLike) -> pd.DataFrame: ...


@runtime_checkable
class ProjectReview(Protocol):
    """A review of project sites: one row per project with ``project_id``, ``verdict``
    (``conforms`` / ``conditional`` / ``conflict``) and ``reasons_zh`` or ``reasons``.

    :class:`planning.ConformityReport` is one (its ``projects`` table). The ledger does not
    import the conformity check (they are siblings); this Protocol is the contract.
    """

    @property
    def projects(self) -> pd.DataFrame: ...
