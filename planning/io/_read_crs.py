"""The CRS of a layer as it is read: repairs, GCJ-02, datum shifts, the extent, the zone.

Private to :mod:`planning.io` (:func:`planning.read_layer` runs these steps in order):

1. :func:`fix_crs` — the CRS the coordinates are really in: ``crs=`` (``"GCJ-02"`` moves
   AMap longitude/latitude back to WGS84/CGCS2000), a missing or unreadable ``.prj``, swapped
   axes, zone prefixes of 3- and 6-degree zones, Xian 1980 / Beijing 1954 with the bureau's
   parameters (``datum_shift=``), coordinates that are not finite numbers;
2. :func:`amap_hints` — data that looks AMap-derived but was not read as GCJ-02;
3. :func:`check_extent` — far from the county (or outside China): the CRS is probably wrong;
4. :func:`target_crs`, then :func:`check_moved` — the working CRS, finite coordinates in it,
   and the area distortion of a layer that reaches beyond the working zone.

Problems that make the layer unusable go to ``fatal`` and are raised together.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.errors import GEOSException

from planning._errors import CRSError, Problem
from planning.county import County, reference_bounds
from planning.crs import (
    check_datum,
    from_gcj02,
    gcj02_to_wgs84,
    gk_crs,
    gk_crs_for,
    gk_zone_info,
    in_china,
    is_gcj02,
    lonlat_bounds,
    zone_distortion,
    zone_from_easting,
)
from planning.datum import DatumShift
from planning.io._report import LayerReport

log = logging.getLogger(__name__)

#: field names of AMap/Gaode (高德) data: district boundaries (adcode, center, centroid,
#: childrenNum, level, parent, acroutes, subFeatureIndex) and POI exports (citycode, pname,
#: cityname, adname, typecode, location)
AMAP_FIELDS = frozenset({"adcode", "citycode", "center", "centroid", "childrennum",
                         "acroutes", "subfeatureindex", "pname", "cityname", "adname",
                         "typecode", "location"})
_WRONG = "The CRS is probably wrong (pass crs=...), or the axes are swapped (swap_xy=True)"
_FIX = f"{_WRONG}; check_extent=False reads it anyway."
_GCJ_HOW = ("read it with crs='GCJ-02', which moves the coordinates back to WGS84/CGCS2000 "
            "(never with crs='EPSG:4490', which keeps the offset)")


def present(frame: gpd.GeoDataFrame) -> Any:
    geoms = frame.geometry.values
    return geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]


def _amap_columns(frame: gpd.GeoDataFrame) -> list[str]:
    return [str(c) for c in frame.columns if str(c).lower() in AMAP_FIELDS]


def guess_crs_hint(frame: gpd.GeoDataFrame, county: County | None) -> str:
    """What the coordinates of a layer without CRS look like, and which ``crs=`` to try."""
    geoms = present(frame)
    if len(geoms) == 0:
        return ""
    minx, miny, _, _ = shapely.total_bounds(geoms)
    if 73 <= minx <= 136 and 3 <= miny <= 54:
        amap = _amap_columns(frame)
        if len(amap) >= 2 or "adcode" in {c.lower() for c in amap}:
            return (f" The coordinates look like longitude/latitude and the fields "
                    f"({', '.join(amap)}) like AMap/Gaode data, which is GCJ-02: {_GCJ_HOW}.")
        return (" The coordinates look like longitude/latitude: try crs='EPSG:4490' "
                "(CGCS2000), or crs='GCJ-02' if the data comes from AMap/Gaode (高德).")
    return _projected_hint(minx, miny, county)


def _projected_hint(minx: float, miny: float, county: County | None) -> str:
    zone = zone_from_easting(minx)
    if zone is not None:
        code = gk_crs(zone, prefix=True).to_epsg()
        return (f" The eastings carry zone prefix {zone}: if the datum is CGCS2000 try "
                f"crs='EPSG:{code}'.")
    if not (100_000 <= minx <= 900_000 and 1_000_000 <= miny <= 6_000_000):
        return ""
    if county is not None:
        return (" The coordinates look like 6-digit Gauss-Kruger eastings: if they are in "
                f"the county's CRS try crs={county.crs!r}.")
    return (" The coordinates look like 6-digit Gauss-Kruger eastings: give the zone's "
            "CRS, e.g. crs='EPSG:4548' for CGCS2000 zone 39 (central meridian 117 E, "
            "Taiqian).")


def fix_crs(
    frame: gpd.GeoDataFrame, crs: Any, swap_xy: bool, report: LayerReport,
    fatal: list[Problem], *, county: County | None, datum_shift: DatumShift | None = None,
    prj: str | None = None,
) -> gpd.GeoDataFrame:
    """The layer in the CRS its coordinates are really in (see the module documentation)."""
    geoms = present(frame)
    if len(geoms) and not np.isfinite(shapely.total_bounds(geoms)).all():
        bad = int((~np.isfinite(shapely.bounds(geoms))).any(axis=1).sum())
        fatal.append(Problem(report.source, (
            f"{bad} feature(s) have coordinates that are not finite numbers (infinite or NaN): "
            "the CRS is probably wrong (the file was written from a wrong one), or the file is "
            "damaged: fix or delete those features in the program that wrote it.")))
        return frame
    if is_gcj02(crs):
        return _from_gcj02(frame, report, fatal)
    if crs is not None:
        if frame.crs is not None:
            report.note(f"CRS of the file ({frame.crs.name}) overridden by crs=")
        frame = frame.set_crs(crs, allow_override=True)
    if frame.crs is None:
        why = (f"its .prj cannot be read as a CRS (it holds {prj[:80]!r})" if prj is not None
               else "it has no CRS (a Shapefile without .prj?)")
        fatal.append(Problem(report.source, (
            f"the layer's CRS is unknown: {why}. Pass crs=... to say what the coordinates "
            "are, or add a valid .prj file." + guess_crs_hint(frame, county))))
        return frame
    if not _usable(frame, report, fatal, county=county, shifted=datum_shift is not None):
        return frame
    if swap_xy:
        frame = frame.copy()
        frame[frame.geometry.name] = shapely.transform(
            frame.geometry.values, lambda c: c[:, ::-1])
        report.note("x and y swapped as asked (swap_xy=True)")
    report.crs_in = frame.crs.to_string()
    if len(geoms) == 0:
        return frame
    minx, miny, maxx, maxy = shapely.total_bounds(present(frame))
    if frame.crs.is_geographic:
        if minx >= -90 and maxx <= 90 and 73 <= miny <= 136 and maxy <= 136 and maxx < 60:
            fatal.append(Problem(report.source, (
                f"the coordinates look swapped: x runs {minx:.3f}..{maxx:.3f} (latitudes?) and "
                f"y {miny:.3f}..{maxy:.3f} (longitudes?). Read again with swap_xy=True.")))
    else:
        frame = _fix_gk_prefix(frame, (minx, miny, maxx, maxy), report, fatal)
    if datum_shift is not None and not fatal:
        frame = datum_shift.to_cgcs2000(frame)
        report.note(f"moved from {pyproj.CRS(report.crs_in).name} to {frame.crs.name} with the "
                    f"transformation given ({datum_shift.spec()})", level=logging.INFO)
    return frame


def _usable(frame: gpd.GeoDataFrame, report: LayerReport, fatal: list[Problem], *,
            county: County | None, shifted: bool) -> bool:
    """The layer's CRS places it on the earth, in CGCS2000 (or a datum shift is given)."""
    crs: pyproj.CRS = frame.crs
    if not (crs.is_geographic or crs.is_projected):
        fatal.append(Problem(report.source, (
            f"the layer's CRS is {crs.name!r} ({crs.type_name.lower()}), which does not place "
            "the coordinates on the earth (a CAD drawing's own system?). Pass crs=... with the "
            "CRS the coordinates are really in." + guess_crs_hint(frame, county))))
        return False
    if not shifted:
        check_datum(crs, source=report.source)
    datum = crs.datum.name if crs.datum is not None else ""
    if "unknown" in datum.lower() or "not specified" in datum.lower():
        ellipsoid = crs.ellipsoid.name if crs.ellipsoid is not None else "?"
        report.note(f"the CRS names no datum ({datum}, ellipsoid {ellipsoid}): it was taken as "
                    "CGCS2000; if the data is Xian 1980 or Beijing 1954, pass crs=... and "
                    "datum_shift=...")
    return True


def _from_gcj02(frame: gpd.GeoDataFrame, report: LayerReport, fatal: list[Problem]
                ) -> gpd.GeoDataFrame:
    """AMap longitude/latitude (GCJ-02) back to WGS84, taken as CGCS2000 (EPSG:4490)."""
    own = frame.crs
    lonlat = frame.set_crs(4326) if own is None else frame
    if own is not None and not own.is_geographic:
        lonlat = frame.to_crs(4326)
    bounds = lonlat_bounds(lonlat)
    if bounds is None or not (in_china(bounds[0], bounds[1]) and in_china(bounds[2], bounds[3])):
        fatal.append(Problem(report.source, (
            "crs='GCJ-02' takes longitude/latitude in China (AMap/Gaode data), and these "
            "coordinates are not: give the layer's real CRS with crs=... instead.")))
        return frame
    moved = from_gcj02(lonlat).set_crs(4490, allow_override=True)
    lon, lat = gcj02_to_wgs84([bounds[0]], [bounds[1]])
    metres = abs(pyproj.Geod(ellps="GRS80").inv(bounds[0], bounds[1], lon[0], lat[0])[2])
    report.note(f"read as GCJ-02 (AMap/Gaode) longitude/latitude, as asked (crs='GCJ-02'): "
                f"moved back to WGS84/CGCS2000, about {metres:.0f} m", level=logging.INFO)
    report.crs_in = "GCJ-02"
    return moved


def _fix_gk_prefix(
    frame: gpd.GeoDataFrame, bounds: tuple[float, float, float, float], report: LayerReport,
    fatal: list[Problem],
) -> gpd.GeoDataFrame:
    """Correct a zone prefix the CRS does not expect (or lacks); catch swapped axes."""
    minx, miny, maxx, _ = bounds
    info = gk_zone_info(frame.crs)
    zone = zone_from_easting(minx)
    if info is not None and zone is not None and zone_from_easting(maxx) == zone \
            and not info[1]:
        fixed = gk_crs(zone, prefix=True, datum=info[2])
        report.note(f"eastings carry zone prefix {zone} but the CRS has none; "
                    f"read as {fixed.name} (EPSG:{fixed.to_epsg()})")
        report.crs_in = fixed.to_string()
        return frame.set_crs(fixed, allow_override=True)
    if info is not None and info[1] and zone is None and 100_000 <= minx < 1_000_000:
        fixed = gk_crs(info[0], prefix=False, datum=info[2])
        report.note(f"the CRS expects zone-prefixed eastings but they have 6 digits; "
                    f"read as {fixed.name} (EPSG:{fixed.to_epsg()})")
        report.crs_in = fixed.to_string()
        return frame.set_crs(fixed, allow_override=True)
    if minx > 1_000_000 and miny < 1_000_000 and zone is None:
        fatal.append(Problem(report.source, (
            f"x ({minx:.0f}..) looks like a northing and y ({miny:.0f}..) like an easting: the "
            "axes are swapped. Read again with swap_xy=True.")))
    return frame


def amap_hints(frame: gpd.GeoDataFrame, county: County | None, report: LayerReport) -> None:
    """Warn about data that looks AMap-derived (GCJ-02) but was not read as GCJ-02: AMap's
    field names, or an extent that matches the county only after the GCJ-02 correction."""
    amap = _amap_columns(frame)
    if len(amap) >= 2 or "adcode" in {c.lower() for c in amap}:
        report.note(f"the fields {', '.join(amap)} look like AMap/Gaode (高德) data, whose "
                    "longitude/latitude are GCJ-02, some 500 m off CGCS2000: unless it was "
                    f"converted, {_GCJ_HOW}")
        return
    if county is None:
        return
    reference = reference_bounds(county.code) or county.bounds_lonlat
    bounds = lonlat_bounds(frame)
    if bounds is None or not np.isfinite(bounds).all():
        return
    lon, lat = gcj02_to_wgs84([bounds[0], bounds[2]], [bounds[1], bounds[3]])
    corrected = (lon[0], lat[0], lon[1], lat[1])
    off = max(abs(a - b) for a, b in zip(bounds, reference, strict=True))
    off_fixed = max(abs(a - b) for a, b in zip(corrected, reference, strict=True))
    if off_fixed < 0.0005 and off_fixed < 0.25 * off:
        report.note(f"the layer's extent matches county {county.name_zh}'s outline only after "
                    f"the GCJ-02 correction (edges {off * 1e5:.0f} m off as read, "
                    f"{off_fixed * 1e5:.0f} m after): it looks like AMap/Gaode data, "
                    f"{_GCJ_HOW}")


def check_extent(
    frame: gpd.GeoDataFrame, county: County | None, report: LayerReport, fatal: list[Problem],
) -> None:
    """Refuse a layer far from its county (or, without a county, outside China)."""
    bounds = lonlat_bounds(frame)
    if bounds is None:
        return
    lon, lat = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    finite = bool(np.isfinite([lon, lat]).all())
    where = (f"its centre is at {lon:.3f} E, {lat:.3f} N" if finite
             else "its coordinates are not valid in its CRS")
    if county is None:
        if not (finite and in_china(lon, lat)):
            fatal.append(Problem(report.source, f"the layer lies outside China: {where}. {_FIX}"))
        return
    box = shapely.total_bounds(present(frame))
    try:
        near = bool(finite and np.isfinite(box).all()
                    and county.extent(frame.crs).intersects(shapely.box(*box)))
    except (GEOSException, pyproj.exceptions.ProjError, ValueError):
        near = False
    if not near:
        c_lon, c_lat = county.center_lonlat
        fatal.append(Problem(report.source, (
            f"the layer lies far from the county {county.name_zh} ({county.name_en}): {where}, "
            f"the county at about {c_lon:.2f} E, {c_lat:.2f} N (more than "
            f"{county.extent_tolerance_m / 1000:g} km away). {_FIX} Or the layer belongs to "
            "another county (county=...).")))


def target_crs(
    frame: gpd.GeoDataFrame, county: County | None, to_crs: Any, report: LayerReport,
    fatal: list[Problem],
) -> pyproj.CRS | None:
    """The CRS the layer goes to: ``to_crs``, the county's, or the one of its own data."""
    if to_crs is not None:
        report.crs_reason = "given by to_crs="
        return pyproj.CRS.from_user_input(to_crs)
    if county is not None:
        report.crs_reason = f"the CRS of county {county.code} {county.name_zh}"
        return county.pyproj_crs
    own: pyproj.CRS = frame.crs
    if lonlat_bounds(frame) is None and own.is_projected:
        report.crs_reason = "the file's own (no geometry to derive a zone from)"
        return own
    try:
        derived = gk_crs_for(frame)
    except CRSError as err:
        fatal.append(Problem(report.source, f"{err} Or pass county=... or to_crs=..."))
        return None
    report.crs_reason = (f"derived from the data: {derived.name}, the zone of its centre; "
                         "county=... or to_crs=... chooses it")
    log.info("%s: working CRS %s", report.source, report.crs_reason)
    return derived


def check_moved(frame: gpd.GeoDataFrame, report: LayerReport, fatal: list[Problem]) -> None:
    """After the move to the working CRS: finite coordinates, and the area distortion of a
    layer that reaches beyond the zone."""
    geoms = present(frame)
    if len(geoms) == 0:
        return
    coords = shapely.get_coordinates(geoms)
    if not np.isfinite(coords).all():
        fatal.append(Problem(report.source, (
            f"the coordinates cannot be moved to {frame.crs.name}: some come out infinite, "
            f"which means they are not what the layer's CRS says. {_WRONG}.")))
        return
    distortion = zone_distortion(frame)
    if distortion is not None and distortion.beyond:
        report.note(f"{distortion}. Official areas are ellipsoidal: for a layer this wide, "
                    "compute ellipsoidal areas, or read it into the zone of each part "
                    "(to_crs=...)")
