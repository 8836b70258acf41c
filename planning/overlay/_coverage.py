"""Coverage checks shared by the analyses: polygons of one layer that overlap.

A plan layer (zoning, land-use patches, townships, sanitation zones) should be a coverage:
its polygons may share edges but must not overlap. :func:`overlaps` finds the pairs that
do, with the overlapping area, so an error can say where.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning._core.geometry import keep_polygons
from planning._errors import GeometryError, Problem
from planning.overlay._local import Geoms, Index, default_workers, split

#: Overlaps smaller than this (m2) are rounding noise of digitising and are not reported.
NOISE_M2 = 1e-6


def overlaps(
    gdf: gpd.GeoDataFrame,
    id_column: str | None = None,
    *,
    min_area_m2: float = NOISE_M2,
    workers: int | None = None,
) -> gpd.GeoDataFrame:
    """Return the pairs of polygons of one layer whose interiors overlap.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        A polygon layer with valid geometries (not changed).
    id_column : str, optional
        Column identifying the polygons in the result (default: the row position).
    min_area_m2 : float
        Overlaps with a smaller area are left out (rounding noise).
    workers : int, optional
        Threads to use.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per overlapping pair: ``row_1``, ``row_2`` (positions, ``row_1 < row_2``),
        ``id_1``, ``id_2``, ``area_m2`` and the overlap ``geometry``; empty for a coverage.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> squares = gpd.GeoDataFrame({"zone": ["a", "b", "c"]}, crs="EPSG:4548", geometry=[
    ...     shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10), shapely.box(8, 8, 12, 12)])
    >>> overlaps(squares, "zone")[["id_1", "id_2", "area_m2"]].values.tolist()
    [['a', 'c', 4.0], ['b', 'c', 4.0]]
    """
    geoms = np.asarray(gdf.geometry.array)
    ids = gdf[id_column].to_numpy() if id_column else np.arange(len(gdf))
    first, second = _candidate_pairs(geoms)
    n_workers = workers or default_workers()
    chunks = split(len(first), 4 * n_workers)
    with ThreadPoolExecutor(n_workers) as pool:
        parts = list(pool.map(lambda c: _overlapping(geoms, first, second, c), chunks))
    rows = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.intp)
    pieces = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, object)
    i, j = (first[rows], second[rows]) if len(rows) else (rows, rows)
    area = shapely.area(pieces) if len(pieces) else np.empty(0)
    big = area > min_area_m2
    result = gpd.GeoDataFrame(
        {"row_1": i[big], "row_2": j[big], "id_1": ids[i[big]], "id_2": ids[j[big]],
         "area_m2": area[big]},
        geometry=pieces[big] if len(pieces) else gpd.GeoSeries([], crs=gdf.crs).array,
        crs=gdf.crs,
    )
    return result.sort_values(["row_1", "row_2"], ignore_index=True)


def _candidate_pairs(geoms: Geoms) -> tuple[Index, Index]:
    """Pairs (i < j) of polygons whose bounding boxes meet."""
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms)
    keep = i < j
    return i[keep], j[keep]


def _overlapping(
    geoms: Geoms, first: Index, second: Index, chunk: slice
) -> tuple[Index, Geoms]:
    """Return the positions (into first/second) of overlapping pairs and the overlaps."""
    a, b = geoms[first[chunk]], geoms[second[chunk]]
    meet = np.flatnonzero(shapely.intersects(a, b))
    pattern = shapely.relate_pattern(a[meet], b[meet], "T********")
    rows = meet[pattern]
    pieces, keep = keep_polygons(shapely.intersection(a[rows], b[rows]))
    return rows[keep] + (chunk.start or 0), pieces[keep]


def overlap_problems(
    found: pd.DataFrame, source: str, id_column: str | None = None
) -> list[Problem]:
    """Turn the rows of :func:`overlaps` into problems that say where the overlaps are."""
    problems = []
    for row in found.itertuples(index=False):
        point = shapely.point_on_surface(row.geometry)
        problems.append(Problem(
            source,
            f"polygons {row.id_1!s} and {row.id_2!s} (rows {row.row_1} and {row.row_2}) "
            f"overlap by {row.area_m2:.2f} m2 around x={point.x:.1f}, y={point.y:.1f}; a "
            "plan layer must be a coverage: cut the overlap from one of them",
            column=id_column,
        ))
    return problems


def require_coverage(
    gdf: gpd.GeoDataFrame, source: str, id_column: str | None = None, *,
    min_area_m2: float = NOISE_M2, workers: int | None = None,
) -> None:
    """Raise :class:`GeometryError` listing every overlap when ``gdf`` is not a coverage."""
    found = overlaps(gdf, id_column, min_area_m2=min_area_m2, workers=workers)
    if len(found):
        msg = (f"Layer {source!r} is not a coverage: {len(found)} pair(s) of polygons overlap "
               f"(total {found['area_m2'].sum():.2f} m2).")
        raise GeometryError(msg, overlap_problems(found, source, id_column))
