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
- :func:`unit_grid` -> the unit grid clipped to the area, each cell with its code and the zone
  and department responsible for most of it.
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

import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning import settings
from planning._errors import GeometryError, InputError, Problem
from planning._inspections import (
    Inspections,
    PeriodLike,
    as_inspections,
    period_bounds,
    read_inspections,
)
from planning._validate import (
    LINEAR,
    Checker,
    check_columns,
    check_crs,
    check_geometries,
    require_frame,
)
from planning._zone_geometry import (
    MAX_CELLS,
    area_geometry,
    blank_text,
    check_zones,
    fill_holes,
    gap_pieces,
    geo_frame,
    grid_boxes,
    is_sliver,
    majority_zone,
    match_departments,
    overlap_pairs,
    polygonal,
    road_length_by_zone,
    rollup,
    unowned_roads,
)
from planning.io import atomic_output, write_layers

__all__ = [
    "CoverageReport",
    "Inspections",
    "OwnersReport",
    "check_coverage",
    "check_owners",
    "hot_spots",
    "problems_table",
    "read_inspections",
    "unit_grid",
    "unit_scores",
    "zone_scores",
]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# writing reports


def problems_table(problems: Sequence[Problem]) -> pd.DataFrame:
    """Problems as a table: ``source``, ``row``, ``column``, ``value``, ``message``."""
    return pd.DataFrame([(p.source, p.row, p.column, p.value, p.message) for p in problems],
                        columns=["source", "row", "column", "value", "message"])


def _save_excel(sheets: dict[str, pd.DataFrame], path: str | os.PathLike[str]) -> Path:
    """Write tables (geometry columns left out) as sheets of a new workbook, atomically."""
    target = Path(path)
    with atomic_output(target) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            table = pd.DataFrame(frame.drop(columns=[c for c in frame.columns
                                                     if c == "geometry"]))
            table.to_excel(writer, sheet_name=name[:31], index=False)
    return target


# --------------------------------------------------------------------------------------------
# coverage


@dataclass(frozen=True)
class CoverageReport:
    """What :func:`check_coverage` found: the pieces and figures that reconcile.

    Attributes
    ----------
    gaps : geopandas.GeoDataFrame
        One row per piece of the area that no zone covers: ``gap_id`` (``G1``, ``G2``, ...
        largest first), ``area_m2``, ``sliver`` (narrower than ``gap_width_m`` everywhere:
        likely digitising noise rather than an unassigned block), ``neighbours`` (the zone ids
        bordering it, ``;``-separated: the candidates to take it over), geometry.
    overlaps : geopandas.GeoDataFrame
        One row per pair of zones whose interiors overlap: ``zone_a`` < ``zone_b`` (as text),
        ``area_m2``, ``sliver``, geometry (the shared piece, not clipped to the area).
        Overlaps below 1e-6 m² (rounding noise, ``planning._coverage.NOISE_M2``) are not
        listed here; their edges still show in ``invalid_edges``.
    invalid_edges : geopandas.GeoDataFrame
        One row per zone with edges that do not match its neighbours exactly (shapely's
        ``coverage_invalid_edges``; this includes the edges of gaps narrower than
        ``gap_width_m``): ``zone_id``, ``length_m``, geometry (lines).
    outside : geopandas.GeoDataFrame
        One row per zone reaching beyond the area: ``zone_id``, ``area_m2``, geometry.
    area_m2, covered_m2, gap_m2 : float
        Area checked, the part of it covered by at least one zone, and the sum of the gaps;
        ``covered_m2 + gap_m2 == area_m2`` (up to floating-point rounding).
    overlap_m2 : float
        Sum of the overlaps, counted once per pair of zones.
    outside_m2 : float
        Area of the zones beyond the area.
    gap_width_m : float
        The gap width the check used.
    """

    gaps: gpd.GeoDataFrame
    overlaps: gpd.GeoDataFrame
    invalid_edges: gpd.GeoDataFrame
    outside: gpd.GeoDataFrame
    area_m2: float
    covered_m2: float
    gap_m2: float
    overlap_m2: float
    outside_m2: float
    gap_width_m: float
    source: str = "zones"

    @property
    def is_valid(self) -> bool:
        """True when the zones cover the area exactly once, edge to edge."""
        return bool(self.gaps.empty and self.overlaps.empty and self.invalid_edges.empty
                    and self.outside.empty)

    @property
    def problems(self) -> list[Problem]:
        """Every gap, overlap, invalid edge and spill-over, as :class:`~planning.Problem`."""
        out: list[Problem] = []
        for row in self.gaps.itertuples():
            kind = "narrow gap (sliver)" if row.sliver else "gap"
            out.append(Problem(self.source, f"{kind} of {row.area_m2:.1f} m² that no zone "
                               f"covers (bordering zones: {row.neighbours or 'none'}); assign "
                               "it to a zone", value=str(row.gap_id)))
        for row in self.overlaps.itertuples():
            out.append(Problem(self.source, f"zones {row.zone_a} and {row.zone_b} overlap by "
                               f"{row.area_m2:.1f} m²; decide which of them cleans the piece",
                               value=f"{row.zone_a}/{row.zone_b}"))
        for row in self.invalid_edges.itertuples():
            out.append(Problem(self.source, f"{row.length_m:.1f} m of edges do not match the "
                               "neighbouring zones exactly; snap them to the shared boundary",
                               value=str(row.zone_id)))
        for row in self.outside.itertuples():
            out.append(Problem(self.source, f"zone reaches {row.area_m2:.1f} m² beyond the "
                               "area checked", value=str(row.zone_id)))
        return out

    def summary(self) -> pd.Series:
        """The figures as one Series (``area_m2``, ``covered_m2``, ``gap_m2``, ...)."""
        return pd.Series({
            "area_m2": self.area_m2, "covered_m2": self.covered_m2, "gap_m2": self.gap_m2,
            "overlap_m2": self.overlap_m2, "outside_m2": self.outside_m2,
            "n_gaps": len(self.gaps), "n_overlaps": len(self.overlaps),
            "n_invalid_edges": len(self.invalid_edges), "n_outside": len(self.outside),
        }, name="coverage")

    def _layers(self) -> dict[str, gpd.GeoDataFrame]:
        return {"gaps": self.gaps, "overlaps": self.overlaps,
                "invalid_edges": self.invalid_edges, "outside": self.outside}

    def to_gpkg(self, path: str | os.PathLike[str], *, prefix: str = "sanitation_") -> Path:
        """Write the pieces as layers ``<prefix>gaps``, ``overlaps``, ``invalid_edges`` and
        ``outside`` of a GeoPackage, atomically; other layers of the file are kept."""
        return write_layers({prefix + k: v for k, v in self._layers().items()}, path)

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the summary, the problems and the pieces (without geometry) to a workbook."""
        sheets = {"summary": self.summary().rename_axis("figure").reset_index(),
                  "problems": problems_table(self.problems), **self._layers()}
        return _save_excel(sheets, path)


def check_coverage(
    zones: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    *,
    gap_width_m: float = 1.0,
    id_column: str = "zone_id",
) -> CoverageReport:
    """Check that responsibility zones cover an area once, with no gaps and no overlaps.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Polygon zones in a projected metric CRS, with unique ids in ``id_column``.
    area : geopandas.GeoDataFrame or GeoSeries, optional
        The area the zones must cover (the built-up area), in the zones' CRS. By default the
        outline of the zones themselves, so that only holes between zones count as gaps.
    gap_width_m : float, default 1.0
        Gaps and overlaps narrower than this everywhere are marked ``sliver``; the edges of
        gaps narrower than this are also reported as invalid edges (shapely's ``gap_width``).
    id_column : str, default "zone_id"
        Column holding the zone ids.

    Returns
    -------
    CoverageReport
        Gaps, overlaps (once per pair), invalid edges, spill-over beyond the area, and the
        figures: ``covered_m2 + gap_m2 == area_m2``.

    Raises
    ------
    GeometryError
        When zones lack ids, have duplicate ids or invalid, empty or non-polygonal geometries.
    CRSError
        When a layer has no CRS, a geographic CRS, or the two CRSs differ.

    Examples
    --------
    Two zones side by side, a third overlapping the second, a 10 m by 100 m gap:

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> zones = gpd.GeoDataFrame(
    ...     {"zone_id": ["Z1", "Z2", "Z3"]},
    ...     geometry=[box(0, 0, 100, 100), box(110, 0, 200, 100), box(150, 0, 250, 100)],
    ...     crs="EPSG:4548")
    >>> area = gpd.GeoDataFrame(geometry=[box(0, 0, 250, 100)], crs="EPSG:4548")
    >>> report = check_coverage(zones, area)
    >>> report.gaps[["gap_id", "area_m2", "neighbours"]].to_dict("records")
    [{'gap_id': 'G1', 'area_m2': 1000.0, 'neighbours': 'Z1;Z2'}]
    >>> report.overlaps[["zone_a", "zone_b", "area_m2"]].to_dict("records")
    [{'zone_a': 'Z2', 'zone_b': 'Z3', 'area_m2': 5000.0}]
    >>> report.covered_m2 + report.gap_m2 == report.area_m2
    True
    """
    frame = check_zones(zones, "zones", id_column=id_column)
    check_crs({"zones": frame})
    if not math.isfinite(gap_width_m) or gap_width_m < 0:
        msg = f"gap_width_m must be a non-negative number of metres, got {gap_width_m!r}."
        raise InputError(msg)
    crs = frame.crs
    geoms = np.asarray(frame.geometry.values, dtype=object)
    ids = frame[id_column].to_numpy(dtype=object)

    valid = bool(shapely.coverage_is_valid(geoms)) if len(geoms) else True
    union = (shapely.coverage_union_all(geoms) if valid else shapely.union_all(geoms))
    area_geom = fill_holes(union) if area is None else area_geometry(area, frame)

    gaps, neighbours = gap_pieces(area_geom, union, geoms, ids)
    gap_areas = shapely.area(gaps)
    gaps_frame = geo_frame({
        "gap_id": [f"G{i}" for i in range(1, len(gaps) + 1)],
        "area_m2": gap_areas, "sliver": is_sliver(gaps, gap_width_m),
        "neighbours": neighbours,
    }, gaps, crs)

    zone_a, zone_b, pieces = overlap_pairs(frame, id_column)
    order = np.lexsort((zone_b, zone_a)) if zone_a else np.array([], dtype=int)
    overlaps_frame = geo_frame({
        "zone_a": [zone_a[i] for i in order], "zone_b": [zone_b[i] for i in order],
        "area_m2": shapely.area(pieces[order]), "sliver": is_sliver(pieces[order], gap_width_m),
    }, pieces[order], crs)

    edges = shapely.coverage_invalid_edges(geoms, gap_width=gap_width_m) if len(geoms) else geoms
    bad = ~shapely.is_empty(edges) & ~shapely.is_missing(edges)
    edges_frame = geo_frame({"zone_id": ids[bad], "length_m": shapely.length(edges[bad])},
                         edges[bad], crs)

    beyond = polygonal(shapely.difference(geoms, area_geom))
    spill = shapely.area(beyond) > 0
    outside_frame = geo_frame({"zone_id": ids[spill], "area_m2": shapely.area(beyond[spill])},
                           beyond[spill], crs)

    area_m2 = float(shapely.area(area_geom))
    covered_m2 = float(shapely.area(shapely.intersection(union, area_geom)))
    report = CoverageReport(
        gaps=gaps_frame, overlaps=overlaps_frame, invalid_edges=edges_frame,
        outside=outside_frame, area_m2=area_m2, covered_m2=covered_m2,
        gap_m2=float(gap_areas.sum()), overlap_m2=float(overlaps_frame["area_m2"].sum()),
        outside_m2=float(outside_frame["area_m2"].sum()), gap_width_m=float(gap_width_m),
    )
    log.info("coverage of %d zones: %d gaps (%.1f m²), %d overlaps (%.1f m²)", len(frame),
             len(gaps_frame), report.gap_m2, len(overlaps_frame), report.overlap_m2)
    return report


# --------------------------------------------------------------------------------------------
# owners


@dataclass(frozen=True)
class OwnersReport:
    """Who is responsible for which zone and road, from :func:`check_owners`.

    Attributes
    ----------
    by_department, by_township : pandas.DataFrame
        One row per department (or township) named in the zones: ``department``
        (``township``), ``n_zones``, ``area_m2`` (sum of the zones' areas), ``road_length_m``
        (length of road inside its zones; a road in two overlapping zones counts for both),
        ``zone_ids`` (``;``-separated).
    no_department : geopandas.GeoDataFrame
        Zones whose ``department`` is blank.
    unknown_department : geopandas.GeoDataFrame
        Zones whose ``department`` is neither a ``unit_id`` nor a ``name_zh`` of the
        departments table (empty when no table was given).
    idle_departments : pandas.DataFrame
        Rows of the departments table (of the kinds checked) responsible for no zone.
    unowned_roads : geopandas.GeoDataFrame
        One row per road with a stretch inside the area that no road-section zone covers (no
        zone at all when the zones have no ``kind`` column): ``road_id``, ``name_zh``,
        ``length_m`` (that stretch), ``share`` (of the road's length inside the area),
        ``in_other_zones_m`` (how much of the stretch lies in zones of other kinds, cleaned as
        part of an area at best; the rest lies in no zone at all), geometry (the stretch).
    """

    by_department: pd.DataFrame
    by_township: pd.DataFrame
    no_department: gpd.GeoDataFrame
    unknown_department: gpd.GeoDataFrame
    idle_departments: pd.DataFrame
    unowned_roads: gpd.GeoDataFrame
    source: str = "zones"

    @property
    def problems(self) -> list[Problem]:
        """Every ownership problem as a :class:`~planning.Problem`."""
        out = [Problem(self.source, "zone has no department; name the unit that cleans it",
                       column="department", value=str(v))
               for v in self.no_department["zone_id"]]
        out += [Problem(self.source, "zone names a department that is not in the departments "
                        "table; correct the name or add the unit", column="department",
                        value=f"{z}: {d}") for z, d in
                zip(self.unknown_department["zone_id"], self.unknown_department["department"],
                    strict=True)]
        out += [Problem("departments", "unit is responsible for no sanitation zone",
                        value=f"{u} {n}") for u, n in
                zip(self.idle_departments["unit_id"], self.idle_departments["name_zh"],
                    strict=True)]
        roads = self.unowned_roads
        out += [Problem("roads", f"{length:.1f} m ({share:.0%}) of the road have no "
                        f"responsible road section ({length - other:.1f} m lie in no zone at "
                        "all); assign the road to a unit", value=f"{rid} {name}")
                for rid, name, length, share, other in
                zip(roads["road_id"], roads["name_zh"], roads["length_m"], roads["share"],
                    roads["in_other_zones_m"], strict=True)]
        return out

    def _layers(self) -> dict[str, pd.DataFrame]:
        return {"by_department": self.by_department, "by_township": self.by_township,
                "no_department": self.no_department,
                "unknown_department": self.unknown_department,
                "idle_departments": self.idle_departments, "unowned_roads": self.unowned_roads}

    def to_gpkg(self, path: str | os.PathLike[str], *, prefix: str = "sanitation_") -> Path:
        """Write the zones with no or an unknown department and the roads with no road
        section as GeoPackage layers (``<prefix>no_department``, ...), atomically."""
        layers = {prefix + k: v for k, v in self._layers().items()
                  if isinstance(v, gpd.GeoDataFrame)}
        return write_layers(layers, path)

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the roll-ups, the problems and every list (without geometry) to a workbook."""
        return _save_excel({"problems": problems_table(self.problems), **self._layers()}, path)


def check_owners(
    zones: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    departments: pd.DataFrame | None = None,
    area: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    kinds: Sequence[str] = ("department",),
    road_kinds: Sequence[str] | None = ("road_section",),
    min_length_m: float = 0.01,
    id_column: str = "zone_id",
) -> OwnersReport:
    """Check who is responsible for each zone and road section.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        The sanitation zones, with ``department`` and ``township`` columns.
    roads : geopandas.GeoDataFrame, optional
        Road centre lines (``road_id``, ``name_zh``) in the zones' CRS; their stretches inside
        the area that no zone covers are reported.
    departments : pandas.DataFrame, optional
        The units table (``unit_id``, ``name_zh``, ``kind``). A zone's ``department`` may hold
        either the ``unit_id`` or the ``name_zh``.
    area : geopandas.GeoDataFrame or GeoSeries, optional
        Where roads need an owner (the built-up area); by default the outline of the zones.
    kinds : sequence of str, default ("department",)
        Kinds of units expected to hold a zone; idle units of other kinds (townships outside
        the county seat) are not reported.
    road_kinds : sequence of str or None, default ("road_section",)
        Zone kinds that make a unit responsible for a road. A road stretch outside every zone
        of these kinds is reported (a road running through area zones still has no
        responsible section). None, or zones without a ``kind`` column: any zone counts.
    min_length_m : float, default 0.01
        Road stretches without a zone up to this length (rounding where a road follows a zone
        edge) are not listed.
    id_column : str, default "zone_id"
        Column holding the zone ids.

    Returns
    -------
    OwnersReport

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box, LineString
    >>> zones = gpd.GeoDataFrame(
    ...     {"zone_id": ["Z1", "Z2"], "department": ["D01", None], "township": ["城关镇"] * 2},
    ...     geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs="EPSG:4548")
    >>> roads = gpd.GeoDataFrame({"road_id": ["R1"], "name_zh": ["人民路"]},
    ...     geometry=[LineString([(50, 50), (300, 50)])], crs="EPSG:4548")
    >>> area = gpd.GeoDataFrame(geometry=[box(0, 0, 250, 100)], crs="EPSG:4548")
    >>> report = check_owners(zones, roads=roads, area=area)
    >>> report.by_department[["department", "n_zones", "road_length_m"]].to_dict("records")
    [{'department': 'D01', 'n_zones': 1, 'road_length_m': 50.0}]
    >>> list(report.no_department["zone_id"])
    ['Z2']
    >>> report.unowned_roads[["road_id", "length_m", "share"]].to_dict("records")
    [{'road_id': 'R1', 'length_m': 50.0, 'share': 0.25}]
    """
    frame = check_zones(zones, "zones", id_column=id_column,
                         required=("department", "township"))
    layers = {"zones": frame}
    if roads is not None:
        road_frame = require_frame(roads, "roads")
        checker = Checker()
        check_columns(road_frame, ["road_id"], "roads", checker)
        check_geometries(road_frame, "roads", checker, allowed=LINEAR, id_column="road_id")
        checker.raise_if_any("Layer 'roads' cannot be used as it is.", GeometryError)
        layers["roads"] = road_frame
    check_crs(layers)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    table = pd.DataFrame({
        id_column: frame[id_column].to_numpy(),
        "department": frame["department"].to_numpy(),
        "township": frame["township"].to_numpy(),
        "area_m2": shapely.area(geoms),
        "road_length_m": (road_length_by_zone(geoms, layers["roads"]) if roads is not None
                          else np.zeros(len(geoms))),
    })
    no_dept = blank_text(frame["department"])
    unknown = np.zeros(len(frame), dtype=bool)
    idle = pd.DataFrame(columns=["unit_id", "name_zh", "kind"])
    if departments is not None:
        unknown, idle = match_departments(frame["department"], departments, kinds)
        unknown = unknown & ~no_dept
    union = shapely.union_all(geoms)
    unowned = geo_frame({"road_id": [], "name_zh": [], "length_m": [], "share": [],
                      "in_other_zones_m": []}, np.array([], dtype=object), frame.crs)
    if roads is not None:
        area_geom = fill_holes(union) if area is None else area_geometry(area, frame)
        for_roads = np.ones(len(frame), dtype=bool)
        if road_kinds is not None and "kind" in frame.columns:
            for_roads = frame["kind"].isin(list(road_kinds)).to_numpy(dtype=bool)
        unowned = unowned_roads(layers["roads"], shapely.union_all(geoms[for_roads]),
                                 shapely.union_all(geoms[~for_roads]), area_geom, min_length_m)
    return OwnersReport(
        by_department=rollup(table, "department", id_column),
        by_township=rollup(table, "township", id_column),
        no_department=frame.loc[no_dept].copy(),
        unknown_department=frame.loc[unknown].copy(),
        idle_departments=idle,
        unowned_roads=unowned,
    )


# --------------------------------------------------------------------------------------------
# unit grid



def unit_grid(
    area: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    cell_m2: float = 10_000,
    zones: gpd.GeoDataFrame | None = None,
    county_code: str | None = None,
    id_column: str = "zone_id",
) -> gpd.GeoDataFrame:
    """Build the urban-management unit grid (万米单元网格) clipped to an area.

    Square cells of ``cell_m2`` (10,000 m² by default, 100 m by 100 m) on a grid aligned to
    multiples of the cell side in the CRS, so that the same area always gives the same cells.

    Parameters
    ----------
    area : geopandas.GeoDataFrame or GeoSeries
        The area to cover (the built-up area), in a projected metric CRS.
    cell_m2 : float, default 10000
        Area of a whole cell in square metres.
    zones : geopandas.GeoDataFrame, optional
        Sanitation zones in the same CRS; each cell gets the zone covering most of it.
    county_code : str, optional
        Six-digit county code prefixed to the cell codes; by default
        ``planning.settings.county_code`` (410927, Taiqian).
    id_column : str, default "zone_id"
        Column of ``zones`` holding the zone ids.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell part inside the area, numbered by rows from the north-west:
        ``code`` (county code + six-digit sequence, e.g. ``410927000001``), ``row``, ``col``,
        ``area_m2`` (of the clipped cell), ``whole`` (the cell lies wholly inside the area),
        ``zone_id``, ``department``, ``township`` (of the zone covering most of the cell; NA
        where no zone covers it or no zones were given), ``zone_share`` (share of the clipped
        cell that zone covers), geometry.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> area = gpd.GeoDataFrame(geometry=[box(0, 0, 250, 100)], crs="EPSG:4548")
    >>> zones = gpd.GeoDataFrame(
    ...     {"zone_id": ["Z1", "Z2"], "department": ["D01", "D02"], "township": ["城关镇"] * 2},
    ...     geometry=[box(0, 0, 130, 100), box(130, 0, 250, 100)], crs="EPSG:4548")
    >>> grid = unit_grid(area, zones=zones)
    >>> grid[["code", "area_m2", "whole", "zone_id", "zone_share"]].to_dict("records")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'code': '410927000001', 'area_m2': 10000.0, 'whole': True, 'zone_id': 'Z1',
      'zone_share': 1.0},
     {'code': '410927000002', 'area_m2': 10000.0, 'whole': True, 'zone_id': 'Z2',
      'zone_share': 0.7},
     {'code': '410927000003', 'area_m2': 5000.0, 'whole': False, 'zone_id': 'Z2',
      'zone_share': 1.0}]
    """
    if isinstance(area, gpd.GeoSeries):
        area = gpd.GeoDataFrame(geometry=area)
    area_frame = require_frame(area, "area")
    check_crs({"area": area_frame})
    if not (isinstance(cell_m2, int | float) and math.isfinite(cell_m2) and cell_m2 > 0):
        msg = f"cell_m2 must be a positive area in square metres, got {cell_m2!r}."
        raise InputError(msg)
    code = settings.county_code if county_code is None else str(county_code)
    zone_frame = None
    if zones is not None:
        zone_frame = check_zones(zones, "zones", id_column=id_column)
        area_geom = area_geometry(area_frame, zone_frame)
    else:
        area_geom = area_geometry(area_frame, area_frame)
    side_m = math.sqrt(cell_m2)
    boxes, rows, cols = grid_boxes(area_geom, side_m)
    shapely.prepare(area_geom)
    hit = shapely.intersects(area_geom, boxes)
    boxes, rows, cols = boxes[hit], rows[hit], cols[hit]
    cells = polygonal(shapely.intersection(boxes, area_geom))
    keep = shapely.area(cells) > 0
    cells, rows, cols = cells[keep], rows[keep], cols[keep]
    if len(cells) > MAX_CELLS:
        msg = (f"The grid would have {len(cells)} cells (at most {MAX_CELLS}); pass a larger "
               "cell_m2.")
        raise InputError(msg)
    cell_area = shapely.area(cells)
    grid = geo_frame({
        "code": [f"{code}{i:06d}" for i in range(1, len(cells) + 1)],
        "row": rows, "col": cols, "area_m2": cell_area,
        "whole": np.isclose(cell_area, cell_m2, rtol=1e-9, atol=0.0),
    }, cells, area_frame.crs)
    for column in ("zone_id", "department", "township"):
        grid[column] = pd.Series(pd.NA, index=grid.index, dtype="string")
    grid["zone_share"] = 0.0
    if zone_frame is not None and len(cells):
        best = majority_zone(cells, zone_frame, id_column)
        found = best["zone"].notna().to_numpy()
        picked = best.loc[found, "zone"].astype(int).to_numpy()
        grid.loc[found, "zone_id"] = zone_frame[id_column].astype(str).to_numpy()[picked]
        for column in ("department", "township"):
            if column in zone_frame.columns:
                grid.loc[found, column] = zone_frame[column].astype("string").to_numpy()[picked]
        grid["zone_share"] = best["shared_m2"].to_numpy() / cell_area
    cols_order = ["code", "row", "col", "area_m2", "whole", "zone_id", "department", "township",
                  "zone_share", "geometry"]
    return grid[cols_order]


# --------------------------------------------------------------------------------------------
# scores

#: a total below this is a low score (the usual pass mark of 100-point sheets)
LOW_SCORE = 60.0


def _scored(
    inspections: Inspections | pd.DataFrame,
    zones: gpd.GeoDataFrame,
    period: PeriodLike | None,
    id_column: str,
) -> pd.DataFrame:
    """The good inspection records within the period, checked against the zones."""
    frame = check_zones(zones, "zones", id_column=id_column)
    result = as_inspections(inspections, zones=frame.rename(columns={id_column: "zone_id"}))
    records = result.records
    known = set(frame[id_column].astype(str))
    stray = sorted(set(records["zone_id"].astype(str)) - known)
    if stray:
        problems = [Problem(result.source, "inspection of a zone that is not in the zones layer",
                            column="zone_id", value=z) for z in stray]
        msg = ("Some inspections name zones that are not in the zones layer; read the sheet "
               "with read_inspections(..., zones=zones) to see the rows.")
        raise InputError(msg, problems)
    bounds = period_bounds(period)
    if bounds is not None:
        dates = pd.to_datetime(records["date"])
        records = records[(dates >= bounds[0]) & (dates < bounds[1])]
    return records.assign(zone_id=records["zone_id"].astype(str))


def _per_zone(records: pd.DataFrame, low_score: float) -> pd.DataFrame:
    grouped = records.assign(low=records["total"] < low_score).groupby("zone_id")
    return pd.DataFrame({
        "score": grouped["total"].mean(),
        "n_inspections": grouped.size(),
        "n_low": grouped["low"].sum().astype(int),
        "last_date": grouped["date"].max(),
    })


def zone_scores(
    inspections: Inspections | pd.DataFrame,
    zones: gpd.GeoDataFrame,
    *,
    period: PeriodLike | None = None,
    low_score: float = LOW_SCORE,
    id_column: str = "zone_id",
) -> gpd.GeoDataFrame:
    """Mean inspection score of every zone over a period (for the choropleth).

    Parameters
    ----------
    inspections : Inspections or pandas.DataFrame
        From :func:`read_inspections`, or the workspace table ``inspections`` (checked; any bad
        row raises :class:`~planning.SheetError`).
    zones : geopandas.GeoDataFrame
        The sanitation zones.
    period : str, pandas.Period or (first, last), optional
        ``"2011-12"`` (a month), ``"2011Q4"``, ``"2011"`` or two dates, both included. All
        records by default.
    low_score : float, default 60
        Totals below this count as low (``n_low``).
    id_column : str, default "zone_id"

    Returns
    -------
    geopandas.GeoDataFrame
        The zones (every column kept) plus ``score`` (mean total, 0-100; NaN when the zone
        was not inspected in the period), ``n_inspections``, ``n_low`` and ``last_date``.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> zones = gpd.GeoDataFrame({"zone_id": ["Z1", "Z2"]},
    ...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs="EPSG:4548")
    >>> table = pd.DataFrame({"zone_id": ["Z1", "Z1"], "date": ["2011-12-05", "2011-12-15"],
    ...                       "total": [90, 55]})
    >>> zone_scores(table, zones, period="2011-12")[["zone_id", "score", "n_low"]].to_dict(
    ...     "records")
    [{'zone_id': 'Z1', 'score': 72.5, 'n_low': 1}, {'zone_id': 'Z2', 'score': nan, 'n_low': 0}]
    """
    records = _scored(inspections, zones, period, id_column)
    return _with_scores(zones, records, low_score, id_column)


def _with_scores(zones: gpd.GeoDataFrame, records: pd.DataFrame, low_score: float,
                 id_column: str) -> gpd.GeoDataFrame:
    """A copy of the zones with the per-zone figures of the records."""
    per_zone = _per_zone(records, low_score)
    out = zones.copy()
    key = out[id_column].astype(str)
    out["score"] = key.map(per_zone["score"]).astype(float).to_numpy()
    out["n_inspections"] = key.map(per_zone["n_inspections"]).fillna(0).astype(int).to_numpy()
    out["n_low"] = key.map(per_zone["n_low"]).fillna(0).astype(int).to_numpy()
    out["last_date"] = key.map(per_zone["last_date"]).to_numpy()
    return out


def unit_scores(
    inspections: Inspections | pd.DataFrame,
    zones: gpd.GeoDataFrame,
    *,
    period: PeriodLike | None = None,
    by: Literal["department", "township"] = "department",
    id_column: str = "zone_id",
) -> pd.DataFrame:
    """Mean inspection score of every responsible unit (the input of the assessment).

    Parameters
    ----------
    inspections : Inspections or pandas.DataFrame
        As in :func:`zone_scores`.
    zones : geopandas.GeoDataFrame
        The sanitation zones, with the column named by ``by``.
    period : str, pandas.Period or (first, last), optional
        As in :func:`zone_scores`.
    by : {"department", "township"}, default "department"
        Roll up by the zones' department (the units ranked by
        :func:`planning.assessment.rank`) or by township.
    id_column : str, default "zone_id"

    Returns
    -------
    pandas.DataFrame
        One row per unit named in the zones, sorted by unit: ``unit``, ``score`` (mean of the
        inspection totals of its zones, each inspection weighing the same, 0-100; NaN when
        none of its zones was inspected in the period), ``n_inspections``, ``n_zones``.
        Inspections of zones with no unit are left out and logged as a warning
        (:func:`check_owners` lists those zones).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> zones = gpd.GeoDataFrame({"zone_id": ["Z1", "Z2", "Z3"],
    ...     "department": ["D01", "D01", "D02"], "township": ["城关镇"] * 3},
    ...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10), box(20, 0, 30, 10)],
    ...     crs="EPSG:4548")
    >>> table = pd.DataFrame({"zone_id": ["Z1", "Z2", "Z2"],
    ...     "date": ["2011-12-05", "2011-12-05", "2011-12-15"], "total": [90, 80, 70]})
    >>> unit_scores(table, zones).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'unit': 'D01', 'score': 80.0, 'n_inspections': 3, 'n_zones': 2},
     {'unit': 'D02', 'score': nan, 'n_inspections': 0, 'n_zones': 1}]
    """
    if by not in ("department", "township"):
        msg = f"by must be 'department' or 'township', got {by!r}."
        raise InputError(msg)
    frame = check_zones(zones, "zones", id_column=id_column, required=(by,))
    records = _scored(inspections, frame, period, id_column)
    owner = pd.Series(frame[by].astype("string").str.strip().to_numpy(),
                      index=frame[id_column].astype(str).to_numpy())
    owner = owner.mask(owner == "")
    units = records["zone_id"].map(owner)
    orphan = records.loc[units.isna().to_numpy(), "zone_id"]
    if len(orphan):
        log.warning("%d inspection(s) of zone(s) with no %s left out of the unit scores: %s",
                    len(orphan), by, ", ".join(sorted(set(orphan))))
    scored = records.assign(unit=units.to_numpy()).dropna(subset=["unit"])
    grouped = scored.groupby("unit")["total"]
    n_zones = owner.dropna().value_counts()
    out = pd.DataFrame(index=pd.Index(sorted(n_zones.index), name="unit"))
    out["score"] = grouped.mean().reindex(out.index).astype(float)
    out["n_inspections"] = grouped.size().reindex(out.index).fillna(0).astype(int)
    out["n_zones"] = n_zones.reindex(out.index).astype(int)
    out = out.reset_index()
    out["unit"] = out["unit"].astype(str)
    return out


def hot_spots(
    inspections: Inspections | pd.DataFrame,
    zones: gpd.GeoDataFrame,
    *,
    period: PeriodLike | None = None,
    low_score: float = LOW_SCORE,
    min_low: int = 2,
    id_column: str = "zone_id",
) -> gpd.GeoDataFrame:
    """Zones with repeatedly low inspection scores (the "dirty, messy, poor" spots).

    Parameters
    ----------
    inspections : Inspections or pandas.DataFrame
        As in :func:`zone_scores`.
    zones : geopandas.GeoDataFrame
        The sanitation zones.
    period : str, pandas.Period or (first, last), optional
        As in :func:`zone_scores`.
    low_score : float, default 60
        Totals below this are low.
    min_low : int, default 2
        A zone is a hot spot when at least this many of its inspections in the period are low.
    id_column : str, default "zone_id"

    Returns
    -------
    geopandas.GeoDataFrame
        The zones that are hot spots, worst first (most low scores, then lowest mean), with the
        columns of :func:`zone_scores` plus ``low_dates`` (``;``-separated ISO dates).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> zones = gpd.GeoDataFrame({"zone_id": ["Z1", "Z2"]},
    ...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs="EPSG:4548")
    >>> table = pd.DataFrame({"zone_id": ["Z1", "Z1", "Z2", "Z2"],
    ...     "date": ["2011-12-05", "2011-12-15", "2011-12-05", "2011-12-15"],
    ...     "total": [55, 58, 50, 90]})
    >>> hot_spots(table, zones)[["zone_id", "n_low", "low_dates"]].to_dict("records")
    [{'zone_id': 'Z1', 'n_low': 2, 'low_dates': '2011-12-05;2011-12-15'}]
    """
    if min_low < 1:
        msg = f"min_low must be at least 1, got {min_low!r}."
        raise InputError(msg)
    records = _scored(inspections, zones, period, id_column)
    scores = _with_scores(zones, records, low_score, id_column)
    low = records[records["total"] < low_score]
    dates = (low.sort_values("date").groupby("zone_id")["date"]
             .agg(lambda s: ";".join(f"{d:%Y-%m-%d}" for d in s)))
    hot = scores[scores["n_low"] >= min_low].copy()
    hot["low_dates"] = hot[id_column].astype(str).map(dates).to_numpy()
    return hot.sort_values(["n_low", "score", id_column], ascending=[False, True, True])
