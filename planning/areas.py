"""Ellipsoidal areas (椭球面积) by the land-survey method, vectorised over whole layers.

The official areas of Chinese land surveys are ellipsoidal, not planar. The second and third
national land surveys compute them by the method of 国土调查办发〔2008〕32号:

1. the vertices are taken in Gauss-Kruger plane coordinates, a zone number prefixed to the
   easting stripped (39 412 345.67 in zone 39 is 412 345.67);
2. they are inverse-projected to geodetic latitude B and longitude L on the ellipsoid;
3. each edge, with a reference meridian, bounds an ellipsoidal trapezoid whose signed area is

   S = 2b²·ΔL·[A·sin(ΔB/2)·cos Bm − B·sin(3ΔB/2)·cos 3Bm + C·sin(5ΔB/2)·cos 5Bm
   − D·sin(7ΔB/2)·cos 7Bm + E·sin(9ΔB/2)·cos 9Bm]

   (ΔL: the mean longitude of the edge minus the reference meridian's; ΔB: the difference of
   its latitudes; Bm: their mean; b the semi-minor axis; A..E series in e², see
   :meth:`Ellipsoid.coefficients`);
4. a ring's area is the sum over its edges; holes are subtracted, the parts of a
   multipolygon added.

:func:`ellipsoidal_area` does this for every polygon of a layer at once: the coordinates of
all rings are taken in one array, inverse-projected with one pyproj call per chunk (chunks
run on threads), and the series is evaluated for every edge with numpy. So that pyproj is
not asked about every vertex, the vertices are inverse-projected through a second-order
expansion of pyproj's inverse projection about the centre of their cell of a fixed
:data:`ANCHOR_M` (100 m) grid, fitted by central differences at 7 points per cell (a few
points per hectare instead of one per vertex): positions within about 1e-8 m of pyproj's own,
areas within 1e-9; a vertex shared by two polygons gets the same coordinates in both, so
areas stay additive (``ANCHOR_M = 0`` sends every vertex to pyproj). The trapezoid rule
takes the longitude as linear in the area function along an edge, which no real edge is: the
error grows with the cube of the edge's length (about 0.005 m² for a 100 m edge at 36° N,
5e-6 m² for a 1 m one). So that the result is the area of the polygon whose edges are
straight in the plane (as a GIS draws them), within 1e-8 for survey patches and 1e-6 for
polygons with 100 m edges in every zone, as pyproj's ``Geod`` measures it:

- edges longer than :data:`MIDPOINT_MIN_M` (20 m) are corrected with their midpoint
  (Simpson's rule: the plane midpoint, inverse-projected in the same call);
- edges of :data:`CURVATURE_MIN_M` (2 m) to 20 m are corrected with the bend of the
  geodesic, computed from its equations to second order (no projection needed);
- edges longer than ``max_edge_m`` (default :data:`MAX_EDGE_M`, 1 km: plan blocks, county
  boundaries) are densified into equal pieces first.

Both corrections also keep areas additive where one polygon's edge is split by a
neighbour's vertex (the pieces of an overlay add up to the whole).

Layers in longitude/latitude (EPSG:4490) are taken as they are, their edges as geodesics (as
PostGIS geography and pyproj's Geod take them). Each CRS uses its own ellipsoid: CGCS2000
(GRS 1980: a = 6378137 m, 1/f = 298.257222101) for EPSG:4490 and its Gauss-Kruger zones
25-45, IAG 1975 (a = 6378140 m, 1/f = 298.257, the constants of the 2008 text) for Xian
1980, Krassowsky 1940 (a = 6378245 m, 1/f = 298.3) for Beijing 1954; the area of a Xian 1980
layer is its area on the Xian 1980 ellipsoid (moving it to CGCS2000 needs local parameters,
:func:`planning.crs.check_datum`).

Examples
--------
>>> import geopandas as gpd, shapely
>>> square = gpd.GeoDataFrame(geometry=[shapely.box(397_000, 3_983_000, 398_000, 3_984_000)],
...                           crs="EPSG:4548")  # 1 km x 1 km at Taiqian, 1.1 degrees west of CM
>>> round(float(ellipsoidal_area(square).iloc[0]), 1)
999741.2
>>> prefixed = square.set_crs(4527, allow_override=True).translate(39_000_000)
>>> round(float(ellipsoidal_area(prefixed).iloc[0]), 1)  # zone prefix 39 stripped
999741.2
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from planning._core.threads import usable_cpus
from planning._errors import CRSError, GeometryError, InputError
from planning.crs import gk_crs, gk_zone_info, zone_from_easting

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Edges longer than this (metres) are densified into equal pieces before the area is taken.
MAX_EDGE_M = 1000.0
#: Edges longer than this (metres) get the midpoint correction (Simpson's rule).
MIDPOINT_MIN_M = 20.0
#: Edges longer than this (and up to MIDPOINT_MIN_M) get the curvature correction.
CURVATURE_MIN_M = 2.0
#: Vertices are inverse-projected through a second-order expansion of pyproj's inverse
#: projection about the centre of their cell of a grid of this many metres (7 pyproj points
#: per cell; within about 1e-8 m of pyproj's own); 0 sends every vertex to pyproj.
ANCHOR_M = 100.0
_STENCIL_M = 50.0
#: Coordinates per chunk of work (chunks run on threads).
_CHUNK_COORDS = 100_000
_MIN_CHUNK_COORDS = 20_000
_POLYGON, _MULTI, _COLLECTION = 3, 6, 7


@dataclass(frozen=True)
class Ellipsoid:
    """A reference ellipsoid: its name, semi-major axis ``a`` (m) and inverse flattening.

    Examples
    --------
    >>> round(CGCS2000.b, 4), round(CGCS2000.e2, 12)
    (6356752.3141, 0.006694380023)
    >>> [round(c, 9) for c in CGCS2000.coefficients()]
    [1.00336409, 0.001124189, 1.699e-06, 3e-09, 0.0]
    """

    name: str
    a: float
    inverse_flattening: float

    @property
    def f(self) -> float:
        """Flattening."""
        return 1.0 / self.inverse_flattening

    @property
    def b(self) -> float:
        """Semi-minor axis, m."""
        return self.a * (1.0 - self.f)

    @property
    def e2(self) -> float:
        """First eccentricity squared."""
        return self.f * (2.0 - self.f)

    def coefficients(self) -> tuple[float, float, float, float, float]:
        """The series A, B, C, D, E of the trapezoid formula (国土调查办发〔2008〕32号):

        A = 1 + 3/6 e² + 30/80 e⁴ + 35/112 e⁶ + 630/2304 e⁸,
        B = 1/6 e² + 15/80 e⁴ + 21/112 e⁶ + 420/2304 e⁸,
        C = 3/80 e⁴ + 7/112 e⁶ + 180/2304 e⁸, D = 1/112 e⁶ + 45/2304 e⁸, E = 5/2304 e⁸.
        """
        e2 = self.e2
        e4, e6, e8 = e2 * e2, e2**3, e2**4
        return (
            1 + 3 / 6 * e2 + 30 / 80 * e4 + 35 / 112 * e6 + 630 / 2304 * e8,
            1 / 6 * e2 + 15 / 80 * e4 + 21 / 112 * e6 + 420 / 2304 * e8,
            3 / 80 * e4 + 7 / 112 * e6 + 180 / 2304 * e8,
            1 / 112 * e6 + 45 / 2304 * e8,
            5 / 2304 * e8,
        )


#: CGCS2000 (the GRS 1980 ellipsoid): the third land survey's.
CGCS2000 = Ellipsoid("CGCS2000", 6_378_137.0, 298.257222101)
#: Xian 1980 (IAG 1975): the second land survey's, the constants of the 2008 text.
XIAN1980 = Ellipsoid("IAG 1975 (Xian 1980)", 6_378_140.0, 298.257)
#: Beijing 1954 (Krassowsky 1940).
BEIJING1954 = Ellipsoid("Krassowsky 1940 (Beijing 1954)", 6_378_245.0, 298.3)


def ellipsoid_of(crs: Any) -> Ellipsoid:
    """The ellipsoid of a CRS (of its geodetic base for a projected CRS).

    Examples
    --------
    >>> ellipsoid_of("EPSG:4548") == CGCS2000, ellipsoid_of("EPSG:2383").a
    (True, 6378140.0)
    """
    parsed = pyproj.CRS.from_user_input(crs)
    ell = parsed.ellipsoid
    if ell is None or not math.isfinite(ell.inverse_flattening or math.nan):
        msg = (f"The CRS {parsed.name!r} has no ellipsoid (or a sphere), so no ellipsoidal "
               "area can be computed in it. Give the layer its real CRS (gdf.set_crs(...)).")
        raise CRSError(msg)
    for known in (CGCS2000, XIAN1980, BEIJING1954):
        if ell.semi_major_metre == known.a and abs(ell.inverse_flattening
                                                   - known.inverse_flattening) < 1e-9:
            return known
    return Ellipsoid(ell.name, float(ell.semi_major_metre), float(ell.inverse_flattening))


def _zone_series(
    lat0: FloatArray, lat1: FloatArray, coefficients: Sequence[float], b: float
) -> FloatArray:
    """2b²·[A sin(ΔB/2) cos Bm − B sin(3ΔB/2) cos 3Bm + ...]: the area between two parallels
    per radian of longitude (m²), by the series of the 2008 text."""
    half = np.subtract(lat1, lat0)
    half *= 0.5
    cos_mid = np.add(lat0, lat1)
    cos_mid *= 0.5
    np.cos(cos_mid, out=cos_mid)
    return _series(half, cos_mid, coefficients, b)


def _series(half: FloatArray, cos_mid: FloatArray, coefficients: Sequence[float], b: float
            ) -> FloatArray:
    """The series of :func:`_zone_series` from ΔB/2 and cos Bm (both overwritten). The
    multiple angles come by recurrence (one sine per edge), in place (layers are large)."""
    a_, b_, c_, d_, e_ = coefficients
    s1 = np.sin(half, out=half)             # sin(ΔB/2)
    c1 = cos_mid                            # cos Bm
    two_c2 = c1 * c1
    two_c2 *= 4.0
    two_c2 -= 2.0                           # 2 cos 2Bm
    two_h2 = s1 * s1
    two_h2 *= -4.0
    two_h2 += 2.0                           # 2 cos ΔB
    c3 = two_c2 * c1
    c3 -= c1
    s3 = two_h2 * s1
    s3 += s1
    total = s1 * c1
    total *= a_
    term = s3 * c3
    term *= b_
    total -= term
    c5 = two_c2 * c3
    c5 -= c1
    s5 = two_h2 * s3
    s5 -= s1
    np.multiply(s5, c5, out=term)
    term *= c_
    total += term
    c7 = np.multiply(two_c2, c5, out=c1)    # cos Bm and sin(ΔB/2) are not needed any more
    c7 -= c3
    s7 = np.multiply(two_h2, s5, out=s1)
    s7 -= s3
    np.multiply(s7, c7, out=term)
    term *= d_
    total -= term
    c9 = np.multiply(two_c2, c7, out=c3)
    c9 -= c5
    s9 = np.multiply(two_h2, s7, out=s3)
    s9 -= s5
    s9 *= c9
    s9 *= e_
    total += s9
    total *= 2.0 * b * b
    return total


def trapezoid_area(
    lat1: npt.ArrayLike, lat2: npt.ArrayLike, dlon: npt.ArrayLike, *,
    ellipsoid: Ellipsoid = CGCS2000,
) -> FloatArray:
    """Area (m²) of the ellipsoidal trapezoid between the parallels ``lat1`` and ``lat2`` and
    two meridians ``dlon`` apart (degrees), by the formula of 国土调查办发〔2008〕32号.

    Examples
    --------
    >>> round(float(trapezoid_area(35.5, 36.5, 1.0)[0]) / 1e6, 3)  # km², a 1 degree cell
    10004.344
    """
    b0 = np.radians(np.atleast_1d(np.asarray(lat1, dtype=float)))
    b1 = np.radians(np.atleast_1d(np.asarray(lat2, dtype=float)))
    dl = np.radians(np.atleast_1d(np.asarray(dlon, dtype=float)))
    result: FloatArray = dl * _zone_series(b0, b1, ellipsoid.coefficients(), ellipsoid.b)
    return result


# --- the plane the vertices are in ---------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """How the vertices of a layer become latitudes and longitudes."""

    geographic: bool
    source: pyproj.CRS          # the CRS inverse-projected from (prefix stripped)
    geodetic: pyproj.CRS
    x_offset: float             # subtracted from eastings first (a zone prefix)
    unit_m: float               # metres per coordinate unit (projected)
    ellipsoid: Ellipsoid


def _frame(crs: pyproj.CRS, bounds: FloatArray) -> _Frame:
    ellipsoid = ellipsoid_of(crs)
    geodetic = crs.geodetic_crs
    if geodetic is None:  # pragma: no cover - a CRS with an ellipsoid has one
        msg = f"The CRS {crs.name!r} has no geodetic base to compute ellipsoidal areas on."
        raise CRSError(msg)
    if crs.is_geographic:
        if np.isfinite(bounds).all() and (bounds[1] < -90 or bounds[3] > 90):
            msg = (f"The layer's CRS is geographic ({crs.name}), but its y values run from "
                   f"{bounds[1]:,.0f} to {bounds[3]:,.0f}: they are not latitudes. Set the "
                   "layer's real CRS (for Gauss-Kruger metres, e.g. gdf.set_crs(4548, "
                   "allow_override=True)).")
            raise CRSError(msg)
        return _Frame(True, crs, geodetic, 0.0, 1.0, ellipsoid)
    if not crs.is_projected:
        msg = (f"Ellipsoidal areas are computed from a projected CRS or from longitude/"
               f"latitude; the layer's CRS {crs.name!r} is neither.")
        raise CRSError(msg)
    unit = float(crs.axis_info[0].unit_conversion_factor or 1.0) if crs.axis_info else 1.0
    source, offset = _strip_prefix(crs, bounds)
    return _Frame(False, source, geodetic, offset, unit, ellipsoid)


@functools.lru_cache(maxsize=32)
def _zone_info(crs: pyproj.CRS) -> tuple[tuple[int, bool, Any] | None, int | None]:
    return gk_zone_info(crs), crs.to_epsg()


def _strip_prefix(crs: pyproj.CRS, bounds: FloatArray) -> tuple[pyproj.CRS, float]:
    """The unprefixed Gauss-Kruger CRS and the easting offset to subtract (a zone prefix)."""
    info, code = _zone_info(crs)
    if info is None or not np.isfinite(bounds).all():
        return crs, 0.0
    zone, prefixed, datum = info
    west, east = float(bounds[0]), float(bounds[2])
    zones = {zone_from_easting(west), zone_from_easting(east)}
    if prefixed:
        if zones != {zone}:
            found = ("6-digit eastings without a zone prefix" if zones == {None}
                     else f"eastings {west:,.0f} to {east:,.0f}")
            msg = (f"The layer's CRS EPSG:{code} is Gauss-Kruger zone {zone} with the zone "
                   f"number prefixed to eastings ({zone} 500 000 at the central meridian), "
                   f"but the layer has {found}. Set the CRS that matches the coordinates "
                   f"(EPSG:{gk_crs(zone, datum=datum).to_epsg()} for eastings without "
                   "prefix) with gdf.set_crs(..., allow_override=True).")
            raise CRSError(msg)
        return gk_crs(zone, datum=datum), zone * 1_000_000.0
    if zones == {None}:
        return crs, 0.0
    if zones == {zone}:
        log.info("eastings carry the zone prefix %d under EPSG:%s: prefix stripped", zone, code)
        return crs, zone * 1_000_000.0
    msg = (f"The layer's eastings ({west:,.0f} to {east:,.0f}) carry a zone prefix "
           f"({', '.join(str(z) for z in sorted(z for z in zones if z))}) that does not match "
           f"its CRS EPSG:{code} (zone {zone} without prefix). Set the CRS of the zone the "
           "prefix names, e.g. gdf.set_crs(planning.crs.gk_crs(zone, prefix=True), "
           "allow_override=True), or read the file with planning.read_layer, which repairs it.")
    raise CRSError(msg)


# --- rings ------------------------------------------------------------------------------


def _rings(geoms: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.object_], IntArray,
                                                    FloatArray]:
    """Every ring of every polygon: (ring geometries, owning row, +1 shell / -1 hole).

    A polygon without holes stands for its own shell (its coordinates are the shell's)."""
    types = shapely.get_type_id(geoms)
    rows = np.arange(len(geoms))
    simple = (types == _POLYGON) & (shapely.get_num_interior_rings(geoms) == 0)
    other = np.flatnonzero(np.isin(types, (_POLYGON, _MULTI, _COLLECTION)) & ~simple)
    ring_geoms = [geoms[simple]]
    owners = [rows[simple]]
    signs = [np.ones(int(simple.sum()))]
    if len(other):
        parts, owner = geoms[other], other
        while True:  # collections may hold multipolygons and collections
            nested = np.isin(shapely.get_type_id(parts), (_MULTI, _COLLECTION))
            if not nested.any():
                break
            inner, where = shapely.get_parts(parts[nested], return_index=True)
            parts = np.concatenate([parts[~nested], inner])
            owner = np.concatenate([owner[~nested], owner[nested][where]])
        polys = shapely.get_type_id(parts) == _POLYGON
        parts, owner = parts[polys], owner[polys]
        rings, part_of = shapely.get_rings(parts, return_index=True)
        first = np.r_[True, part_of[1:] != part_of[:-1]] if len(part_of) else np.empty(0, bool)
        ring_geoms.append(rings)
        owners.append(owner[part_of])
        signs.append(np.where(first, 1.0, -1.0))
    return (np.concatenate(ring_geoms), np.concatenate(owners).astype(np.intp),
            np.concatenate(signs))


def _chunks(counts: IntArray, workers: int) -> list[slice]:
    """Slices of rings holding about the same number of coordinates: one per worker, at
    most _CHUNK_COORDS and at least _MIN_CHUNK_COORDS coordinates each."""
    total, n = int(counts.sum()), len(counts)
    per = max(_MIN_CHUNK_COORDS, min(_CHUNK_COORDS, math.ceil(total / max(workers, 1))))
    if n == 0 or total <= per:
        return [slice(0, n)] if n else []
    cuts = np.searchsorted(np.cumsum(counts), np.arange(per, total, per), side="right")
    edges = np.unique(np.concatenate([[0], cuts, [n]]))
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(edges)]


# --- the computation of one chunk of rings ---------------------------------------------
# The vertices of a chunk's rings are stored one after another; pair i is the edge from
# vertex i to vertex i + 1, a real edge unless vertex i ends its ring.


def _densify(x: FloatArray, y: FloatArray, ring: IntArray, lengths: FloatArray, *,
             frame: _Frame, max_edge_m: float) -> tuple[FloatArray, FloatArray, IntArray,
                                                        FloatArray]:
    """Split edges longer than ``max_edge_m`` into equal pieces (straight in the plane;
    along the geodesic for longitude/latitude): the new vertices are put in order."""
    pieces = np.ones(len(x), dtype=np.intp)
    long = (lengths > max_edge_m) & (ring[1:] == ring[:-1])   # not the jumps between rings
    pieces[:-1][long] = np.ceil(lengths[long] / max_edge_m)
    if (pieces == 1).all():
        return x, y, ring, lengths
    source = np.repeat(np.arange(len(x)), pieces)
    step = np.arange(len(source)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    inner = np.flatnonzero(step > 0)
    i = source[inner]
    frac = step[inner] / pieces[i]
    nx, ny = x[source], y[source]
    if frame.geographic:
        geod = pyproj.Geod(a=frame.ellipsoid.a, f=frame.ellipsoid.f)
        az, _, dist = geod.inv(x[i], y[i], x[i + 1], y[i + 1])
        gx, gy, _ = geod.fwd(x[i], y[i], az, np.asarray(dist) * frac)
        nx[inner], ny[inner] = gx, gy
    else:
        nx[inner] = x[i] + (x[i + 1] - x[i]) * frac
        ny[inner] = y[i] + (y[i + 1] - y[i]) * frac
    new_lengths = np.repeat(np.r_[lengths, 0.0] / pieces, pieces)[:-1]
    return nx, ny, ring[source], new_lengths


def _lengths_m(x: FloatArray, y: FloatArray, frame: _Frame) -> FloatArray:
    """Approximate lengths in metres of the pairs (to choose densification and corrections)."""
    dx, dy = np.diff(x), np.diff(y)
    if not frame.geographic:
        result: FloatArray = np.hypot(dx, dy) * frame.unit_m
        return result
    lat = np.radians(0.5 * (y[1:] + y[:-1]))
    return np.radians(np.hypot(dy, dx * np.cos(lat))) * frame.ellipsoid.a


def _midpoints(x: FloatArray, y: FloatArray, chosen: IntArray,
               frame: _Frame) -> tuple[FloatArray, FloatArray]:
    """Midpoints of the chosen edges: in the plane, or on the geodesic (lon/lat)."""
    if frame.geographic:
        geod = pyproj.Geod(a=frame.ellipsoid.a, f=frame.ellipsoid.f)
        az, _, dist = geod.inv(x[chosen], y[chosen], x[chosen + 1], y[chosen + 1])
        mx, my, _ = geod.fwd(x[chosen], y[chosen], az, np.asarray(dist) * 0.5)
        return np.asarray(mx, float), np.asarray(my, float)
    return 0.5 * (x[chosen] + x[chosen + 1]), 0.5 * (y[chosen] + y[chosen + 1])


@functools.lru_cache(maxsize=32)
def _inverse(source: pyproj.CRS, geodetic: pyproj.CRS) -> pyproj.Transformer:
    """The inverse projection (pyproj's transformers are thread-safe; built once per CRS)."""
    return pyproj.Transformer.from_crs(source, geodetic, always_xy=True)


def _to_radians(x: FloatArray, y: FloatArray, frame: _Frame) -> tuple[FloatArray, FloatArray]:
    """Longitudes and latitudes in radians (one pyproj call for a projected layer; the
    arrays given are the caller's scratch arrays and are overwritten)."""
    if frame.geographic:
        return np.radians(x), np.radians(y)
    if frame.x_offset:
        x -= frame.x_offset
    transformer = _inverse(frame.source, frame.geodetic)
    lon, lat = transformer.transform(x, y, radians=True, inplace=True)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        bad = int((~np.isfinite(lon) | ~np.isfinite(lat)).sum())
        msg = (f"{bad} vertices cannot be inverse-projected from {frame.source.name}: they lie "
               "outside the projection's domain. Check that the layer's CRS is the CRS of its "
               "coordinates (gdf.set_crs(..., allow_override=True)).")
        raise CRSError(msg)
    return lon, lat


@dataclass(frozen=True)
class _Expansion:
    """Second-order expansions of the inverse projection, one per cell of a square grid."""

    cell: IntArray         # grid cell of each vertex (index into the expansions)
    x: FloatArray          # cell centres (plane, as the layer has them)
    y: FloatArray
    stencil: tuple[FloatArray, FloatArray]  # where pyproj is asked: 7 points per cell


def _expansion(x: FloatArray, y: FloatArray) -> _Expansion:
    """The cells of an ANCHOR_M grid the vertices fall in; each vertex is expanded about its
    cell's centre (at most ANCHOR_M / √2 away). The grid is fixed in the plane, so a vertex
    shared by two polygons gets the same longitude and latitude in both."""
    ix = np.floor(x / ANCHOR_M).astype(np.int64)
    iy = np.floor(y / ANCHOR_M).astype(np.int64)
    codes, cells = pd.factorize(ix * 1_000_000_007 + iy, sort=False)  # (ix, iy) as one key
    cx = np.empty(len(cells))
    cy = np.empty(len(cells))
    cx[codes] = (ix + 0.5) * ANCHOR_M  # every vertex of a cell writes the same centre
    cy[codes] = (iy + 0.5) * ANCHOR_M
    h = _STENCIL_M
    sx = np.concatenate([cx, cx + h, cx - h, cx, cx, cx + h, cx - h])
    sy = np.concatenate([cy, cy, cy, cy + h, cy - h, cy + h, cy - h])
    return _Expansion(codes.astype(np.intp), cx, cy, (sx, sy))


def _expanded(e: _Expansion, values: FloatArray, x: FloatArray, y: FloatArray) -> FloatArray:
    """One output of the inverse projection (longitude or latitude, radians) at every vertex,
    from its values at the stencil: f + fx·dx + fy·dy + ½fxx·dx² + fxy·dx·dy + ½fyy·dy²
    (central differences; the mixed one from the two diagonal points)."""
    f0, fxp, fxm, fyp, fym, fpp, fmm = values.reshape(7, -1)
    h = _STENCIL_M
    fx = (fxp - fxm) / (2 * h)
    fy = (fyp - fym) / (2 * h)
    fxx = (fxp + fxm - 2 * f0) / (2 * h * h)      # already halved
    fyy = (fyp + fym - 2 * f0) / (2 * h * h)
    fxy = (fpp + fmm - fxp - fxm - fyp - fym + 2 * f0) / (2 * h * h)
    cell = e.cell
    dx = x - e.x[cell]
    dy = y - e.y[cell]
    out = fxx[cell] * dx
    out += fxy[cell] * dy
    out += fx[cell]
    out *= dx
    part = fyy[cell] * dy
    part += fy[cell]
    part *= dy
    out += part
    out += f0[cell]
    return out


def _bend(sin_mid: FloatArray, cos_mid: FloatArray, d_lat: FloatArray, d_lon: FloatArray,
          band: FloatArray, *, ellipsoid: Ellipsoid) -> FloatArray:
    """The area between a short geodesic and the trapezoid's chord (longitude linear in the
    area function), from the geodesic's curvature: its midpoint lies off the chord's by
    δλ = −(M/N)·tan B·ΔL·ΔB/4 and δB = [(N/M)·sin B cos B·ΔL² + (3e² sin B cos B / W)·ΔB²]/8
    (the geodesic equations to second order; W = 1 − e² sin² B, M/N = (1 − e²)/W), and a
    parabola through it adds (2/3)·(δX·ΔY − ΔX·δY) in the plane X = L, Y = F(B), where
    δY = F'(B)·δB − F''(B)·ΔB²/8, F' = b² cos B / W², F'' = b²(4e² sin B cos² B / W³ −
    sin B / W²)."""
    e2, bb = ellipsoid.e2, ellipsoid.b * ellipsoid.b
    w = sin_mid * sin_mid
    w *= -e2
    w += 1.0
    sc = sin_mid * cos_mid
    lat2 = d_lat * d_lat
    d_lat_mid = d_lon * d_lon
    d_lat_mid *= w
    d_lat_mid *= sc / (1.0 - e2)
    d_lat_mid += (3.0 * e2) * sc * lat2 / w
    d_lat_mid *= 0.125                                             # δB
    w2 = w * w
    d_band = (bb * cos_mid / w2) * d_lat_mid                       # F'·δB
    curve = (4.0 * e2) * sc * cos_mid / w
    curve -= sin_mid
    curve *= bb / w2                                               # F''
    curve *= lat2
    curve *= 0.125
    d_band -= curve                                                # δY
    d_band *= d_lon
    d_lon_mid = (-(1.0 - e2) * 0.25) * sin_mid / (cos_mid * w)     # δλ / (ΔL·ΔB)
    d_lon_mid *= d_lon
    d_lon_mid *= d_lat
    d_lon_mid *= band
    d_lon_mid -= d_band
    d_lon_mid *= 2.0 / 3.0
    return d_lon_mid


def _chunk_areas(rings: npt.NDArray[np.object_], frame: _Frame, max_edge_m: float
                 ) -> FloatArray:
    """Unsigned area (m²) of each ring of a chunk."""
    counts = shapely.get_num_coordinates(rings).astype(np.intp)
    xy = shapely.get_coordinates(rings)
    ring = np.repeat(np.arange(len(counts)), counts)
    x, y, ring, lengths = _densify(xy[:, 0], xy[:, 1], ring, _lengths_m(
        xy[:, 0], xy[:, 1], frame), frame=frame, max_edge_m=max_edge_m)
    edge = ring[1:] == ring[:-1]                     # pair i is an edge of ring[i]
    chosen = np.flatnonzero(edge & (lengths > MIDPOINT_MIN_M))
    mx, my = _midpoints(x, y, chosen, frame)
    n = len(x)
    if frame.geographic or ANCHOR_M <= 0:  # every vertex through pyproj
        lon, lat = _to_radians(np.concatenate([x, mx]), np.concatenate([y, my]), frame)
    else:  # one pyproj call: the stencils of the expansions, and the midpoints exactly
        e = _expansion(x, y)
        k = len(e.stencil[0])
        lon_s, lat_s = _to_radians(np.concatenate([e.stencil[0], mx]),
                                   np.concatenate([e.stencil[1], my]), frame)
        lon = np.concatenate([_expanded(e, lon_s[:k], x, y), lon_s[k:]])
        lat = np.concatenate([_expanded(e, lat_s[:k], x, y), lat_s[k:]])
    coefficients, b = frame.ellipsoid.coefficients(), frame.ellipsoid.b
    lat0, lat1 = lat[: n - 1], lat[1:n]
    d_lat = lat1 - lat0
    mid = lat0 + lat1
    mid *= 0.5
    sin_mid, cos_mid = np.sin(mid), np.cos(mid)
    band = _series(0.5 * d_lat, cos_mid.copy(), coefficients, b)
    # ΔL against the meridian of each ring's first vertex (any meridian gives the same sum;
    # a near one keeps the terms small, and the result independent of the chunks)
    starts = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]]) if n else np.empty(0, np.intp)
    reference = np.repeat(lon[starts], np.diff(np.r_[starts, n]))
    terms = lon[: n - 1] + lon[1:n]
    terms *= 0.5
    terms -= reference[: n - 1]
    terms *= band
    # shorter edges: the geodesic's own bend, to second order
    bend = _bend(sin_mid, cos_mid, d_lat, lon[1:n] - lon[: n - 1], band,
                 ellipsoid=frame.ellipsoid)
    bend *= (lengths > CURVATURE_MIN_M) & (lengths <= MIDPOINT_MIN_M)
    terms += bend
    if len(chosen):  # Simpson: the parabola through the midpoint, against the chord
        m = n + np.arange(len(chosen))
        lon0, lon1, lat_m = lon[chosen], lon[chosen + 1], lat[m]
        d_band = _zone_series(lat[chosen], lat_m, coefficients, b)
        d_band -= _zone_series(lat_m, lat[chosen + 1], coefficients, b)
        d_band *= 0.5
        terms[chosen] += (2.0 / 3.0) * ((lon[m] - 0.5 * (lon0 + lon1)) * band[chosen]
                                        - (lon1 - lon0) * d_band)
    terms[~edge] = 0.0
    signed = np.bincount(ring[:-1], weights=terms, minlength=len(counts))
    result: FloatArray = np.abs(signed)
    return result


# --- the public function ----------------------------------------------------------------


def _geometries(data: object, crs: Any) -> tuple[npt.NDArray[np.object_], pd.Index,
                                                 pyproj.CRS]:
    """Geometries, the index to align with and the CRS of the input."""
    own: pyproj.CRS | None = None
    if isinstance(data, gpd.GeoDataFrame):
        geoms, index, own = np.asarray(data.geometry.array), data.index, data.crs
    elif isinstance(data, gpd.GeoSeries):
        geoms, index, own = np.asarray(data.array), data.index, data.crs
    elif isinstance(data, gpd.array.GeometryArray):
        geoms, own = np.asarray(data), data.crs
        index = pd.RangeIndex(len(geoms))
    elif isinstance(data, shapely.Geometry):
        geoms, index = np.array([data], dtype=object), pd.RangeIndex(1)
    else:
        geoms = np.asarray(list(data) if not isinstance(data, np.ndarray) else data,  # type: ignore[call-overload]
                           dtype=object)
        index = pd.RangeIndex(len(geoms))
        bad = [type(g).__name__ for g in geoms if g is not None
               and not isinstance(g, shapely.Geometry)]
        if bad:
            msg = (f"ellipsoidal_area takes a GeoDataFrame, a GeoSeries or shapely geometries; "
                   f"got {bad[0]} values.")
            raise InputError(msg)
    given = None if crs is None else pyproj.CRS.from_user_input(crs)
    if given is not None and own is not None and given != own:
        msg = (f"crs={given.to_string()} differs from the layer's own CRS {own.to_string()}. "
               "Leave crs out to use the layer's, or reproject the layer with to_crs().")
        raise CRSError(msg)
    chosen = given or own
    if chosen is None:
        msg = ("An ellipsoidal area needs the CRS of the coordinates, and none was given: pass "
               "crs=... (for example crs='EPSG:4548' for CGCS2000 Gauss-Kruger zone 39) or "
               "give the layer its CRS with gdf.set_crs(...).")
        raise CRSError(msg)
    return geoms, index, chosen


def ellipsoidal_area(
    data: gpd.GeoDataFrame | gpd.GeoSeries | Sequence[shapely.Geometry | None]
    | npt.NDArray[np.object_] | shapely.Geometry,
    *,
    crs: Any = None,
    max_edge_m: float = MAX_EDGE_M,
    workers: int | None = None,
) -> pd.Series:
    """The ellipsoidal area (m²) of every polygon of a layer, by the land-survey method.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries, or shapely geometries
        Polygons and MultiPolygons (the polygonal parts of GeometryCollections count; lines
        and points have no area). Never changed.
    crs : CRS, optional
        The CRS of the coordinates: required for plain geometries, and, when given with a
        layer, it must be the layer's own. Gauss-Kruger zones 25-45 of CGCS2000, Xian 1980
        and Beijing 1954, with or without the zone prefix; longitude/latitude (EPSG:4490);
        any other projected CRS with an ellipsoid.
    max_edge_m : float, default MAX_EDGE_M (1,000 m)
        Edges longer than this are densified into equal pieces first.
    workers : int, optional
        Threads to use (default: the usable CPUs).

    Returns
    -------
    pandas.Series
        Named ``area_m2``, aligned with the layer's index (a range index for plain
        geometries): the area on the CRS's ellipsoid in m²; 0 for empty and non-polygonal
        geometries, NaN for missing ones.

    Raises
    ------
    CRSError
        No CRS; a CRS without an ellipsoid; eastings that do not match the zone (prefix) of
        the CRS, or that mix prefixed and unprefixed eastings; coordinates outside the
        projection's domain; lon/lat out of range; degrees under a projected CRS.
    GeometryError
        NaN or infinite coordinates (the message names the rows).

    Examples
    --------
    >>> import planning
    >>> townships = planning.load_sample()["townships"]
    >>> areas = planning.ellipsoidal_area(townships)
    >>> areas.name, bool((areas < townships.area).all())  # 1.1 degrees west of CM 117 E
    ('area_m2', True)
    >>> round(float(1 - areas.sum() / townships.area.sum()), 5)
    0.00026
    """
    geoms, index, parsed = _geometries(data, crs)
    if not (isinstance(max_edge_m, int | float) and math.isfinite(max_edge_m)
            and max_edge_m > 0):
        msg = f"max_edge_m must be a positive length in metres, got {max_edge_m!r}."
        raise InputError(msg)
    missing = shapely.is_missing(geoms)
    result = np.zeros(len(geoms))
    result[missing] = np.nan
    present = np.flatnonzero(~missing & ~shapely.is_empty(geoms))
    if len(present):
        _check_coordinates(geoms[present], index[present], parsed)
        rings, owner, sign = _rings(geoms[present])
        if len(rings):
            frame = _frame(parsed, np.asarray(shapely.total_bounds(rings)))
            areas = _ring_areas(rings, frame, float(max_edge_m), workers or usable_cpus())
            result[present] = np.bincount(owner, weights=sign * areas, minlength=len(present))
    return pd.Series(result, index=index, name="area_m2")


def _rows(index: pd.Index, which: npt.NDArray[np.bool_]) -> str:
    labels = [str(v) for v in index[which][:10]]
    return ", ".join(labels) + (f" ... ({int(which.sum())} in all)" if which.sum() > 10 else "")


def _check_coordinates(geoms: npt.NDArray[np.object_], index: pd.Index, crs: pyproj.CRS
                       ) -> None:
    """Coordinates that cannot be measured: NaN / infinite, not lon/lat under a geographic
    CRS, degrees under a projected one, eastings with and without the zone prefix mixed."""
    xy = shapely.get_coordinates(geoms)
    if not np.isfinite(xy).all():  # (bounds skip NaN): find the rows only when there are some
        xy, owner = shapely.get_coordinates(geoms, return_index=True)
        per_row = np.bincount(owner[~np.isfinite(xy).all(axis=1)], minlength=len(geoms)) > 0
        msg = (f"{int(per_row.sum())} geometr(ies) have coordinates that are not finite "
               f"numbers (NaN or infinite), rows {_rows(index, per_row)}: repair or remove "
               "them before measuring areas.")
        raise GeometryError(msg)
    bounds = shapely.bounds(geoms)
    x, y = np.abs(bounds[:, [0, 2]]), np.abs(bounds[:, [1, 3]])
    if crs.is_geographic:
        per_row = (x > 180).any(axis=1) | (y > 90).any(axis=1)
        if per_row.any():
            msg = (f"The layer's CRS is geographic ({crs.name}), but rows "
                   f"{_rows(index, per_row)} have coordinates outside longitude -180..180 / "
                   "latitude -90..90: they are not latitudes and longitudes. Set the "
                   "layer's real CRS (for Gauss-Kruger metres, e.g. gdf.set_crs(4548, "
                   "allow_override=True)).")
            raise CRSError(msg)
        return
    zoned = gk_zone_info(crs) is not None  # Gauss-Kruger eastings are never below 180 m
    unit = crs.axis_info[0].unit_name if crs.axis_info else "metre"
    if zoned and len(x) and (x <= 180).all() and (y <= 90).all():
        msg = (f"The coordinates look like degrees (x {bounds[:, 0].min():.4f} to "
               f"{bounds[:, 2].max():.4f}, y {bounds[:, 1].min():.4f} to "
               f"{bounds[:, 3].max():.4f}) but "
               f"the CRS is EPSG:{crs.to_epsg()} ({crs.name}, in {unit}s): set the CRS to "
               "EPSG:4490 (CGCS2000 lon/lat) with gdf.set_crs(4490, allow_override=True).")
        raise CRSError(msg)
    if zoned:
        prefixed = (x >= 1e7).any(axis=1)
        if prefixed.any() and not prefixed.all():
            msg = (f"The layer mixes eastings with the zone prefix (8 digits, rows "
                   f"{_rows(index, prefixed)}) and without it (6 digits, rows "
                   f"{_rows(index, ~prefixed)}): no one CRS fits both. Give the features one "
                   "form (subtract zone × 1 000 000 from the prefixed eastings) and the CRS "
                   "that matches it.")
            raise CRSError(msg)


def _ring_areas(rings: npt.NDArray[np.object_], frame: _Frame, max_edge_m: float,
                workers: int) -> FloatArray:
    counts = shapely.get_num_coordinates(rings).astype(np.intp)
    chunks = _chunks(counts, workers)
    if len(chunks) <= 1 or workers <= 1:
        parts = [_chunk_areas(rings[c], frame, max_edge_m) for c in chunks]
    else:
        with ThreadPoolExecutor(min(workers, len(chunks))) as pool:
            parts = list(pool.map(lambda c: _chunk_areas(rings[c], frame, max_edge_m), chunks))
    return np.concatenate(parts) if parts else np.zeros(0)
