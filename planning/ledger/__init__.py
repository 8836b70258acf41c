"""The project ledger (台账): projects, time nodes, a dated history, snapshots and briefings.

The county pushes its key projects "by the time nodes": every project has dated milestones
(节点), the ledger is updated by month and by quarter, and a working meeting every 10 days
looks at what was done, what is late and who is responsible (docs/ledger.md).

- :class:`Ledger` keeps every state it was ever told (append-only history), rebuilds any
  day's state (:meth:`Ledger.snapshot`), reads and writes bureau workbooks;
- :class:`Briefing` / :func:`write_briefing`: the 10-day working meeting's briefing;
- :data:`CATEGORIES`, :data:`STATUSES`, :data:`NODE_STATES`: the vocabularies.

Examples
--------
>>> import planning
>>> ledger = planning.load_sample().ledger
>>> snap = ledger.snapshot(on="2011-12-17")
>>> int(snap["overdue_nodes"].sum()) == len(ledger.node_states(on="2011-12-17")
...                                           .query("state == 'overdue'"))
True
"""

from __future__ import annotations

from planning._core.vocab import PLANS
from planning.ledger._fill_in import FillInSend
from planning.ledger._ledger import NODES_HISTORY, PROJECTS_HISTORY, RETURNS_TABLE, Ledger
from planning.ledger._lights import LIGHTS, Lights, ProgressRule, progress_lights
from planning.ledger._merge_result import PROBLEM_CODES, MergeResult
from planning.ledger._notices import Notice, SupervisionLetter, write_notices
from planning.ledger._outputs import write_briefing
from planning.ledger._read_excel import header_mapping
from planning.ledger._updates import KEEP
from planning.ledger._view import LedgerView, ProjectReview
from planning.ledger._vocab import (
    CATEGORIES,
    NODE_STATES,
    REPORT_STATES,
    STATUSES,
    header_fields,
)
from planning.ledger.briefing import Briefing
from planning.workspace import register_part

register_part("ledger", Ledger.from_workspace)  # ws.ledger

__all__ = [
    "CATEGORIES",
    "KEEP",
    "LIGHTS",
    "NODES_HISTORY",
    "NODE_STATES",
    "PLANS",
    "PROBLEM_CODES",
    "PROJECTS_HISTORY",
    "REPORT_STATES",
    "RETURNS_TABLE",
    "STATUSES",
    "Briefing",
    "FillInSend",
    "Ledger",
    "LedgerView",
    "Lights",
    "MergeResult",
    "Notice",
    "ProgressRule",
    "ProjectReview",
    "SupervisionLetter",
    "header_fields",
    "header_mapping",
    "progress_lights",
    "write_briefing",
    "write_notices",
]
