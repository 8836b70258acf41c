"""Synthetic polygon coverages for tests, doctests, benchmarks and examples (public).

A coverage here is a set of polygons that share their edges exactly (no gaps, no overlaps),
like a land survey layer or a zoning plan. :func:`voronoi_coverage` builds one from random
points: the Voronoi edges are noded once, each edge is densified and bent by a smooth wave
(the same coordinates serve both neighbouring cells), and the edges are polygonised.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

#: A square of about 21 x 21 km around Taiqian's county seat, in EPSG:4548 metres.
TAIQIAN_BOUNDS: tuple[float, float, float, float] = (
    389_000.0, 3_973_000.0, 410_000.0, 3_994_000.0,
)

#: Mean number of edges of a Voronoi cell.
_EDGES_PER_CELL = 6


def voronoi_coverage(
    n: int,
    *,
    bounds: tuple[float, float, float, float] = TAIQIAN_BOUNDS,
    vertices: int = 40,
    seed: int = 0,
    crs: str = "EPSG:4548",
    bend: float = 0.04,
) -> gpd.GeoDataFrame:
    """Return a random polygon coverage of ``bounds`` with ``n`` cells.

    Parameters
    ----------
    n : int
        Number of cells (at least 1).
    bounds : tuple of float
        ``(xmin, ymin, xmax, ymax)`` of the square or rectangle to cover, in CRS units.
    vertices : int
        Approximate mean number of vertices per cell (edges are densified to reach it).
    seed : int
        Seed of the random generator; the same seed gives the same coverage.
    crs : str
        CRS of the result.
    bend : float
        Amplitude of the wave that bends inner edges, as a fraction of the edge length
        (0 keeps them straight).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``cell_id`` (0..n-1, ordered by the cells' centroids from south-west) and
        ``geometry`` (Polygon). The cells are valid and their areas add up to the area of
        ``bounds``.

    Examples
    --------
    >>> cells = voronoi_coverage(50, seed=1)
    >>> len(cells), bool(cells.is_valid.all())
    (50, True)
    >>> round(float(cells.area.sum()) / 21_000**2, 9)
    1.0
    """
    if n < 1:
        msg = f"n must be at least 1, got {n}."
        raise ValueError(msg)
    box = shapely.box(*bounds)
    edges = _voronoi_edges(n, bounds, seed)
    inner = ~shapely.covered_by(edges, box.boundary)
    per_edge = max(1, math.ceil(vertices / _EDGES_PER_CELL))
    lengths = shapely.length(edges)
    straight = shapely.segmentize(edges, np.maximum(lengths / per_edge, 1e-6))
    dense = straight.copy()
    dense[inner] = _bend(straight[inner], bend, np.random.default_rng(seed + 1))
    for _ in range(5):  # bent edges that cross another edge go back to straight
        first, second = shapely.STRtree(dense).query(dense, predicate="crosses")
        crossing = np.unique(np.concatenate([first, second]))
        if len(crossing) == 0:
            break
        dense[crossing] = straight[crossing]
    polygons = shapely.get_parts(shapely.polygonize(dense))
    centroids = shapely.get_coordinates(shapely.centroid(polygons))
    order = np.lexsort((centroids[:, 0], np.round(centroids[:, 1], -1)))
    return gpd.GeoDataFrame(
        {"cell_id": np.arange(len(polygons))}, geometry=polygons[order], crs=crs
    )


def dissolved_coverage(
    cells: gpd.GeoDataFrame, n: int, *, seed: int = 0
) -> gpd.GeoDataFrame:
    """Return a coarser coverage whose zones are unions of ``cells`` (edges coincide).

    This is how plan zones are usually drawn: on the boundaries of the land survey
    patches. Each cell goes to the zone of a random ``n``-cell Voronoi coverage that holds
    its representative point; zones that receive no cell are left out.

    Examples
    --------
    >>> cells = voronoi_coverage(300, seed=1)
    >>> zones = dissolved_coverage(cells, 30, seed=2)
    >>> len(zones) <= 30, round(float(zones.area.sum() / cells.area.sum()), 9)
    (True, 1.0)
    """
    seeds = voronoi_coverage(n, bounds=tuple(cells.total_bounds), vertices=4, seed=seed,
                             crs=str(cells.crs), bend=0.0)
    points = shapely.point_on_surface(np.asarray(cells.geometry.array))
    tree = shapely.STRtree(np.asarray(seeds.geometry.array))
    cell_idx, zone_idx = tree.query(points, predicate="intersects")
    zone_of = np.full(len(cells), -1)
    zone_of[cell_idx] = zone_idx  # a point on a shared edge goes to the last zone found
    order = np.argsort(zone_of, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(zone_of[order])) + 1)
    geoms = np.asarray(cells.geometry.array)
    zones = np.array([shapely.coverage_union_all(geoms[g]) for g in groups], dtype=object)
    invalid = ~shapely.is_valid(zones)
    zones[invalid] = [shapely.union_all(geoms[g]) for g, bad in zip(groups, invalid, strict=True)
                      if bad]
    return gpd.GeoDataFrame({"zone_id": np.arange(len(zones))}, geometry=zones, crs=cells.crs)


def _voronoi_edges(
    n: int, bounds: tuple[float, float, float, float], seed: int
) -> npt.NDArray[np.object_]:
    """Return the noded edges of a Voronoi diagram of ``n`` random points, clipped to bounds."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = bounds
    box = shapely.box(*bounds)
    if n == 1:
        return np.array([box.boundary], dtype=object)
    points = shapely.multipoints(
        np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    )
    far = shapely.box(x0 - (x1 - x0), y0 - (y1 - y0), x1 + (x1 - x0), y1 + (y1 - y0))
    lines = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=far, only_edges=True))
    lines = shapely.intersection(lines, box)
    lines = lines[~shapely.is_empty(lines)]
    noded = shapely.union_all(np.concatenate([lines, [box.boundary]]))
    parts: npt.NDArray[np.object_] = shapely.get_parts(shapely.line_merge(noded))
    return parts


def _bend(
    lines: npt.NDArray[np.object_], amplitude: float, rng: np.random.Generator
) -> npt.NDArray[np.object_]:
    """Move the inner vertices of each line sideways by a smooth wave, ends fixed."""
    if amplitude == 0 or len(lines) == 0:
        return lines
    coords, index = shapely.get_coordinates(lines, return_index=True)
    starts = np.searchsorted(index, np.arange(len(lines)))
    ends = np.append(starts[1:], len(coords)) - 1
    first, last = coords[starts], coords[ends]
    chord = last - first
    length = np.hypot(chord[:, 0], chord[:, 1])
    normal = np.column_stack([-chord[:, 1], chord[:, 0]]) / np.maximum(length, 1e-12)[:, None]
    along = ((coords - first[index]) * chord[index]).sum(axis=1)
    t = np.clip(along / np.maximum(length[index] ** 2, 1e-12), 0.0, 1.0)
    waves = rng.integers(1, 3, len(lines))
    sign = rng.choice([-1.0, 1.0], len(lines))
    offset = amplitude * length[index] * sign[index] * np.sin(np.pi * t) * np.sin(
        waves[index] * np.pi * t
    )
    moved = coords + normal[index] * offset[:, None]
    moved[starts] = first
    moved[ends] = last
    result: npt.NDArray[np.object_] = shapely.linestrings(moved, indices=index)
    return result
