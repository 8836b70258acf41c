"""Sanitation responsibility zones (环卫责任区 / 责任段卫生区) of the county seat.

Every department and township cleans its own responsibility zone or road section. This module
checks that the zones cover the built-up area as a coverage (no gaps, no overlaps), who owns
what, builds the urban-management unit grid (万米单元网格) and turns inspection sheets into
scores for the assessment (:func:`planning.assessment.rank`).

Every function takes layers in one projected metric CRS (the workspace CRS), never changes its
inputs and returns new (Geo)DataFrames with documented columns:

- :func:`check_coverage` -> :class:`CoverageReport` (gaps, overlaps, invalid edges, figures
  that reconcile: covered + gaps = area).
- :func:`check_owners` -> :class:`OwnersReport` (per department and township, zones with no
  department, roads with no responsible zone, departments with no zone).
- :func:`unit_grid` -> the unit grid clipped to the area, each cell with its code (the
  county's code, ``county=ws.county``, and a sequence) and the zone and department
  responsible for most of it.
- :func:`read_inspections` -> :class:`Inspections` (the good rows and every bad row reported).
- :func:`zone_scores`, :func:`unit_scores`, :func:`hot_spots` -> scores over a period.

Column by column documentation: ``docs/sanitation.md``.

Examples
--------
The Taiqian sample was drawn with one gap (40 m by 30 m) and one overlap (20 m by 100 m):

>>> import planning
>>> from planning import sanitation
>>> ws = planning.load_sample()
>>> zones, area = ws["sanitation_zones"], ws["builtup_area"]
>>> report = sanitation.check_coverage(zones, area)
>>> report.summary()[["area_m2", "covered_m2", "gap_m2", "overlap_m2"]].tolist()
[8600000.0, 8598800.0, 1200.0, 2000.0]
>>> sheet = sanitation.read_inspections(ws["inspections"], zones=zones)
>>> sanitation.hot_spots(sheet, zones, period="2011-12")["zone_id"].tolist()
['HW008', 'HW022']
"""

from __future__ import annotations

from planning.sanitation._coverage import CoverageReport, check_coverage
from planning.sanitation._grid import unit_grid
from planning.sanitation._owners import OwnersReport, check_owners
from planning.sanitation._reports import problems_table, sanitation_workbook
from planning.sanitation._scores import LOW_SCORE, hot_spots, unit_scores, zone_scores
from planning.sanitation.inspections import Inspections, read_inspections

__all__ = [
    "LOW_SCORE",
    "CoverageReport",
    "Inspections",
    "OwnersReport",
    "check_coverage",
    "check_owners",
    "hot_spots",
    "problems_table",
    "read_inspections",
    "sanitation_workbook",
    "unit_grid",
    "unit_scores",
    "zone_scores",
]
