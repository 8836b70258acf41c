"""Site review against the territorial spatial plan (国土空间规划): internals.

Each project site (drawn as in the two-plans check: polygons as drawn, lines buffered by half
their width, points as points) is checked against the three control lines, the planning zones
(GHFQ) and the land/sea use of the central urban area (ZXCQGHYDYH, 2023 guide classes). Each
finding is a reason row with its occupied area, in the columns of the two-plans reasons; a
project's verdict is the worst of its counted reasons. The area breakdown of each site comes
from the third-survey land patches (``land_survey``, DLTB) when there are some.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planning import classes
from planning._core.units import HA_PER_M2, MU_PER_M2
from planning._errors import InputError, Problem, UnknownCodeError
from planning._validate import Checker, check_columns, check_geometries
from planning.areas import ellipsoidal_area
from planning.conformity import _territorial_tables as T  # noqa: N812 - the data tables
from planning.conformity._projects import (
    REASON_COLUMNS,
    VERDICT_ZH,
    _order_reasons,
    _per_project,
    _project_problems,
    _Reviewer,
    _sites,
    _sum,
)
from planning.overlay import Engine, Geoms

#: The checks of the territorial review and their Chinese names.
CHECK_ZH = {
    "territorial_line": "三条控制线",
    "outside_development_boundary": "城镇开发边界外",
    "planning_zone": "规划分区",
    "landsea_use": "用地用海",
    "outside_central_area": "中心城区外",
}
#: Columns of the area breakdown (m²) after ``project_id`` and ``ownership``.
BREAKDOWN_AREAS = ("agricultural_m2", "cultivated_m2", "basic_farmland_m2", "construction_m2",
                   "unused_m2", "surveyed_m2", "not_surveyed_m2")
OWNERSHIP_ZH = {"all": "合计", "state": "国有", "collective": "集体", "unknown": "权属不明"}
BOUNDARY_ZH = {"concentrated": "城镇集中建设区", "flexible": "城镇弹性发展区",
               "special": "特别用途区"}
_BOUNDARY_CODES = {"concentrated": "0401", "flexible": "0402", "special": "0403"}
_POLYGONS = ("Polygon", "MultiPolygon")


def site_area_m2(geoms: Geoms, crs: object) -> np.ndarray:
    """The area of site pieces in m², ellipsoidal (:func:`planning.ellipsoidal_area`, the
    land-survey method, in the CRS of the layers): the one place the territorial review
    measures areas of its own."""
    return ellipsoidal_area(np.asarray(geoms, dtype=object), crs=crs).to_numpy(dtype=float)


class TerritorialReview(NamedTuple):
    """What :func:`review_sites` returns: one row per project, every reason, the area
    breakdown of each site."""

    projects: gpd.GeoDataFrame
    reasons: pd.DataFrame
    breakdown: pd.DataFrame


def review_sites(
    projects: gpd.GeoDataFrame,
    *,
    planning_zones: gpd.GeoDataFrame | None = None,
    landsea_use: gpd.GeoDataFrame | None = None,
    control_lines: gpd.GeoDataFrame | None = None,
    land_survey: gpd.GeoDataFrame | None = None,
    min_area_m2: float = 1.0,
    engine: Engine,
) -> TerritorialReview:
    """The territorial review of project sites (see :func:`planning.check_territorial`)."""
    if not math.isfinite(min_area_m2) or min_area_m2 < 0:
        msg = f"min_area_m2 must be a non-negative number of m2, got {min_area_m2!r}."
        raise InputError(msg)
    _check_layers(projects, planning_zones, landsea_use, control_lines, land_survey)
    uses = _uses(projects)
    sites, kinds = _sites(projects)
    reviewer = _Reviewer(projects, sites, kinds, min_area_m2=min_area_m2, engine=engine)
    parts = [_lines(reviewer, control_lines, uses, judge_boundary=planning_zones is None),
             _zones(reviewer, planning_zones, uses), _landsea(reviewer, landsea_use, uses)]
    found = [p for p in parts if len(p)]
    table = pd.concat(found, ignore_index=True) if found else pd.DataFrame(
        columns=REASON_COLUMNS)
    table = _order_reasons(table, projects)
    frame = _per_project(projects, table, kinds, sites)
    area = np.where(kinds == "point", np.nan, site_area_m2(sites, projects.crs))
    frame["site_area_m2"], frame["site_area_mu"] = area, area * MU_PER_M2
    frame["site_area_ha"] = area * HA_PER_M2
    frame.insert(frame.columns.get_loc("site_kind"), "landsea_class", uses["use"].to_numpy())
    breakdown = land_breakdown(projects, sites, kinds, land_survey=land_survey,
                               control_lines=control_lines, engine=engine)
    return TerritorialReview(frame, table, breakdown)


def _check_layers(projects: object, zones: object, landsea: object, lines: object,
                  survey: object) -> None:
    checker = Checker()
    for problem in _project_problems(projects, None, lines):
        checker.add(problem)
    for name, layer, columns in (("planning_zones", zones, ["zone_code"]),
                                 ("landsea_use", landsea, ["class_code"]),
                                 ("land_survey", survey, ["class_code"])):
        if layer is None:
            continue
        if not isinstance(layer, gpd.GeoDataFrame):
            checker.add(Problem(name, f"must be a GeoDataFrame, got {type(layer).__name__}"))
            continue
        check_columns(layer, columns, name, checker)
        check_geometries(layer, name, checker, allowed=_POLYGONS)
    checker.raise_if_any("The territorial review cannot run on these layers.")
    codes: list[Problem] = []
    for name, layer, table in (("planning_zones", zones, T.planning_zones()),
                               ("landsea_use", landsea, "guide2023")):
        if isinstance(layer, gpd.GeoDataFrame):
            column = "zone_code" if name == "planning_zones" else "class_code"
            try:
                classes.match_codes(layer[column], table, source=name, column=column)
            except UnknownCodeError as err:
                codes += err.problems
    if codes:
        msg = (f"{len(codes)} unknown code(s) in the territorial plan's layers. Correct them, "
               "or edit planning/data/territorial/planning_zones.csv for provincial zones.")
        raise UnknownCodeError(msg, codes)


def _uses(projects: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each project's use (2023 guide code) and whether it is urban construction."""
    uses = T.project_uses(projects["land_class"])
    if "landsea_class" in projects.columns:
        given = classes.normalize_codes(projects["landsea_class"], pad="even")
        uses["use"] = given.fillna(pd.Series(uses["use"].to_numpy())).to_numpy()
    return uses.reset_index(drop=True)


def _finish(reviewer: _Reviewer, rows: pd.DataFrame, *, check: str,
            notes: list[str] | None = None) -> pd.DataFrame:
    """Reason rows in the two-plans columns, with territorial wording."""
    if rows.empty:
        return pd.DataFrame(columns=REASON_COLUMNS)
    out = reviewer.reasons(rows, check=check)
    label = CHECK_ZH[check]
    texts, texts_zh = [], []
    records = zip(out["code"].astype(str), out["name_zh"].astype(str), out["verdict"].astype(str),
                  out["area_m2"].astype(float), out["counted"].astype(bool), strict=True)
    for i, (code, name, verdict, area_m2, counted) in enumerate(records):
        point = math.isnan(area_m2)
        area = "point site, checked at the point" if point else \
            f"{area_m2:,.1f} m2 ({area_m2 * MU_PER_M2:,.2f} mu)"
        area_zh = "点状选址，按点核查" if point else f"占用{area_m2 * MU_PER_M2:,.2f}亩"
        subject = name if check in ("territorial_line", "outside_development_boundary",
                                    "outside_central_area") else f"{label}{code} {name}"
        note = f"（{notes[i]}）" if notes and notes[i] else ""
        small = "" if counted else "（小于最小面积，不计入结论）"
        texts.append(f"{verdict}: {label} {code} {name}, {area}"
                     + ("" if counted else " (below the minimum area, not counted)"))
        texts_zh.append(f"{VERDICT_ZH[verdict]}：{subject}，{area_zh}{note}{small}")
    out["detail"], out["detail_zh"] = texts, texts_zh
    return out


def _noted(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Sum the rows per project and code; keep the note of each summed row."""
    if rows.empty:
        return rows, []
    summed = _sum(rows)
    notes = rows.drop_duplicates(["project", "code", "name_zh", "verdict"]).set_index(
        ["project", "code", "name_zh", "verdict"])["note"]
    keys = list(zip(summed["project"], summed["code"], summed["name_zh"], summed["verdict"],
                    strict=True))
    return summed, [str(notes.get(k, "")) for k in keys]


def _lines(reviewer: _Reviewer, layer: gpd.GeoDataFrame | None, uses: pd.DataFrame, *,
           judge_boundary: bool) -> pd.DataFrame:
    """Occupied area of each control line; the development boundary by zone kind."""
    if layer is None or len(layer) == 0:
        return pd.DataFrame(columns=REASON_COLUMNS)
    lines = T.table("lines.csv").set_index("line_type")
    out = []
    types = layer["line_type"].astype(str)
    for line_type in ("permanent_basic_farmland", "ecological_red_line"):
        part = layer[types == line_type]
        if len(part):
            mask = shapely.get_parts(shapely.union_all(np.asarray(part.geometry.array)))
            row = lines.loc[line_type]
            rows = reviewer.occupied(mask).assign(
                code=line_type, name_zh=str(row["name_zh"]), verdict=str(row["verdict"]),
                note=str(row["note_zh"]))
            summed, notes = _noted(rows)
            out.append(_finish(reviewer, summed, check="territorial_line", notes=notes))
    boundary = layer[types == "urban_development_boundary"]
    if len(boundary):
        out += _boundary(reviewer, boundary, uses, judge=judge_boundary)
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=REASON_COLUMNS)


def _boundary(reviewer: _Reviewer, boundary: gpd.GeoDataFrame, uses: pd.DataFrame, *,
              judge: bool) -> list[pd.DataFrame]:
    """Inside the boundary by zone kind; urban uses outside it (judged by the zone kind and
    the outside check only when there are no planning zones to judge them)."""
    from planning.io import boundary_zones  # noqa: PLC0415 - keeps io out of import time

    kinds = boundary_zones(boundary).fillna("").to_numpy(dtype=object)
    rows = reviewer.occupied(np.asarray(boundary.geometry.array), outside=True)
    zone = rows["zone"].to_numpy(int)
    inside = rows[zone >= 0]
    kind = kinds[inside["zone"].to_numpy(int)]
    use = uses["use"].to_numpy(dtype=object)[inside["project"].to_numpy(int)]
    verdict, notes = [], []
    for k, u in zip(kind, use, strict=True):
        result, note, _ = T.zone_use(_BOUNDARY_CODES[k], str(u)) if judge and k else (
            "conforms", "位于城镇开发边界内", "")
        verdict.append(result)
        notes.append(note)
    names = ["城镇开发边界" + (f"（{BOUNDARY_ZH[k]}）" if k else "") for k in kind]
    inside = inside.assign(code=["urban_development_boundary" + (f":{k}" if k else "")
                                 for k in kind], name_zh=names, verdict=verdict, note=notes)
    summed, summed_notes = _noted(inside)
    out = [_finish(reviewer, summed, check="territorial_line", notes=summed_notes)]
    if judge:
        urban = uses["urban"].to_numpy(bool)
        outside = rows[(zone < 0) & urban[rows["project"].to_numpy(int)]]
        outside = outside.assign(code="urban_development_boundary", name_zh="城镇开发边界外",
                                 verdict="conflict", note="城镇开发边界外不得进行城镇集中建设")
        summed, summed_notes = _noted(outside)
        out.append(_finish(reviewer, summed, check="outside_development_boundary",
                           notes=summed_notes))
    return out


def _zones(reviewer: _Reviewer, layer: gpd.GeoDataFrame | None, uses: pd.DataFrame
           ) -> pd.DataFrame:
    """The planning zones each site falls in, and whether its use is allowed there."""
    if layer is None or len(layer) == 0:
        return pd.DataFrame(columns=REASON_COLUMNS)
    table = T.planning_zones()
    matched = classes.match_codes(layer["zone_code"], table, source="planning_zones",
                                  column="zone_code").to_numpy(dtype=object)
    names = table.set_index("code")["name_zh"]
    rows = reviewer.occupied(np.asarray(layer.geometry.array))
    zone = matched[rows["zone"].to_numpy(int)]
    use = uses["use"].to_numpy(dtype=object)[rows["project"].to_numpy(int)]
    rules = [T.zone_use(str(z), str(u)) for z, u in zip(zone, use, strict=True)]
    rows = rows.assign(code=zone, name_zh=names.reindex(zone).to_numpy(),
                       verdict=[r[0] for r in rules], note=[r[1] for r in rules])
    summed, notes = _noted(rows)
    return _finish(reviewer, summed, check="planning_zone", notes=notes)


def _landsea(reviewer: _Reviewer, layer: gpd.GeoDataFrame | None, uses: pd.DataFrame
             ) -> pd.DataFrame:
    """The land/sea use classes each site occupies in the central urban area, and whether
    the project's use is compatible with them; ground outside the layer is reported."""
    if layer is None or len(layer) == 0:
        return pd.DataFrame(columns=REASON_COLUMNS)
    rows_ = classes.lookup(layer["class_code"], "guide2023", source="landsea_use")
    rows = reviewer.occupied(np.asarray(layer.geometry.array), outside=True)
    zone = rows["zone"].to_numpy(int)
    inside = zone >= 0
    code = np.where(inside, rows_["value"].to_numpy(dtype=object)[np.maximum(zone, 0)], "")
    name = np.where(inside, rows_["name_zh"].to_numpy(dtype=object)[np.maximum(zone, 0)],
                    "中心城区用地用海规划范围外")
    use = uses["use"].to_numpy(dtype=object)[rows["project"].to_numpy(int)]
    rules = [T.landsea_compatible(str(u), str(c)) if ok else ("conforms", "不作判断", "")
             for u, c, ok in zip(use, code, inside, strict=True)]
    rows = rows.assign(code=code, name_zh=name, verdict=[r[0] for r in rules],
                       note=[r[1] for r in rules])
    within, outside = rows[inside], rows[~inside]
    out = []
    for part, check in ((within, "landsea_use"), (outside, "outside_central_area")):
        summed, notes = _noted(part)
        out.append(_finish(reviewer, summed, check=check, notes=notes))
    return pd.concat(out, ignore_index=True)


def land_breakdown(
    projects: gpd.GeoDataFrame, sites: Geoms, kinds: np.ndarray, *,
    land_survey: gpd.GeoDataFrame | None, control_lines: gpd.GeoDataFrame | None,
    engine: Engine,
) -> pd.DataFrame:
    """The area breakdown of each site by the third survey's classes and ownership.

    One row per project and ownership (``all`` first, then ``state``, ``collective``,
    ``unknown`` where present): ``agricultural_m2`` (农用地), of which ``cultivated_m2``
    (耕地), of which ``basic_farmland_m2`` (in the permanent basic farmland line),
    ``construction_m2``, ``unused_m2``, ``surveyed_m2`` and, on the ``all`` row,
    ``not_surveyed_m2``. Without a land survey: one ``all`` row per project, areas missing,
    ``note`` saying so. Point sites have no area.
    """
    ids = projects["project_id"].astype(str).to_numpy(dtype=object)
    areal = np.flatnonzero(kinds != "point")
    if land_survey is None or len(land_survey) == 0:
        frame = pd.DataFrame({"project_id": ids, "ownership": "all"})
        for column in BREAKDOWN_AREAS:
            frame[column] = np.nan
        frame["note"] = "no land survey layer (land_survey, DLTB) in the workspace"
        frame["note_zh"] = "工作空间无三调地类图斑（land_survey），未作地类构成分析"
        return frame
    survey = np.asarray(land_survey.geometry.array)
    pieces = engine.pieces(sites[areal], survey)
    # the third survey's working classification; GB/T 21010 codes resolve in it with the
    # same broad classes (its H1 subdivisions are the only codes it adds)
    broad = classes.lookup(land_survey["class_code"], "sandiao", source="land_survey",
                           column="class_code")
    patch = pieces.right
    codes = broad["value"].astype(str).to_numpy(dtype=object)[patch]
    area = site_area_m2(pieces.geometry, projects.crs)
    rows = pd.DataFrame({
        "project": areal[pieces.left], "ownership": _owners(land_survey)[patch],
        "agricultural_m2": np.where(broad["broad"].to_numpy()[patch] == "agricultural", area,
                                    0.0),
        "cultivated_m2": np.where(pd.Series(codes).str.startswith("01").to_numpy(), area, 0.0),
        "construction_m2": np.where(broad["broad"].to_numpy()[patch] == "construction", area,
                                    0.0),
        "unused_m2": np.where(broad["broad"].to_numpy()[patch] == "unused", area, 0.0),
        "surveyed_m2": area,
    })
    rows["basic_farmland_m2"] = _in_farmland(pieces.geometry, rows["cultivated_m2"] > 0,
                                             control_lines, engine, projects.crs)
    return _breakdown_table(rows, ids, kinds, sites, projects.crs)


def _owners(survey: gpd.GeoDataFrame) -> np.ndarray:
    """Ownership of each survey patch from QSXZ (``ownership``) by its first digit."""
    if "ownership" not in survey.columns:
        return np.full(len(survey), "unknown", dtype=object)
    table = T.table("ownership.csv")
    owner = dict(zip(table["code"], table["owner"], strict=True))
    first = classes.normalize_codes(survey["ownership"]).fillna("").str[:1]
    return first.map(lambda c: owner.get(c, "unknown")).to_numpy(dtype=object)


def _in_farmland(pieces: Geoms, cultivated: pd.Series, lines: gpd.GeoDataFrame | None,
                 engine: Engine, crs: object) -> np.ndarray:
    """Area of each cultivated piece inside the permanent basic farmland line."""
    out = np.zeros(len(pieces))
    if lines is None or not len(lines) or not cultivated.any():
        return out
    farmland = lines[lines["line_type"].astype(str) == "permanent_basic_farmland"]
    if not len(farmland):
        return out
    mask = shapely.get_parts(shapely.union_all(np.asarray(farmland.geometry.array)))
    which = np.flatnonzero(cultivated.to_numpy())
    inside = engine.pieces(pieces[which], mask)
    np.add.at(out, which[inside.left], site_area_m2(inside.geometry, crs))
    return out


def _breakdown_table(rows: pd.DataFrame, ids: np.ndarray, kinds: np.ndarray, sites: Geoms,
                     crs: object) -> pd.DataFrame:
    columns = [c for c in BREAKDOWN_AREAS if c != "not_surveyed_m2"]
    by_owner = rows.groupby(["project", "ownership"], as_index=False)[columns].sum()
    total = rows.groupby("project", as_index=False)[columns].sum().assign(ownership="all")
    table = pd.concat([total, by_owner], ignore_index=True)
    order = {k: i for i, k in enumerate(OWNERSHIP_ZH)}
    everyone = pd.DataFrame({"project": np.arange(len(ids)), "ownership": "all"})
    table = everyone.merge(table, on=["project", "ownership"], how="outer")
    site = np.where(kinds == "point", np.nan, site_area_m2(sites, crs))
    table[columns] = table[columns].fillna(0.0)
    point = kinds[table["project"].to_numpy(int)] == "point"
    table.loc[point, columns] = np.nan
    all_rows = (table["ownership"] == "all").to_numpy()
    table["not_surveyed_m2"] = np.where(
        all_rows, np.maximum(site[table["project"].to_numpy(int)] - table["surveyed_m2"], 0.0),
        np.nan)
    table = table.assign(_o=table["ownership"].map(order)).sort_values(["project", "_o"])
    table.insert(0, "project_id", ids[table["project"].to_numpy(int)])
    table["note"] = ""
    table["note_zh"] = ""
    return table.drop(columns=["project", "_o"]).reset_index(drop=True)[
        ["project_id", "ownership", *BREAKDOWN_AREAS, "note", "note_zh"]]
