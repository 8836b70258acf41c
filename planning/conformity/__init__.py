"""Three plans in one (三规合一): discrepancy patches, project review, the conflict ledger.

- :func:`discrepancies`: overlay the urban plan (GB 50137 classes) and the land-use plan
  (TD/T 1024 classes), reduce both to construction / non-construction land and classify
  every patch (codes 01-04; reservoir water as its own, non-conflict kind; slivers flagged,
  never dropped; areas reconcile).
- :func:`check_projects`: may each project be built where it is drawn? One row per project
  with its verdict (conforms / conditional / conflict) and every reason with its area.
- :func:`check_conformity`: both on a workspace, as a :class:`ConformityReport` with
  per-township statistics and Excel / GeoPackage export.

The method, the codes and the compatibility table are documented in docs/conformity.md.

Examples
--------
>>> import planning
>>> report = planning.check_conformity(planning.load_sample())
>>> sorted(report.projects.loc[report.projects["verdict"] == "conflict", "project_id"])[:3]
['TQ-001', 'TQ-002', 'TQ-008']
"""

from __future__ import annotations

from planning.conformity._check import check_conformity, check_projects, discrepancies
from planning.conformity._patches import CODES, KINDS, SUB_KINDS
from planning.conformity._projects import CHECK_ZH, VERDICT_ZH
from planning.conformity._report import ConformityReport

__all__ = [
    "CHECK_ZH",
    "CODES",
    "KINDS",
    "SUB_KINDS",
    "VERDICT_ZH",
    "ConformityReport",
    "check_conformity",
    "check_projects",
    "discrepancies",
]
