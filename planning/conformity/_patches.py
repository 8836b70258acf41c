"""Discrepancy patches between the urban plan and the land-use plan (internals).

The public entry point is :func:`planning.conformity.discrepancies`; this module holds the
input checks it shares with the project review, and the patch computation itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from planning import classes
from planning._core.units import HA_PER_M2, MU_PER_M2
from planning._errors import GeometryError, InputError, Problem, UnknownCodeError
from planning._validate import (
    POLYGONAL,
    Checker,
    check_columns,
    check_crs,
    check_geometries,
    require_frame,
)
from planning.areas import ellipsoidal_area
from planning.overlay import (
    Engine,
    Geoms,
    Index,
    Pieces,
    overlap_problems,
    overlaps,
    remainders,
)

log = logging.getLogger(__name__)

#: Discrepancy codes (DOMAIN section 1) and their Chinese labels.
CODES = {
    "01": "两规均为建设用地",
    "02": "两规均为非建设用地",
    "03": "土规建设、城规非建设",
    "04": "城规建设、土规非建设",
}
#: Kinds of patch, in report order, with Chinese labels.
KINDS = {
    "conflict": "冲突",
    "reservoir_water": "水库水面（非冲突）",
    "consistent": "一致",
    "urban_plan_only": "仅城规覆盖",
    "landuse_plan_only": "仅土规覆盖",
}
#: Sub-kinds of conflict patches (what the conflict occupies), with Chinese labels.
SUB_KINDS = {
    "basic_farmland": "基本农田",
    "other_farmland": "一般农用地",
    "ecological": "生态用地",
    "other": "其他",
    "reservoir_water": "水库水面",
}
#: Relative tolerance under which an uncovered rest of a polygon is rounding noise.
_REST_RTOL = 1e-10


@dataclass
class Plans:
    """Checked plan layers with their classes looked up (one row per input polygon)."""

    urban: gpd.GeoDataFrame
    land: gpd.GeoDataFrame
    urban_rows: pd.DataFrame  # code, name_zh, broad, water (table row of each polygon)
    land_rows: pd.DataFrame
    zone_rows: pd.DataFrame | None  # land-use zone table rows, when landuse_zone is given


def check_plans(
    layers: Mapping[str, object],
    *,
    urban_classification: classes.Classification = "gb50137",
    land_classification: classes.Classification = "tdt1024",
    coverages: tuple[str, ...] = ("urban_plan", "landuse_plan", "townships"),
    extra_problems: list[Problem] | None = None,
    extra_code_problems: list[Problem] | None = None,
) -> Plans:
    """Check the plan layers given (None entries are skipped); raise once with everything.

    ``layers`` maps names (``urban_plan``, ``landuse_plan``, ``townships``,
    ``basic_farmland``, ``control_zones``, ...) to GeoDataFrames or None.
    """
    frames = {n: require_frame(f, n) for n, f in layers.items() if f is not None}
    check_crs(frames)
    geometry = Checker()
    required = {"urban_plan": ["class_code"], "landuse_plan": ["class_code"],
                "townships": ["name_zh"], "control_zones": ["zone_code"]}
    for name, frame in frames.items():
        check_columns(frame, required.get(name, []), name, geometry)
        if name != "projects":
            check_geometries(frame, name, geometry, allowed=POLYGONAL)
    geometry.extend(extra_problems or [])
    geometry.raise_if_any("The plan layers cannot be compared as they are.", GeometryError)
    codes = Checker()
    urban_rows = _rows(frames["urban_plan"], "class_code", urban_classification,
                       "urban_plan", codes)
    land_rows = _rows(frames["landuse_plan"], "class_code", land_classification,
                      "landuse_plan", codes)
    zone_rows = None
    if "landuse_zone" in frames["landuse_plan"]:
        zone_rows = _rows(frames["landuse_plan"], "landuse_zone", "landuse_zones",
                          "landuse_plan", codes)
    if "control_zones" in frames:
        _rows(frames["control_zones"], "zone_code", "control_zones", "control_zones", codes)
    codes.extend(extra_code_problems or [])
    codes.raise_if_any("Unknown classification codes in the plan layers.", UnknownCodeError)
    coverage = Checker()
    for name in coverages:
        if name in frames:
            found = overlaps(frames[name], _id_column(frames[name]))
            coverage.extend(overlap_problems(found, name, _id_column(frames[name])))
    coverage.raise_if_any(
        "A plan layer is not a coverage (its polygons overlap); every overlap is listed.",
        GeometryError,
    )
    return Plans(frames["urban_plan"], frames["landuse_plan"], urban_rows, land_rows, zone_rows)


def _id_column(frame: pd.DataFrame) -> str | None:
    for column in ("zone_id", "patch_id", "code", "line_id", "project_id"):
        if column in frame.columns:
            return column
    return None


def _rows(
    frame: pd.DataFrame, column: str, classification: classes.Classification, source: str,
    checker: Checker,
) -> pd.DataFrame:
    """Look up the codes of a column; add problems (instead of raising) for unknown ones."""
    if column not in frame.columns:
        return pd.DataFrame()
    try:
        return classes.lookup(frame[column], classification, source=source, column=column)
    except UnknownCodeError as err:
        checker.extend(err.problems)
        return pd.DataFrame()


def construction(rows: pd.DataFrame, source: str) -> npt.NDArray[np.bool_]:
    """Construction status of looked-up rows; an error for codes too coarse to tell."""
    mixed = rows["broad"] == "mixed"
    if mixed.any():
        values = sorted(set(rows.loc[mixed, "value"].astype(str)))
        problems = [Problem(source, "code is a parent class whose children differ in "
                            "construction status; use a code of the next level",
                            column="class_code", value=v) for v in values]
        msg = f"{len(problems)} code(s) in {source} are too coarse to classify."
        raise UnknownCodeError(msg, problems)
    result: npt.NDArray[np.bool_] = (rows["broad"] == "construction").to_numpy()
    return result


# --- the patches -------------------------------------------------------------------------


def split_by(geoms: Geoms, masks: Geoms, *, engine: Engine) -> Pieces:
    """Split polygons by a non-overlapping mask layer: pieces inside each mask polygon (on
    the engine), plus the parts outside every mask (mask position -1). Areas are conserved."""
    inside = engine.pieces(geoms, masks)
    rest = remainders(geoms, inside.left, shapely.area(inside.geometry), masks, inside.right,
                      rtol=_REST_RTOL, workers=engine.workers)
    return Pieces(
        np.concatenate([inside.left, rest.left]),
        np.concatenate([inside.right, rest.right]),
        np.concatenate([inside.geometry, rest.geometry]),
    )


def compute_patches(
    plans: Plans,
    *,
    basic_farmland: gpd.GeoDataFrame | None,
    townships: gpd.GeoDataFrame | None,
    min_area_m2: float,
    engine: Engine,
) -> gpd.GeoDataFrame:
    """Return the discrepancy patches (see :func:`planning.conformity.discrepancies`); the
    overlays run on ``engine``."""
    if not np.isfinite(min_area_m2) or min_area_m2 < 0:
        msg = f"min_area_m2 must be a non-negative number of m2, got {min_area_m2!r}."
        raise InputError(msg)
    urban = np.asarray(plans.urban.geometry.array)
    land = np.asarray(plans.land.geometry.array)
    both = engine.pieces(urban, land)
    areas = shapely.area(both.geometry)
    urban_only = remainders(urban, both.left, areas, land, both.right, rtol=_REST_RTOL,
                            workers=engine.workers)
    land_only = remainders(land, both.right, areas, urban, both.left, rtol=_REST_RTOL,
                           workers=engine.workers)
    u = np.concatenate([both.left, urban_only.left, np.full(len(land_only.left), -1)])
    lnd = np.concatenate([both.right, np.full(len(urban_only.left), -1), land_only.left])
    geoms = np.concatenate([both.geometry, urban_only.geometry, land_only.geometry])
    table = _classify(plans, u, lnd)
    table, geoms = _split_basic_farmland(table, geoms, basic_farmland, engine)
    table, geoms = _split_townships(table, geoms, townships, engine)
    return _finish(table, geoms, plans, min_area_m2)


def _classify(plans: Plans, u: Index, lnd: Index) -> pd.DataFrame:
    """Code, kind and the class columns of each patch, from its two parent polygons."""
    ur, lr = plans.urban_rows, plans.land_rows
    has_u, has_l = u >= 0, lnd >= 0
    u_build = np.where(has_u, construction(ur, "urban_plan")[np.maximum(u, 0)], False)
    l_build = np.where(has_l, construction(lr, "landuse_plan")[np.maximum(lnd, 0)], False)
    code = np.select(
        [has_u & has_l & u_build & l_build, has_u & has_l & ~u_build & ~l_build,
         has_u & has_l & l_build & ~u_build, has_u & has_l & u_build & ~l_build],
        ["01", "02", "03", "04"], default="",
    )
    u_water = np.where(has_u, ur["water"].to_numpy()[np.maximum(u, 0)], "")
    l_water = np.where(has_l, lr["water"].to_numpy()[np.maximum(lnd, 0)], "")
    reservoir = (code == "03") & (l_water == "reservoir") & np.isin(u_water, ["water",
                                                                             "reservoir"])
    kind = np.select(
        [reservoir, np.isin(code, ["03", "04"]), np.isin(code, ["01", "02"]), has_u],
        ["reservoir_water", "conflict", "consistent", "urban_plan_only"],
        default="landuse_plan_only",
    )

    def take(rows: pd.DataFrame, column: str, idx: Index, ok: npt.NDArray[np.bool_]) -> object:
        return _take(rows[column].to_numpy(dtype=object) if len(rows) else None, idx, ok)

    zones = plans.zone_rows
    return pd.DataFrame({
        "u": u, "l": lnd, "code": code, "kind": kind,
        "urban_class": take(ur, "value", u, has_u),
        "urban_class_name": take(ur, "name_zh", u, has_u),
        "urban_broad": take(ur, "broad", u, has_u),
        "land_class": take(lr, "value", lnd, has_l),
        "land_class_name": take(lr, "name_zh", lnd, has_l),
        "land_broad": take(lr, "broad", lnd, has_l),
        "landuse_zone": take(zones, "value", lnd, has_l) if zones is not None else None,
        "protection": take(zones, "protection", lnd, has_l) if zones is not None else None,
    })


def _take(
    values: npt.NDArray[np.object_] | None, idx: Index, ok: npt.NDArray[np.bool_]
) -> npt.NDArray[np.object_]:
    """``values[idx]`` where ``ok``, None elsewhere (and everywhere without values)."""
    out = np.full(len(idx), None, dtype=object)
    if values is not None and len(values):
        out[ok] = values[idx[ok]]
    return out


def _split_basic_farmland(
    table: pd.DataFrame, geoms: Geoms, basic_farmland: gpd.GeoDataFrame | None, engine: Engine,
) -> tuple[pd.DataFrame, Geoms]:
    """Split conflict patches by the basic-farmland polygons; flag the pieces inside."""
    table = table.assign(in_basic_farmland=False)
    if basic_farmland is None or len(basic_farmland) == 0:
        return table, geoms
    mask = shapely.get_parts(shapely.union_all(np.asarray(basic_farmland.geometry.array)))
    conflict = np.flatnonzero((table["kind"] == "conflict").to_numpy())
    split = split_by(geoms[conflict], mask, engine=engine)
    rows = table.iloc[conflict[split.left]].assign(in_basic_farmland=split.right >= 0)
    keep = np.setdiff1d(np.arange(len(table)), conflict)
    table = pd.concat([table.iloc[keep], rows], ignore_index=True)
    return table, np.concatenate([geoms[keep], split.geometry])


def _split_townships(
    table: pd.DataFrame, geoms: Geoms, townships: gpd.GeoDataFrame | None, engine: Engine,
) -> tuple[pd.DataFrame, Geoms]:
    """Split patches by township; patches outside every township get no township."""
    if townships is None:
        return table.assign(township=None), geoms
    split = split_by(geoms, np.asarray(townships.geometry.array), engine=engine)
    names = townships["name_zh"].astype(str).to_numpy(dtype=object)
    township = _take(names, split.right, split.right >= 0)
    table = table.iloc[split.left].reset_index(drop=True).assign(township=township)
    return table, split.geometry


def _sub_kind(table: pd.DataFrame) -> npt.NDArray[np.object_]:
    """What a conflict patch occupies: basic farmland first, then the zone's protection,
    then the class the keeping plan gives it."""
    kind = table["kind"].to_numpy()
    protection = table["protection"].fillna("").to_numpy(dtype=object)
    keeping_broad = np.where(table["code"].to_numpy() == "04", table["land_broad"],
                             table["urban_broad"])
    keeping_class = np.where(table["code"].to_numpy() == "04", table["land_class"],
                             table["urban_class"]).astype(str)
    farmland_class = (keeping_broad == "agricultural") & ~np.char.startswith(
        keeping_class.astype(str), "13")
    sub = np.select(
        [table["in_basic_farmland"].to_numpy() | (protection == "basic_farmland"),
         protection == "ecological", protection == "other_farmland", farmland_class],
        ["basic_farmland", "ecological", "other_farmland", "other_farmland"],
        default="other",
    ).astype(object)
    sub[kind == "reservoir_water"] = "reservoir_water"
    sub[~np.isin(kind, ["conflict", "reservoir_water"])] = None
    return sub


def _finish(
    table: pd.DataFrame, geoms: Geoms, plans: Plans, min_area_m2: float
) -> gpd.GeoDataFrame:
    """Areas, ids, ordering and the final columns (every area once, over all pieces)."""
    area = ellipsoidal_area(geoms, crs=plans.urban.crs).to_numpy()
    planar = shapely.area(geoms)
    u, lnd = table["u"].to_numpy(), table["l"].to_numpy()
    out = pd.DataFrame({
        "code": table["code"].replace("", None),
        "kind": table["kind"],
        "sub_kind": _sub_kind(table),
        "conflict": (table["kind"] == "conflict").to_numpy(),
        "township": table["township"],
        "urban_class": table["urban_class"],
        "urban_class_name": table["urban_class_name"],
        "land_class": table["land_class"],
        "land_class_name": table["land_class_name"],
        "landuse_zone": table["landuse_zone"],
        "urban_zone_id": _ids(plans.urban, u),
        "land_patch_id": _ids(plans.land, lnd),
        "area_m2": area,
        "area_mu": area * MU_PER_M2,
        "area_ha": area * HA_PER_M2,
        "planar_area_m2": planar,
        "sliver": area < min_area_m2,
    })
    rank = out["kind"].map({k: i for i, k in enumerate(KINDS)}).to_numpy()
    order = np.lexsort((-area, out["township"].fillna("\uffff").to_numpy(dtype=str),
                        out["code"].fillna("99").to_numpy(dtype=str), rank))
    out = out.iloc[order].reset_index(drop=True)
    out.insert(0, "patch_id", [f"D{i:06d}" for i in range(1, len(out) + 1)])
    for column in ("code", "kind", "sub_kind", "township", "urban_class", "urban_class_name",
                   "land_class", "land_class_name", "landuse_zone", "urban_zone_id",
                   "land_patch_id"):
        out[column] = out[column].astype("string")
    result = gpd.GeoDataFrame(out, geometry=geoms[order], crs=plans.urban.crs)
    log.info("discrepancies: %d patches, %d conflicts (%.1f mu)", len(result),
             int(result["conflict"].sum()), float(result.loc[result["conflict"], "area_mu"].sum()))
    return result


def _ids(frame: pd.DataFrame, idx: Index) -> npt.NDArray[np.object_]:
    column = _id_column(frame)
    values = (frame[column].astype(str).to_numpy(dtype=object) if column
              else np.arange(len(frame)).astype(str).astype(object))
    return _take(values, idx, idx >= 0)
