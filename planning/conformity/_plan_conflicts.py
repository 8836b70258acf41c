"""Conflicts of the territorial plan itself (internals of :mod:`planning.conformity`).

- control lines that must not overlap (``line_rules.csv``: permanent basic farmland or the
  ecological red line inside the development boundary, the red line over farmland);
- the development boundary's area against its quota (a number of mu the user gives);
- planning zones that overlap (:func:`planning.overlay.overlaps`) or leave gaps in the county.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning import settings
from planning._core.units import HA_PER_M2, MU_PER_M2
from planning._errors import InputError
from planning.conformity import _territorial_tables as T  # noqa: N812 - the data tables
from planning.conformity._territorial import site_area_m2
from planning.overlay import NOISE_M2, Engine, overlaps

#: Kinds of plan conflict and their Chinese names.
PLAN_CHECKS = {
    "line_overlap": "控制线重叠",
    "boundary_quota": "城镇开发边界规模",
    "zone_overlap": "规划分区重叠",
    "zone_gap": "规划分区缺漏",
}
PLAN_COLUMNS = ["conflict_id", "check", "what", "verdict", "area_m2", "area_mu", "area_ha",
                "sliver", "detail_zh", "geometry"]


def plan_conflicts(
    *,
    control_lines: gpd.GeoDataFrame | None,
    planning_zones: gpd.GeoDataFrame | None = None,
    county: gpd.GeoDataFrame | None = None,
    boundary_quota_mu: float | None = None,
    min_area_m2: float = NOISE_M2,
    sliver_area_m2: float | None = None,
    engine: Engine,
) -> gpd.GeoDataFrame:
    """One row per conflict of the plan: ``conflict_id``, ``check`` (see
    :data:`PLAN_CHECKS`), ``what``, ``verdict``, ``area_m2``, ``area_mu``, ``area_ha``
    (ellipsoidal), ``sliver``
    (overlaps and gaps smaller than ``sliver_area_m2``, default
    ``planning.settings.sliver_area_m2``: digitising noise along shared edges, listed but
    not counted), ``detail_zh`` and the geometry (the overlap, the gap, or the boundary for
    its quota)."""
    if boundary_quota_mu is not None and not (
            isinstance(boundary_quota_mu, int | float) and np.isfinite(boundary_quota_mu)
            and boundary_quota_mu >= 0):
        msg = ("boundary_quota_mu must be the development boundary's quota as a non-negative "
               f"number of mu, got {boundary_quota_mu!r}.")
        raise InputError(msg)
    crs = next((f.crs for f in (control_lines, planning_zones, county) if f is not None), None)
    parts = [_line_overlaps(control_lines, min_area_m2, engine, crs),
             _quota(control_lines, boundary_quota_mu, crs),
             _zone_overlaps(planning_zones, min_area_m2, crs),
             _zone_gaps(planning_zones, county, min_area_m2, crs)]
    rows = [r for part in parts for r in part]
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, columns=PLAN_COLUMNS), geometry="geometry",
                             crs=crs)
    sliver = settings.sliver_area_m2 if sliver_area_m2 is None else sliver_area_m2
    frame["area_mu"] = frame["area_m2"].astype(float) * MU_PER_M2
    frame["area_ha"] = frame["area_m2"].astype(float) * HA_PER_M2
    frame["sliver"] = (frame["check"] != "boundary_quota") & (frame["area_m2"] < sliver)
    frame = frame.sort_values("sliver", kind="stable").reset_index(drop=True)
    frame["conflict_id"] = [f"GH{i + 1:03d}" for i in range(len(frame))]
    return frame


def _row(check: str, what: str, verdict: str, area: float, detail: str, *,
         geometry: object) -> dict[str, object]:
    return {"conflict_id": "", "check": check, "what": what, "verdict": verdict,
            "area_m2": float(area), "area_mu": float(area) * MU_PER_M2,
            "area_ha": float(area) * HA_PER_M2, "sliver": False,
            "detail_zh": detail,
            "geometry": geometry}


def _line_mask(lines: gpd.GeoDataFrame, line_type: str) -> np.ndarray:
    part = lines[lines["line_type"].astype(str) == line_type]
    if not len(part):
        return np.array([], dtype=object)
    return np.asarray(shapely.get_parts(shapely.union_all(np.asarray(part.geometry.array))))


def _line_overlaps(lines: gpd.GeoDataFrame | None, min_area_m2: float, engine: Engine,
                   crs: object) -> list[dict[str, object]]:
    if lines is None or not len(lines):
        return []
    out = []
    for rule in T.table("line_rules.csv").itertuples(index=False):
        a, b = _line_mask(lines, str(rule.line_a)), _line_mask(lines, str(rule.line_b))
        if not len(a) or not len(b):
            continue
        pieces = engine.pieces(a, b)
        area = site_area_m2(pieces.geometry, crs)
        for geom, size in zip(pieces.geometry, area, strict=True):
            if size >= min_area_m2:
                detail = f"{rule.name_zh}{size * MU_PER_M2:,.2f}亩：{rule.note_zh}"
                out.append(_row("line_overlap", str(rule.name_zh), str(rule.verdict), size,
                                detail, geometry=geom))
    return out


def _quota(lines: gpd.GeoDataFrame | None, quota_mu: float | None, crs: object
           ) -> list[dict[str, object]]:
    if lines is None or quota_mu is None:
        return []
    boundary = _line_mask(lines, "urban_development_boundary")
    if not len(boundary):
        return []
    union = shapely.union_all(boundary)
    area = float(site_area_m2(np.array([union]), crs)[0])
    excess = area * MU_PER_M2 - float(quota_mu)
    if excess <= 0:
        return []
    detail = (f"城镇开发边界面积{area * MU_PER_M2:,.2f}亩，超出规模指标{float(quota_mu):,.2f}亩"
              f"{excess:,.2f}亩")
    return [_row("boundary_quota", "城镇开发边界超出规模指标", "conflict", excess / MU_PER_M2,
                 detail, geometry=union)]


def _zone_overlaps(zones: gpd.GeoDataFrame | None, min_area_m2: float, crs: object
                   ) -> list[dict[str, object]]:
    if zones is None or not len(zones):
        return []
    ids = "zone_id" if "zone_id" in zones.columns else None
    found = overlaps(zones, ids, min_area_m2=min_area_m2)
    codes = zones["zone_code"].astype(str).to_numpy()
    out = []
    areas = site_area_m2(np.asarray(found.geometry.array), crs)  # ellipsoidal
    for r, area in zip(found.itertuples(index=False), areas, strict=True):
        a, b = codes[int(r.row_1)], codes[int(r.row_2)]
        detail = (f"规划分区{r.id_1}（{a}）与{r.id_2}（{b}）重叠{area * MU_PER_M2:,.2f}亩："
                  "规划分区应全域覆盖、不重叠")
        out.append(_row("zone_overlap", f"规划分区{a}与{b}重叠", "conflict", area, detail,
                        geometry=r.geometry))
    return out


def _zone_gaps(zones: gpd.GeoDataFrame | None, county: gpd.GeoDataFrame | None,
               min_area_m2: float, crs: object) -> list[dict[str, object]]:
    if zones is None or county is None or not len(zones) or not len(county):
        return []
    outline = shapely.union_all(np.asarray(county.geometry.array))
    covered = shapely.union_all(np.asarray(zones.geometry.array))
    gaps = shapely.get_parts(shapely.difference(outline, covered))
    gaps = gaps[np.isin(shapely.get_type_id(gaps), [3, 6])]
    area = site_area_m2(gaps, crs)
    return [_row("zone_gap", "规划分区未覆盖", "conflict", size,
                 f"县域内{size * MU_PER_M2:,.2f}亩未划入任何规划分区：规划分区应全域覆盖",
                 geometry=geom)
            for geom, size in zip(gaps, area, strict=True) if size >= min_area_m2]
