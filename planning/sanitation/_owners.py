"""Who cleans what: zones per department and township, unowned zones and roads
(:func:`check_owners`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning._core.text import blank_mask
from planning._errors import GeometryError, Problem
from planning._validate import (
    LINEAR,
    Checker,
    check_columns,
    check_crs,
    check_geometries,
    require_frame,
)
from planning.io import write_layers
from planning.sanitation._geometry import (
    area_geometry,
    check_zones,
    fill_holes,
    geo_frame,
    match_departments,
    road_length_by_zone,
    rollup,
    unowned_roads,
)
from planning.sanitation._reports import problems_table, save_excel

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
        return save_excel({"problems": problems_table(self.problems), **self._layers()}, path)


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
    no_dept = blank_mask(frame["department"])
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
