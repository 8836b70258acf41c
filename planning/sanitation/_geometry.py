"""Geometry behind :mod:`planning.sanitation`: zone checks, coverage pieces, owners, grids.

Private to :mod:`planning.sanitation`: the public functions and their documentation are there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from planning._core import geometry as _parts
from planning._core.text import blank_mask
from planning._errors import GeometryError, InputError, Problem
from planning._validate import (
    POLYGONAL,
    Checker,
    check_columns,
    check_crs,
    check_geometries,
    check_unique,
    require_frame,
)
from planning.overlay import overlaps

GeomArray = npt.NDArray[np.object_]

#: distance within which a zone counts as bordering a gap (floating-point noise of a shared edge)
TOUCH_M = 0.01
#: the most cells a grid may have (the sequence number has six digits)
MAX_CELLS = 999_999


def check_zones(
    zones: object, name: str, *, id_column: str, required: Sequence[str] = ()
) -> gpd.GeoDataFrame:
    """Validate a zones layer; raise :class:`GeometryError` once with every problem."""
    frame = require_frame(zones, name)
    checker = Checker()
    check_columns(frame, [id_column, *required], name, checker)
    check_geometries(frame, name, checker, allowed=POLYGONAL, id_column=id_column)
    if id_column in frame.columns:
        check_unique(frame, id_column, name, checker)
        for i in np.flatnonzero(frame[id_column].isna().to_numpy()):
            checker.add(Problem(name, "zone id is missing; give every zone an id",
                                row=int(i), column=id_column))
    checker.raise_if_any(f"Layer {name!r} cannot be used as it is.", GeometryError)
    return frame


def area_geometry(area: object, zones: gpd.GeoDataFrame) -> shapely.Geometry:
    """Return the union of a polygonal area layer, checked against the zones' CRS."""
    if isinstance(area, gpd.GeoSeries):
        area = gpd.GeoDataFrame(geometry=area)
    frame = require_frame(area, "area")
    check_crs({"zones": zones, "area": frame})
    checker = Checker()
    check_geometries(frame, "area", checker, allowed=POLYGONAL)
    checker.raise_if_any("Layer 'area' cannot be used as it is.", GeometryError)
    if frame.empty:
        msg = "Layer 'area' has no features; pass the built-up area (a polygon layer)."
        raise GeometryError(msg)
    return shapely.union_all(frame.geometry.values)


def fill_holes(geom: shapely.Geometry) -> shapely.Geometry:
    """The outline of a polygonal geometry: it and everything its parts enclose.

    Holes are filled, and so are the pockets enclosed by several parts that touch only at
    points (a wedge between two zones is a gap even though neither zone has a hole).
    """
    parts = shapely.get_parts(geom)
    if not len(parts):
        return shapely.Polygon()
    noded = shapely.union_all(shapely.get_exterior_ring(parts))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    return shapely.union_all(np.concatenate([faces, np.array([geom], dtype=object)]))


def is_sliver(geoms: GeomArray, width_m: float) -> npt.NDArray[np.bool_]:
    """True where a polygon is narrower than ``width_m`` everywhere."""
    if width_m <= 0:
        return np.zeros(len(geoms), dtype=bool)
    return np.asarray(shapely.is_empty(shapely.buffer(geoms, -width_m / 2.0)), dtype=bool)


def geo_frame(data: dict[str, object], geoms: GeomArray, crs: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(list(geoms), crs=crs), crs=crs)


def overlap_pairs(
    frame: gpd.GeoDataFrame, id_column: str
) -> tuple[list[str], list[str], GeomArray]:
    """Every pair of zones whose interiors overlap, once per pair (the smaller id as text
    first), with the shared piece; found by the project's :func:`planning._coverage.overlaps`.
    """
    found = overlaps(frame, id_column)
    a = [str(v) for v in found["id_1"]]
    b = [str(v) for v in found["id_2"]]
    pieces = np.asarray(found.geometry.values, dtype=object)
    zone_a = [min(x, y) for x, y in zip(a, b, strict=True)]
    zone_b = [max(x, y) for x, y in zip(a, b, strict=True)]
    return zone_a, zone_b, pieces


def gap_pieces(
    area: shapely.Geometry, covered: shapely.Geometry, geoms: GeomArray,
    ids: npt.NDArray[np.object_],
) -> tuple[GeomArray, list[str]]:
    """The parts of ``area`` outside ``covered``, largest first, with their bordering zones."""
    rest = shapely.difference(area, covered)
    parts = shapely.get_parts(_parts.polygonal(np.array([rest], dtype=object))[0])
    parts = parts[shapely.area(parts) > 0]
    parts = parts[np.argsort(-shapely.area(parts), kind="stable")]
    tree = shapely.STRtree(geoms)
    gap_idx, zone_idx = tree.query(parts, predicate="dwithin", distance=TOUCH_M)
    neighbours = []
    for i in range(len(parts)):
        near = sorted({str(v) for v in ids[zone_idx[gap_idx == i]]})
        neighbours.append(";".join(near))
    return parts, neighbours


def road_length_by_zone(geoms: GeomArray, roads: gpd.GeoDataFrame) -> npt.NDArray[np.float64]:
    """Length of road inside each zone, in metres."""
    lengths = np.zeros(len(geoms))
    if roads.empty or not len(geoms):
        return lengths
    road_geoms = np.asarray(roads.geometry.values, dtype=object)
    zone_idx, road_idx = shapely.STRtree(road_geoms).query(geoms, predicate="intersects")
    pieces = shapely.intersection(geoms[zone_idx], road_geoms[road_idx])
    np.add.at(lengths, zone_idx, shapely.length(pieces))
    return lengths


def rollup(frame: pd.DataFrame, key: str, id_column: str) -> pd.DataFrame:
    named = frame[~blank_mask(frame[key])]
    grouped = named.groupby(named[key].astype(str).str.strip(), sort=True)
    out = pd.DataFrame({
        "n_zones": grouped.size(),
        "area_m2": grouped["area_m2"].sum(),
        "road_length_m": grouped["road_length_m"].sum(),
        "zone_ids": grouped[id_column].agg(lambda s: ";".join(sorted(map(str, s)))),
    })
    return out.rename_axis(key).reset_index()


def unowned_roads(roads: gpd.GeoDataFrame, road_zones: shapely.Geometry,
                   other_zones: shapely.Geometry, area_geom: shapely.Geometry,
                   min_length_m: float) -> gpd.GeoDataFrame:
    """Stretches of road inside the area outside every road-section zone."""
    geoms = np.asarray(roads.geometry.values, dtype=object)
    inside = shapely.intersection(geoms, area_geom)
    rest = shapely.difference(inside, road_zones)
    inside_m = shapely.length(inside)
    rest_m = shapely.length(rest)
    keep = rest_m > min_length_m
    in_other = shapely.length(shapely.intersection(rest[keep], other_zones))
    names = roads["name_zh"] if "name_zh" in roads.columns else pd.Series(None, index=roads.index)
    return geo_frame({
        "road_id": roads["road_id"].to_numpy()[keep], "name_zh": names.to_numpy()[keep],
        "length_m": rest_m[keep], "share": rest_m[keep] / inside_m[keep],
        "in_other_zones_m": in_other,
    }, rest[keep], roads.crs)


def match_departments(
    named: pd.Series, departments: pd.DataFrame, kinds: Sequence[str]
) -> tuple[npt.NDArray[np.bool_], pd.DataFrame]:
    """Zones naming no known unit, and units of ``kinds`` named by no zone."""
    checker = Checker()
    check_columns(departments, ["unit_id", "name_zh"], "departments", checker)
    checker.raise_if_any("Table 'departments' cannot be used as it is.")
    ids = departments["unit_id"].astype("string").str.strip()
    names = departments["name_zh"].astype("string").str.strip()
    given = named.astype("string").str.strip()
    known = set(ids.dropna()) | set(names.dropna())
    unknown = np.asarray((~given.isin(known)).to_numpy(dtype=bool), dtype=bool)
    used = set(given.dropna())
    has_zone = ids.isin(used) | names.isin(used)
    of_kind = (departments["kind"].isin(list(kinds)) if "kind" in departments.columns
               else pd.Series(True, index=departments.index))
    idle = departments.loc[(~has_zone & of_kind).to_numpy()].reset_index(drop=True)
    return unknown, idle


def grid_boxes(area_geom: shapely.Geometry, side_m: float) -> tuple[GeomArray, npt.NDArray[
        np.int64], npt.NDArray[np.int64]]:
    """Square cells of an aligned grid over the area's bounds, north-west first, by rows."""
    minx, miny, maxx, maxy = shapely.bounds(area_geom)
    x0 = math.floor(minx / side_m) * side_m
    y0 = math.ceil(maxy / side_m) * side_m
    n_cols = max(1, math.ceil((maxx - x0) / side_m))
    n_rows = max(1, math.ceil((y0 - miny) / side_m))
    if n_cols * n_rows > 20 * MAX_CELLS:
        msg = (f"A grid of {side_m:g} m cells over this area would have {n_cols * n_rows} "
               "cells; pass a larger cell_m2 or a smaller area.")
        raise InputError(msg)
    rows, cols = np.divmod(np.arange(n_rows * n_cols, dtype=np.int64), n_cols)
    boxes = shapely.box(x0 + cols * side_m, y0 - (rows + 1) * side_m,
                        x0 + (cols + 1) * side_m, y0 - rows * side_m)
    return np.asarray(boxes, dtype=object), rows, cols


def majority_zone(cells: GeomArray, zones: gpd.GeoDataFrame, id_column: str) -> pd.DataFrame:
    """For each cell, the zone covering most of it and the share of the cell it covers."""
    geoms = np.asarray(zones.geometry.values, dtype=object)
    cell_idx, zone_idx = shapely.STRtree(geoms).query(cells, predicate="intersects")
    shared = shapely.area(_parts.polygonal(shapely.intersection(cells[cell_idx], geoms[zone_idx])))
    pairs = pd.DataFrame({"cell": cell_idx, "zone": zone_idx, "shared_m2": shared,
                          "zone_id": zones[id_column].astype(str).to_numpy()[zone_idx]})
    pairs = pairs[pairs["shared_m2"] > 0]
    best = (pairs.sort_values(["cell", "shared_m2", "zone_id"], ascending=[True, False, True])
            .drop_duplicates("cell").set_index("cell"))
    out = pd.DataFrame(index=pd.RangeIndex(len(cells)))
    out["zone"] = best["zone"].reindex(out.index)
    out["shared_m2"] = best["shared_m2"].reindex(out.index).fillna(0.0)
    return out

