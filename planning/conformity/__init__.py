"""Three plans in one (三规合一): discrepancy patches, project review, the conflict ledger.

- :func:`discrepancies`: overlay the urban plan (GB 50137 classes) and the land-use plan
  (TD/T 1024 classes), reduce both to construction / non-construction land and classify
  every patch (codes 01-04; reservoir water as its own, non-conflict kind; slivers flagged,
  never dropped; areas reconcile).
- :func:`check_projects`: may each project be built where it is drawn? One row per project
  with its verdict (conforms / conditional / conflict) and every reason with its area.
- :func:`check_conformity`: both on a workspace, as a :class:`ConformityReport` with
  per-township statistics and Excel / GeoPackage export; ``system="territorial"`` reviews
  the projects against the territorial spatial plan instead, ``system="both"`` against both.
- :func:`check_territorial`: the review against the territorial plan (control lines,
  planning zones, land/sea use), one row per project; the report of ``check_conformity``
  adds the area breakdown of each site and the conflicts of that plan itself
  (docs/territorial.md).

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
from planning.conformity._plan_conflicts import PLAN_CHECKS
from planning.conformity._projects import CHECK_ZH, VERDICT_ZH
from planning.conformity._report import ConformityReport
from planning.conformity._territorial import BREAKDOWN_AREAS
from planning.conformity._territorial import CHECK_ZH as TERRITORIAL_CHECKS
from planning.conformity._territorial_check import SYSTEMS, check_territorial
from planning.conformity._territorial_tables import data_path as territorial_table_path
from planning.conformity._territorial_tables import planning_zones as planning_zone_table

__all__ = [
    "BREAKDOWN_AREAS",
    "CHECK_ZH",
    "CODES",
    "KINDS",
    "PLAN_CHECKS",
    "SUB_KINDS",
    "SYSTEMS",
    "TERRITORIAL_CHECKS",
    "VERDICT_ZH",
    "ConformityReport",
    "check_conformity",
    "check_projects",
    "check_territorial",
    "discrepancies",
    "planning_zone_table",
    "territorial_table_path",
]
