"""The local overlay engine: the pieces of two polygon layers, fast, on this process's threads.

:func:`intersection_local` (behind :func:`planning.overlay.intersection` and
:class:`planning.overlay.LocalEngine`) returns the same pieces as
``geopandas.overlay(left, right, how="intersection", keep_geom_type=True)``, in the same
order and with the same columns, built for coverages (land survey patches, plan zones,
townships), where most pairs of polygons either nest or merely touch:

1. a spatial tree (STRtree) is built on the larger layer and queried with the bounding boxes
   of the smaller; each polygon of the smaller layer is prepared once per chunk of its
   candidates (private copies: the caller's geometries are never prepared);
2. a point inside each polygon of the larger layer is located in the prepared polygon of
   the smaller (cheap); with it, pairs where one polygon covers the other skip the overlay (the
   piece is the covered polygon itself), and the remaining pairs need one predicate to tell
   crossing from merely touching; when the smaller layer's polygons are much larger (e.g.
   townships over survey patches) their boundary segments are indexed, and pairs far from
   every segment are settled by that point alone;
3. pairs that do not intersect, or only touch along edges or at points, are dropped;
4. the crossing pairs are intersected with ``shapely.intersection``, vectorised, in chunks
   spread over threads (shapely releases the GIL), so memory stays bounded by the output.

Geometry results follow geopandas' ``keep_geom_type=True`` rule for polygon layers:
polygonal parts are kept (the polygonal parts of a GeometryCollection are unioned), lines
and points dropped.

:func:`intersection_local` and :func:`pieces_of` take no input checks (:func:`validate_pair`
does them): the Dask engine runs them on partitions of inputs it has checked once.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from planning._core.geometry import empty_rings, keep_polygons
from planning._errors import GeometryError
from planning._validate import POLYGONAL, Checker, check_crs, check_geometries, require_frame

log = logging.getLogger(__name__)

#: Target number of candidate pairs per chunk of work.
CHUNK_PAIRS = 8192

_POLYGON, _MULTIPOLYGON = 3, 6
#: Pairs of a chunk tested for touching before deciding whether to test them all, and the
#: share of touching pairs above which testing pays (a test costs ~1/10 of an intersection).
_TOUCH_SAMPLE = 256
_TOUCH_WORTHWHILE = 0.1

Geoms = npt.NDArray[np.object_]
Index = npt.NDArray[np.intp]

#: Position of each polygon in its input layer: columns the engines add to the layers while
#: they work (the Dask engine keeps them in its pieces), so no input layer may have them.
LEFT_POSITION = "__planning_left_position"
RIGHT_POSITION = "__planning_right_position"
RESERVED_COLUMNS = (LEFT_POSITION, RIGHT_POSITION)
#: suffixes of the columns both layers have (geopandas' default)
SUFFIXES = ("_1", "_2")


class Pieces(NamedTuple):
    """Pieces of an overlay: positions in the left and right layers and the geometries."""

    left: Index
    right: Index
    geometry: Geoms


def default_workers() -> int:
    """Return the number of threads used when ``workers`` is not given (usable CPUs)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def validate_pair(
    left: object, right: object, *, names: tuple[str, str] = ("left", "right"),
    workers: int | None = None,
) -> None:
    """Check two polygon layers for an overlay; raise once with every problem found.

    The CRS (present, equal, metric), the geometries (valid, non-empty polygons without empty
    rings, which crash GEOS), and the columns: none of the engines' own
    (:data:`RESERVED_COLUMNS`) on either layer, and no two columns of the result with one
    name (as geopandas raises for ``overlay``).
    """
    frames = {names[0]: require_frame(left, names[0]), names[1]: require_frame(right, names[1])}
    check_crs(frames)
    check_columns_pair(frames)
    checker = Checker()
    for name, frame in frames.items():
        if not polygons_ok(np.asarray(frame.geometry.array), workers=workers):
            check_geometries(frame, name, checker, allowed=POLYGONAL)
    checker.raise_if_any("The layers cannot be overlaid as they are.", GeometryError)


def result_columns(left: pd.Index, right: pd.Index, left_geometry: str = "geometry",
                   right_geometry: str = "geometry") -> list[str]:
    """The columns of the overlay of layers with these columns: the attributes of both
    (names in both get :data:`SUFFIXES`), then ``geometry``."""
    lcols = [c for c in left if c != left_geometry]
    rcols = [c for c in right if c != right_geometry]
    common = set(lcols) & set(rcols)
    return ([f"{c}{SUFFIXES[0]}" if c in common else c for c in lcols]
            + [f"{c}{SUFFIXES[1]}" if c in common else c for c in rcols] + ["geometry"])


def check_columns_pair(frames: dict[str, pd.DataFrame], *, reserved: bool = True) -> None:
    """Raise :class:`GeometryError` when a layer has a reserved column (unless ``reserved`` is
    False: the engines' own partitions have them) or the result of the overlay would have two
    columns of one name."""
    (lname, left), (rname, right) = frames.items()
    taken = [f"{name} has a column {c!r}, a name the overlay engine keeps for itself"
             for name, frame in frames.items() for c in frame.columns
             if reserved and c in RESERVED_COLUMNS]
    geometry = [getattr(f, "_geometry_column_name", "geometry") for f in frames.values()]
    columns = result_columns(left.columns, right.columns, *geometry)
    counts = pd.Series(columns).value_counts()
    duplicated = [str(c) for c in counts[counts > 1].index]
    if not taken and not duplicated:
        return
    problems = taken + [
        f"the result would have {int(counts[c])} columns named {c!r} (columns both layers "
        f"have get the suffixes {SUFFIXES[0]!r} and {SUFFIXES[1]!r}, and a column "
        f"{c!r} is already there, or 'geometry' is an attribute)" for c in duplicated]
    msg = (f"The layers {lname} and {rname} cannot be overlaid as they are: "
           + "; ".join(problems) + ". Rename those columns first "
           "(frame.rename(columns={...})).")
    raise GeometryError(msg)


def polygons_ok(geoms: Geoms, *, workers: int | None = None) -> bool:
    """Return True when every geometry is a valid, non-empty Polygon or MultiPolygon without
    empty rings.

    The validity test runs in threads; use it as a fast pre-check before building the
    detailed problem list with :func:`planning._validate.check_geometries`.
    """
    types = shapely.get_type_id(geoms)
    if not np.isin(types, (_POLYGON, _MULTIPOLYGON)).all() or shapely.is_empty(geoms).any():
        return False
    if empty_rings(geoms).any():
        return False
    chunks = split(len(geoms), workers or default_workers())
    with ThreadPoolExecutor(len(chunks) or 1) as pool:
        return all(pool.map(lambda s: bool(shapely.is_valid(geoms[s]).all()), chunks))


def split(n: int, parts: int) -> list[slice]:
    size = max(1, math.ceil(n / max(parts, 1)))
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def intersection_local(
    left: gpd.GeoDataFrame,
    right: gpd.GeoDataFrame,
    *,
    workers: int | None = None,
    chunk_pairs: int = CHUNK_PAIRS,
) -> gpd.GeoDataFrame:
    """Return the pieces where polygons of two checked layers overlap (no input checks).

    What :func:`planning.overlay.intersection` returns: one row per pair of polygons whose
    interiors intersect, ordered by left row then right row, the left columns, then the right
    columns (names found in both get the suffixes ``_1`` and ``_2``), then ``geometry``; a
    RangeIndex; the CRS of ``left``.
    """
    pieces = pieces_of(
        np.asarray(left.geometry.array), np.asarray(right.geometry.array),
        workers=workers, chunk_pairs=chunk_pairs,
    )
    return _frame(left, right, pieces)


def _frame(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, pieces: Pieces) -> gpd.GeoDataFrame:
    """Attach the attributes of both layers to the pieces, geopandas-style."""
    left_attrs = pd.DataFrame(left.drop(columns=left.geometry.name)).reset_index(drop=True)
    right_attrs = pd.DataFrame(right.drop(columns=right.geometry.name)).reset_index(drop=True)
    check_columns_pair({"left": left, "right": right}, reserved=False)
    common = set(left_attrs.columns) & set(right_attrs.columns)
    left_attrs = left_attrs.rename(columns={c: f"{c}{SUFFIXES[0]}" for c in common})
    right_attrs = right_attrs.rename(columns={c: f"{c}{SUFFIXES[1]}" for c in common})
    attrs = pd.concat(
        [left_attrs.take(pieces.left).reset_index(drop=True),
         right_attrs.take(pieces.right).reset_index(drop=True)],
        axis=1,
    )
    return gpd.GeoDataFrame(attrs, geometry=pieces.geometry, crs=left.crs)


def pieces_of(
    left: Geoms,
    right: Geoms,
    *,
    workers: int | None = None,
    chunk_pairs: int = CHUNK_PAIRS,
) -> Pieces:
    """Return the polygonal pieces of every pair of interior-intersecting polygons.

    The pieces are sorted by left position, then right position (geopandas' order). Inputs
    must be valid polygons (not checked here).
    """
    swap = len(right) > len(left)
    big, small = (right, left) if swap else (left, right)
    if len(big) == 0 or len(small) == 0:
        return Pieces(np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, object))
    n_workers = workers or default_workers()
    tree = shapely.STRtree(big)
    small_idx, big_idx = tree.query(small)
    order = np.argsort(small_idx, kind="stable")
    small_idx, big_idx = small_idx[order], big_idx[order]
    with ThreadPoolExecutor(n_workers) as pool:
        used = np.unique(big_idx)
        probe = np.empty(len(big), dtype=object)
        probe[used] = np.concatenate(list(pool.map(
            lambda s: shapely.point_on_surface(big[used[s]]), split(len(used), n_workers)
        ))) if len(used) else []
        layers = _Layers(small, big, probe, shapely.bounds(small), shapely.bounds(big),
                         _boundary_index(small, big[used]))

        def run(chunk: slice) -> Pieces:
            return _chunk_pieces(layers, small_idx[chunk], big_idx[chunk], small_is_left=swap)

        parts = list(pool.map(run, _chunks(len(small_idx), n_workers, chunk_pairs)))
    s = np.concatenate([p.left for p in parts]) if parts else np.empty(0, np.intp)
    b = np.concatenate([p.right for p in parts]) if parts else np.empty(0, np.intp)
    geoms = np.concatenate([p.geometry for p in parts]) if parts else np.empty(0, object)
    left_idx, right_idx = (s, b) if swap else (b, s)
    order = np.lexsort((right_idx, left_idx))
    log.debug("overlay: %d candidate pairs, %d pieces", len(small_idx), len(order))
    return Pieces(left_idx[order], right_idx[order], geoms[order])


class _Layers(NamedTuple):
    """The two layers of an overlay, with what the workers need precomputed."""

    small: Geoms
    big: Geoms
    probe: Geoms  # a point inside each big polygon (point_on_surface), where needed
    small_bounds: npt.NDArray[np.float64]
    big_bounds: npt.NDArray[np.float64]
    edges: _Edges | None  # the boundary segments of the smaller layer, when they pay


class _Edges(NamedTuple):
    """An index of the boundary segments of the smaller layer's polygons."""

    tree: shapely.STRtree
    owner: Index  # the smaller-layer polygon each segment belongs to


#: Build the segment index when the smaller layer's polygons are this many times larger (in
#: area) than the bigger layer's: most pairs are then deep inside or far outside (townships
#: over survey patches), and a bounding-box test on segments settles them.
_EDGE_INDEX_AREA_RATIO = 50.0


def _boundary_index(small: Geoms, big: Geoms) -> _Edges | None:
    """Index the boundary segments of ``small`` when its polygons are much larger than
    those of ``big``; otherwise None (the exact predicates are cheaper then)."""
    if len(big) == 0 or len(small) == 0:
        return None
    ratio = float(np.mean(shapely.area(small))) / max(float(np.mean(shapely.area(big))), 1e-12)
    if ratio < _EDGE_INDEX_AREA_RATIO:
        return None
    parts, part_owner = shapely.get_parts(small, return_index=True)  # multipolygons too
    rings, ring_part = shapely.get_rings(parts, return_index=True)   # holes included
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    starts = np.flatnonzero(ring_of[1:] == ring_of[:-1])
    segments = shapely.linestrings(np.stack([coords[starts], coords[starts + 1]], axis=1))
    return _Edges(shapely.STRtree(segments), part_owner[ring_part[ring_of[starts]]])


def _near_boundary(edges: _Edges | None, big: Geoms, owners: Index) -> npt.NDArray[np.bool_]:
    """For pairs (owners[i], big[i]): may big[i] meet the boundary of polygon owners[i]?

    True when a boundary segment of that polygon has a bounding box meeting big[i]'s (or
    when there is no segment index): only those pairs need exact predicates.
    """
    if edges is None:
        return np.ones(len(big), dtype=bool)
    pair, segment = edges.tree.query(big)
    mine = edges.owner[segment] == owners[pair]
    near = np.zeros(len(big), dtype=bool)
    near[pair[mine]] = True
    return near


def _chunks(n: int, workers: int, chunk_pairs: int) -> list[slice]:
    """Cut ``n`` candidate pairs into slices of at most ``chunk_pairs``, at least four per
    worker (each chunk works on its own copies of the geometries it prepares, so a polygon
    of the smaller layer may be split over several chunks)."""
    size = max(256, min(chunk_pairs, math.ceil(n / (4 * workers))))
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def _chunk_pieces(
    layers: _Layers, small_idx: Index, big_idx: Index, *, small_is_left: bool
) -> Pieces:
    """Classify and intersect one chunk of candidate pairs (runs in a worker thread).

    For each pair (s, b) of a smaller-layer polygon s and a bigger-layer polygon b whose
    bounding boxes meet, a point inside b is located in the prepared s (cheap; a vertex
    would not do: in coverages drawn on shared edges the vertices of b lie on s's boundary):

    - inside s: the interiors meet; if s covers b the piece is b, else they cross;
    - not inside s: s does not cover b; the pair is dropped if the polygons do not
      intersect or only touch; if b covers s the piece is s; else they cross.

    When the boundary segments of the smaller layer are indexed, pairs where no segment of
    s comes near b (bounding boxes) are settled without exact predicates: b is deep inside s
    when its inner point is, and disjoint from s otherwise.

    Crossing pairs are intersected. The chunk's geometries of the smaller layer are private
    copies, prepared here and used by this thread only (GEOS prepared geometries are not
    thread-safe), then unprepared.
    """
    unique, inverse = np.unique(small_idx, return_inverse=True)
    own = shapely.from_wkb(shapely.to_wkb(layers.small[unique]))
    shapely.prepare(own)
    try:
        a, b = own[inverse], layers.big[big_idx]
        geoms = np.empty(len(a), dtype=object)
        keep = np.zeros(len(a), dtype=bool)
        near = _near_boundary(layers.edges, b, small_idx)
        inside = np.flatnonzero(shapely.contains_properly(a, layers.probe[big_idx]))
        # far from s's boundary and with its inner point inside s: b lies deep inside s
        deep = ~near[inside]
        deep[~deep] = shapely.contains_properly(a[inside[~deep]], b[inside[~deep]])
        edge = inside[~deep]
        covered = np.concatenate([inside[deep], edge[shapely.covers(a[edge], b[edge])]])
        geoms[covered], keep[covered] = b[covered], True
        crossing = [np.setdiff1d(inside, covered)]
        outside = np.flatnonzero(~np.isin(np.arange(len(a)), inside))
        outside = outside[near[outside]]  # far from s's boundary and outside s: disjoint
        outside = outside[shapely.intersects(a[outside], b[outside])]
        sb, bb = layers.small_bounds[small_idx[outside]], layers.big_bounds[big_idx[outside]]
        may_nest = (sb[:, :2] >= bb[:, :2]).all(axis=1) & (sb[:, 2:] <= bb[:, 2:]).all(axis=1)
        nest = outside[may_nest]
        nest = nest[shapely.covered_by(a[nest], b[nest])]
        geoms[nest], keep[nest] = a[nest], True
        outside = np.setdiff1d(outside, nest, assume_unique=True)
        crossing.append(_drop_touching(a, b, outside))
        rest = np.concatenate(crossing)
        first, second = (a[rest], b[rest]) if small_is_left else (b[rest], a[rest])
        cut, cut_ok = keep_polygons(shapely.intersection(first, second))
        geoms[rest], keep[rest] = cut, cut_ok
    finally:
        shapely.destroy_prepared(own)
    return Pieces(small_idx[keep], big_idx[keep], geoms[keep])


def _drop_touching(a: Geoms, b: Geoms, rest: Index) -> Index:
    """Drop pairs that only touch (boundaries meet, interiors do not).

    The test costs about a tenth of an intersection, so it runs on a sample first and on
    the rest of the chunk only where touching pairs are common (coverages whose edges
    coincide). Pairs not tested still lose their touch-only results: an intersection of
    polygons that only touch has no polygonal part.
    """
    sample = rest[:_TOUCH_SAMPLE]
    touching = shapely.touches(a[sample], b[sample])
    kept = sample[~touching]
    tail = rest[_TOUCH_SAMPLE:]
    if len(tail) and touching.mean() >= _TOUCH_WORTHWHILE:
        tail = tail[~shapely.touches(a[tail], b[tail])]
    return np.concatenate([kept, tail])


# --- parts of a layer not covered by the pieces ------------------------------------------


def remainders(
    geoms: Geoms,
    owners: Index,
    piece_areas: npt.NDArray[np.float64],
    others: Geoms,
    partners: Index,
    *,
    rtol: float = 1e-9,
    workers: int | None = None,
) -> Pieces:
    """Return the parts of ``geoms`` not covered by the other layer of an overlay.

    ``owners``/``partners`` are the positions of each piece in ``geoms``/``others`` and
    ``piece_areas`` their areas. A geometry whose pieces cover all but less than
    ``rtol`` of its area (rounding of the overlay) has no remainder; any other geometry
    loses the union of the other-layer polygons it meets. The other layer must not
    overlap itself (checked by the callers). In the result, ``left`` is the position in
    ``geoms`` and ``right`` is -1.
    """
    area = shapely.area(geoms)
    covered = np.bincount(owners, weights=piece_areas, minlength=len(geoms))
    todo = np.flatnonzero(area - covered > rtol * area)
    if len(todo) == 0:
        return Pieces(np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, object))
    order = np.argsort(owners, kind="stable")
    owners_sorted, partners_sorted = owners[order], partners[order]
    lo = np.searchsorted(owners_sorted, todo, side="left")
    hi = np.searchsorted(owners_sorted, todo, side="right")
    masks = [
        shapely.union_all(others[np.unique(partners_sorted[a:b])]) if b > a else None
        for a, b in zip(lo, hi, strict=True)
    ]
    rest = geoms[todo].copy()
    has_mask = np.array([m is not None for m in masks], dtype=bool)
    if has_mask.any():
        mask_geoms = np.array([m for m in masks if m is not None], dtype=object)
        rest[has_mask] = _threaded(shapely.difference, rest[has_mask], mask_geoms, workers)
    rest, keep = keep_polygons(rest)
    keep &= ~shapely.is_empty(rest)
    return Pieces(todo[keep], np.full(int(keep.sum()), -1, np.intp), rest[keep])


def _threaded(
    func: Callable[[Geoms, Geoms], Geoms], a: Geoms, b: Geoms, workers: int | None
) -> Geoms:
    """Apply a vectorised shapely function to pairs, in chunks over threads."""
    chunks = split(len(a), 4 * (workers or default_workers()))
    with ThreadPoolExecutor(workers or default_workers()) as pool:
        parts = list(pool.map(lambda s: func(a[s], b[s]), chunks))
    return np.concatenate(parts) if parts else np.empty(0, object)
