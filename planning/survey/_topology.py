"""The geometric checks of the quality inspection: topology (validity, overlaps, gaps,
multipart, coverage by another layer, holes) through :mod:`planning.overlay`, the location
check, and the mathematical basis (datum, Gauss-Kruger zone)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely

from planning._core.geometry import keep_polygons
from planning._core.threads import usable_cpus
from planning._errors import CRSError
from planning.areas import ellipsoidal_area
from planning.crs import gk_zone, gk_zone_info, lonlat_bounds
from planning.overlay import Engine, overlaps
from planning.survey._checks import (
    FINDING_COLUMNS,
    Layers,
    _layer,
    findings,
    none,
    text_of,
    unit_field,
)
from planning.survey._rules import Rule

Geoms = npt.NDArray[np.object_]
TopologyCheck = Callable[[Rule, str, Layers, Engine], pd.DataFrame]


def _pieces(rows: npt.ArrayLike, geoms: Geoms, messages: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"row": np.asarray(rows, dtype=np.intp), "field": None, "value": None,
                         "message": messages, "geometry": geoms})[FINDING_COLUMNS]


def valid_geometry(_rule: Rule, name: str, layers: Layers, _engine: Engine) -> pd.DataFrame:
    frame = layers[name]
    geoms = np.asarray(frame.geometry.array)
    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    invalid = np.flatnonzero(~missing & ~empty & ~shapely.is_valid(geoms))
    reasons = shapely.is_valid_reason(geoms[invalid]) if len(invalid) else []
    out = [findings(frame, invalid, None, [f"invalid geometry: {r}" for r in reasons]),
           findings(frame, np.flatnonzero(missing | empty), None, "geometry is missing or empty")]
    return pd.concat(out, ignore_index=True)


def _polygons(frame: gpd.GeoDataFrame) -> npt.NDArray[np.bool_]:
    geoms = np.asarray(frame.geometry.array)
    ok: npt.NDArray[np.bool_] = (~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
                                 & shapely.is_valid(geoms)
                                 & np.isin(shapely.get_type_id(geoms), (3, 6)))
    return ok


def overlap_findings(rule: Rule, name: str, layers: Layers, engine: Engine) -> pd.DataFrame:
    frame = layers[name]
    ok = np.flatnonzero(_polygons(frame))
    found = overlaps(frame.iloc[ok], min_area_m2=rule.number("min_area_m2", 1e-4),
                     workers=engine.workers)
    if found.empty:
        return none()
    first, second = ok[found["row_1"].to_numpy()], ok[found["row_2"].to_numpy()]
    ids = _ids(frame)
    pieces = np.asarray(found.geometry.array)
    return _pieces(first, pieces, [
        f"overlaps feature {ids[j]} (row {j}) by {a:.4f} m² (ellipsoidal)"
        for j, a in zip(second, _m2(pieces, frame.crs), strict=True)])


def _m2(geoms: Geoms, crs: pyproj.CRS | None) -> npt.NDArray[np.float64]:
    """The ellipsoidal areas (m²) of pieces, as the survey measures them (planar areas when
    the layer's CRS cannot give them)."""
    if crs is not None and len(geoms):
        try:
            return ellipsoidal_area(np.asarray(geoms, dtype=object), crs=crs).to_numpy()
        except CRSError:
            pass
    out: npt.NDArray[np.float64] = shapely.area(np.asarray(geoms, dtype=object))
    return out


def _ids(frame: pd.DataFrame) -> npt.NDArray[np.object_]:
    column = next((c for c in ("BSM", "zone_id", "patch_id", "code") if c in frame.columns),
                  None)
    return (frame[column].astype(str).to_numpy(dtype=object) if column
            else np.arange(len(frame)).astype(str).astype(object))


def _selected(frame: gpd.GeoDataFrame, where: str | None) -> npt.NDArray[np.intp]:
    keep = _polygons(frame)
    if where:
        keep &= text_of(frame, where).notna().to_numpy(dtype=bool)
    return np.flatnonzero(keep)


def _uncovered(geoms: Geoms, covering: Geoms, engine: Engine, min_area_m2: float
               ) -> tuple[npt.NDArray[np.intp], Geoms]:
    """The parts of ``geoms`` no polygon of ``covering`` covers (pieces on the engine; a
    polygon whose pieces do not add up to its area loses the union of what it meets)."""
    pieces = engine.pieces(geoms, covering)
    area = shapely.area(geoms)
    covered = np.bincount(pieces.left, weights=shapely.area(pieces.geometry),
                          minlength=len(geoms))
    todo = np.flatnonzero(np.abs(area - covered) > max(min_area_m2, 0.0) * 0.5 + 1e-9 * area)
    if not len(todo):
        return np.empty(0, np.intp), np.empty(0, dtype=object)
    order = np.argsort(pieces.left, kind="stable")
    lo = np.searchsorted(pieces.left[order], todo, side="left")
    hi = np.searchsorted(pieces.left[order], todo, side="right")
    partners = [np.unique(pieces.right[order][a:b]) for a, b in zip(lo, hi, strict=True)]

    def rest_of(batch: slice) -> Geoms:
        masks = np.array([covering[p[0]] if len(p) == 1 else shapely.union_all(covering[p])
                          if len(p) else shapely.Polygon() for p in partners[batch]],
                         dtype=object)
        result: Geoms = shapely.difference(geoms[todo[batch]], masks)
        return result

    workers = engine.workers or usable_cpus()
    size = max(1, -(-len(todo) // workers))
    batches = [slice(i, i + size) for i in range(0, len(todo), size)]
    with ThreadPoolExecutor(max(1, min(workers, len(batches)))) as pool:  # GEOS frees the GIL
        rest = np.concatenate(list(pool.map(rest_of, batches)))
    rest, keep = keep_polygons(rest)
    rows, parts = [], []
    for i in np.flatnonzero(keep):
        for part in shapely.get_parts(rest[i]):
            if shapely.area(part) >= min_area_m2:
                rows.append(todo[i])
                parts.append(part)
    return np.asarray(rows, dtype=np.intp), np.asarray(parts, dtype=object)


def gaps(rule: Rule, name: str, layers: Layers, engine: Engine) -> pd.DataFrame:
    within = rule.text("within")
    if within not in layers:
        return none()
    area = layers[within]
    units = _selected(area, None)
    patches = _selected(layers[name], None)
    rows, parts = _uncovered(np.asarray(area.geometry.array)[units],
                             np.asarray(layers[name].geometry.array)[patches], engine,
                             rule.number("min_area_m2", 1e-4))
    ids = _ids(area)
    return _pieces(np.full(len(rows), -1), parts, [
        f"gap of {a:.4f} m² (ellipsoidal) in {within} {ids[units[r]]} that no feature of "
        f"{name} covers" for r, a in zip(rows, _m2(parts, area.crs), strict=True)])


def covered_by(rule: Rule, name: str, layers: Layers, engine: Engine) -> pd.DataFrame:
    by = rule.text("by")
    if by not in layers:
        return none()
    frame, cover = _layer(rule, name, layers), _layer(rule, by, layers)  # standard names
    chosen = _selected(frame, rule.parameters.get("where"))
    covering = _selected(cover, rule.parameters.get("by_where"))
    rows, parts = _uncovered(np.asarray(frame.geometry.array)[chosen],
                             np.asarray(cover.geometry.array)[covering], engine,
                             rule.number("min_area_m2", 1e-4))
    scope = f" (where {rule.parameters['by_where']} is given)" if rule.parameters.get(
        "by_where") else ""
    return _pieces(chosen[rows], parts, [f"{a:.4f} m² (ellipsoidal) lie outside {by}{scope}"
                                         for a in _m2(parts, frame.crs)])


def multipart(_rule: Rule, name: str, layers: Layers, _engine: Engine) -> pd.DataFrame:
    frame = layers[name]
    geoms = np.asarray(frame.geometry.array)
    count = np.where(shapely.is_missing(geoms), 0, shapely.get_num_geometries(geoms))
    bad = np.flatnonzero(count > 1)
    return findings(frame, bad, None, [f"the feature has {n} parts" for n in count[bad]])


def no_holes(_rule: Rule, name: str, layers: Layers, _engine: Engine) -> pd.DataFrame:
    frame = layers[name]
    parts, owner = shapely.get_parts(np.asarray(frame.geometry.array), return_index=True)
    holes = shapely.get_num_interior_rings(parts)
    count = np.bincount(owner, weights=np.where(holes > 0, holes, 0), minlength=len(frame))
    bad = np.flatnonzero(count > 0)
    return findings(frame, bad, None, [f"the polygon has {int(n)} hole(s)" for n in count[bad]])


def location_matches(rule: Rule, name: str, layers: Layers, _engine: Engine) -> pd.DataFrame:
    by = rule.text("by")
    if by not in layers:
        return none()
    frame, units = _layer(rule, name, layers), _layer(rule, by, layers)
    digits = int(rule.number("digits", 12))
    chosen = _selected(frame, None)
    points = shapely.point_on_surface(np.asarray(frame.geometry.array)[chosen])
    tree = shapely.STRtree(np.asarray(units.geometry.array))
    p, u = tree.query(points, predicate="within")
    where = np.full(len(frame), None, dtype=object)
    unit_code = unit_field(by, layers, rule.text("unit_code"))  # ZLDWDM in a CJDCQ layer
    where[chosen[p]] = _plain(text_of(units, unit_code).str[:digits])[u]
    given = _plain(text_of(frame, rule.text("code")).str[:digits])
    # a blank code is the required-values check's finding (S04), not a location mismatch
    bad = np.flatnonzero(np.array([w is not None and g is not None and g != w for w, g in
                                   zip(where, given, strict=True)], dtype=bool))
    code = rule.text("code")
    return findings(frame, bad, code, [f"the patch lies in {by} {where[i]}, not in "
                                       f"{given[i]}" for i in bad])


def _plain(values: pd.Series) -> Geoms:
    """Text values as an object array with None for missing values (pd.NA has no truth
    value)."""
    out: Geoms = values.astype(object).where(values.notna(), None).to_numpy(dtype=object)
    return out


def _extent(frame: gpd.GeoDataFrame) -> Geoms:
    bounds = frame.total_bounds if len(frame) else np.full(4, np.nan)
    box = shapely.box(*bounds) if np.isfinite(bounds).all() else None
    return np.array([box], dtype=object)


def _layer_finding(frame: gpd.GeoDataFrame, message: str, value: str | None) -> pd.DataFrame:
    return pd.DataFrame({"row": [-1], "field": [None], "value": [value], "message": [message],
                         "geometry": _extent(frame)})[FINDING_COLUMNS]


def crs_datum(rule: Rule, name: str, layers: Layers, _engine: Engine) -> pd.DataFrame:
    frame = layers[name]
    crs: pyproj.CRS | None = frame.crs
    wanted = rule.text("datum")
    datum = crs.datum.name if crs is not None and crs.datum is not None else ""
    if crs is not None and wanted.lower() in datum.lower():
        return none()
    found = "no CRS" if crs is None else f"{crs.name} (datum {datum or 'unknown'})"
    return _layer_finding(frame, f"the layer's CRS is {found}, not {wanted}",
                          None if crs is None else crs.to_string())


def crs_zone(_rule: Rule, name: str, layers: Layers, _engine: Engine) -> pd.DataFrame:
    frame = layers[name]
    crs: pyproj.CRS | None = frame.crs
    info = gk_zone_info(crs) if crs is not None else None
    if info is None:
        found = "no CRS" if crs is None else crs.name
        return _layer_finding(frame, f"the layer is not in a 3-degree Gauss-Kruger zone "
                              f"({found})", None if crs is None else crs.to_string())
    if not len(frame):  # no data, no zone to compare with (the report notes the empty layer)
        return none()
    bounds = lonlat_bounds(frame)
    if bounds is None or not np.isfinite(bounds).all():
        return _layer_finding(frame, "the layer's coordinates do not fit its CRS "
                              f"{crs.name}", crs.to_string())  # type: ignore[union-attr]
    zone = gk_zone((bounds[0] + bounds[2]) / 2)
    if zone == info[0]:
        return none()
    return _layer_finding(frame, f"the layer lies in zone {zone} (central meridian "
                          f"{3 * zone} E) but its CRS is zone {info[0]} (central meridian "
                          f"{3 * info[0]} E)", crs.to_string())  # type: ignore[union-attr]


TOPOLOGY_CHECKS: dict[str, TopologyCheck] = {
    "valid_geometry": valid_geometry, "overlaps": overlap_findings, "gaps": gaps,
    "multipart": multipart, "covered_by": covered_by, "no_holes": no_holes,
    "location_matches": location_matches, "crs_datum": crs_datum, "crs_zone": crs_zone,
}
