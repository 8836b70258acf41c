"""Project compliance review against the plans (internals of :mod:`planning.conformity`).

Each project site is checked against every layer given; each finding is a *reason* row
(project, check, code, verdict, occupied area). A project's verdict is the worst verdict of
its counted reasons: conflict > conditional > conforms.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from planning import classes
from planning._core.units import HA_PER_M2, MU_PER_M2
from planning._errors import InputError, Problem, UnknownCodeError
from planning._validate import Checker, check_columns, check_geometries, check_unique
from planning.areas import ellipsoidal_area
from planning.conformity._patches import (
    Plans,
    check_plans,
    construction,
    split_by,
)
from planning.overlay import Engine, Geoms

#: The three control lines and what occupying them means for a project.
LINE_VERDICTS = {
    "permanent_basic_farmland": "conflict",
    "ecological_red_line": "conflict",
    "urban_development_boundary": "conforms",
}
LINE_NAMES = {
    "permanent_basic_farmland": "永久基本农田",
    "ecological_red_line": "生态保护红线",
    "urban_development_boundary": "城镇开发边界",
}
#: Major GB 50137 classes of urban construction land: such projects belong inside the
#: urban development boundary.
URBAN_CLASSES = ("R", "A", "B", "M", "W", "S", "U", "G")
SEVERITY = {"conforms": 0, "conditional": 1, "conflict": 2}
VERDICT_ZH = {"conforms": "符合", "conditional": "有条件符合", "conflict": "冲突"}
CHECK_ZH = {
    "control_zone": "建设用地管制区",
    "landuse_zone": "土地用途区",
    "landuse_class": "土规用地性质",
    "urban_class": "城规用地性质",
    "outside_urban_plan": "城规范围外",
    "control_line": "控制线",
    "outside_development_boundary": "城镇开发边界外",
    "development_plan": "发展规划",
}
#: The columns of a reason; areas are ellipsoidal (:func:`planning.ellipsoidal_area`).
REASON_COLUMNS = ["project_id", "check", "code", "name_zh", "verdict", "area_m2", "area_mu",
                  "area_ha", "counted", "detail", "detail_zh"]


def check_projects_frame(
    projects: object,
    *,
    urban_plan: object,
    landuse_plan: object,
    control_zones: object = None,
    control_lines: object = None,
    plan_key: str | None = "fyp12",
    min_area_m2: float = 1.0,
    urban_classification: classes.Classification = "gb50137",
    land_classification: classes.Classification = "tdt1024",
    engine: Engine,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Return (one row per project, its reasons); see :func:`planning.conformity.check_projects`.

    The overlays of the sites with the plan layers run on ``engine``.
    """
    if not math.isfinite(min_area_m2) or min_area_m2 < 0:
        msg = f"min_area_m2 must be a non-negative number of m2, got {min_area_m2!r}."
        raise InputError(msg)
    problems = _project_problems(projects, plan_key, control_lines)
    plans = check_plans(
        {"urban_plan": urban_plan, "landuse_plan": landuse_plan, "control_zones": control_zones,
         "control_lines": control_lines, "projects": projects},
        urban_classification=urban_classification, land_classification=land_classification,
        coverages=("urban_plan", "landuse_plan", "control_zones"), extra_problems=problems,
        extra_code_problems=_unknown_land_classes(projects, urban_classification),
    )
    frame = projects if isinstance(projects, gpd.GeoDataFrame) else gpd.GeoDataFrame()
    class_rows = classes.lookup(frame["land_class"], urban_classification, source="projects",
                                column="land_class")
    sites, kinds = _sites(frame)
    reviewer = _Reviewer(frame, sites, kinds, min_area_m2=min_area_m2, engine=engine)
    reasons = [
        reviewer.control_zones(control_zones),
        reviewer.landuse(plans),
        urban := reviewer.urban(plans, class_rows),
        reviewer.control_lines(control_lines, class_rows,
                               in_urban_plan=set(urban.loc[urban["check"] == "urban_class",
                                                           "project_id"])),
        _development_plan(frame, plan_key),
    ]
    table = pd.concat([r for r in reasons if len(r)], ignore_index=True) if any(
        len(r) for r in reasons) else pd.DataFrame(columns=REASON_COLUMNS)
    table = _order_reasons(table, frame)
    return _per_project(frame, table, kinds, sites), table


def _project_problems(
    projects: object, plan_key: str | None, control_lines: object
) -> list[Problem]:
    """Problems of the projects layer (and of control line types), not raised here."""
    checker = Checker()
    if not isinstance(projects, gpd.GeoDataFrame):
        return []
    required = ["project_id", "land_class"] + (["listed_in"] if plan_key else [])
    check_columns(projects, required, "projects", checker)
    check_geometries(projects, "projects", checker, id_column="project_id", allowed=(
        "Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"))
    check_unique(projects, "project_id", "projects", checker)
    lines = projects.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()
    widths = (pd.to_numeric(projects["width_m"], errors="coerce").to_numpy(float)
              if "width_m" in projects else np.full(len(projects), np.nan))
    for i in np.flatnonzero(lines & ~(widths > 0)):
        checker.add(Problem(
            "projects", "a line project needs a positive width in metres (width_m) so that "
            "its site can be drawn", row=int(i), column="width_m",
            value=str(projects["project_id"].iloc[i]) if "project_id" in projects else None))
    if isinstance(control_lines, gpd.GeoDataFrame):
        if "line_type" not in control_lines:
            checker.add(Problem("control_lines", "required column is missing",
                                column="line_type"))
        else:
            for value in sorted(set(control_lines["line_type"].astype(str)) - set(LINE_VERDICTS)):
                checker.add(Problem("control_lines", "unknown line type; use one of "
                                    + ", ".join(LINE_VERDICTS), column="line_type", value=value))
    return checker.problems


def _sites(frame: gpd.GeoDataFrame) -> tuple[Geoms, npt.NDArray[np.object_]]:
    """The site of each project: polygons as drawn, lines buffered by half their width
    (flat ends), points as points."""
    geoms = np.asarray(frame.geometry.array).copy()
    types = frame.geom_type.to_numpy(dtype=object)
    kinds = np.where(np.isin(types, ["Point", "MultiPoint"]), "point",
                     np.where(np.isin(types, ["LineString", "MultiLineString"]), "line",
                              "polygon")).astype(object)
    lines = kinds == "line"
    if lines.any():
        widths = pd.to_numeric(frame["width_m"], errors="coerce").to_numpy(float)[lines]
        geoms[lines] = shapely.buffer(geoms[lines], widths / 2, cap_style="flat")
    return geoms, kinds


class _Reviewer:
    """Occupied areas of the project sites in the zones of each layer."""

    def __init__(self, frame: gpd.GeoDataFrame, sites: Geoms, kinds: npt.NDArray[np.object_],
                 *, min_area_m2: float, engine: Engine) -> None:
        self.ids = frame["project_id"].astype(str).to_numpy(dtype=object)
        self.sites, self.kinds = sites, kinds
        self.areal = np.flatnonzero(kinds != "point")
        self.points = np.flatnonzero(kinds == "point")
        self.min_area_m2, self.engine = min_area_m2, engine
        self.crs = frame.crs

    def occupied(self, zones: Geoms, *, outside: bool = False) -> pd.DataFrame:
        """Rows (project, zone, area_m2): areas of site pieces per zone (zone -1: outside
        every zone, with ``outside=True``); points get NaN areas."""
        areal = self.sites[self.areal]
        if outside:
            split = split_by(areal, zones, engine=self.engine)
        else:
            split = self.engine.pieces(areal, zones)
        rows = pd.DataFrame({"project": self.areal[split.left], "zone": split.right,
                             "area_m2": ellipsoidal_area(split.geometry, crs=self.crs)
                             .to_numpy()})
        rows = pd.DataFrame(rows.groupby(["project", "zone"], as_index=False)["area_m2"].sum())
        tree = shapely.STRtree(zones)
        p_idx, z_idx = tree.query(self.sites[self.points], predicate="intersects")
        found = pd.DataFrame({"project": self.points[p_idx], "zone": z_idx, "area_m2": np.nan})
        if outside:
            missing = np.setdiff1d(np.arange(len(self.points)), p_idx)
            found = pd.concat([found, pd.DataFrame({"project": self.points[missing], "zone": -1,
                                                    "area_m2": np.nan})])
        return pd.concat([rows, found], ignore_index=True)

    def reasons(self, rows: pd.DataFrame, *, check: str) -> pd.DataFrame:
        """Finish reason rows that already hold project, code, name_zh, verdict, area_m2."""
        if rows.empty:
            return pd.DataFrame(columns=REASON_COLUMNS)
        area = rows["area_m2"].to_numpy(float)
        point = np.isnan(area)
        out = pd.DataFrame({
            "project_id": self.ids[rows["project"].to_numpy(int)],
            "check": check,
            "code": rows["code"].astype(str).to_numpy(),
            "name_zh": rows["name_zh"].astype(str).to_numpy(),
            "verdict": rows["verdict"].to_numpy(),
            "area_m2": area,
            "area_mu": area * MU_PER_M2,
            "area_ha": area * HA_PER_M2,
            "counted": point | (area >= self.min_area_m2),
        })
        out["detail"] = [_detail(r) for r in out.itertuples(index=False)]
        out["detail_zh"] = [_detail_zh(r) for r in out.itertuples(index=False)]
        return out

    def control_zones(self, layer: object) -> pd.DataFrame:
        if not isinstance(layer, gpd.GeoDataFrame):
            return pd.DataFrame(columns=REASON_COLUMNS)
        table = classes.lookup(layer["zone_code"], "control_zones", source="control_zones",
                               column="zone_code")
        rows = self.occupied(np.asarray(layer.geometry.array))
        zone = rows["zone"].to_numpy(int)
        rows = rows.assign(code=table["code"].to_numpy()[zone],
                           name_zh=table["name_zh"].to_numpy()[zone],
                           verdict=table["verdict"].to_numpy()[zone])
        return self.reasons(_sum(rows), check="control_zone")

    def landuse(self, plans: Plans) -> pd.DataFrame:
        rows = self.occupied(np.asarray(plans.land.geometry.array))
        zone = rows["zone"].to_numpy(int)
        built = construction(plans.land_rows, "landuse_plan")[zone]
        classes_ = rows.assign(
            code=plans.land_rows["code"].to_numpy()[zone],
            name_zh=plans.land_rows["name_zh"].to_numpy()[zone],
            verdict=np.where(built, "conforms", "conditional"))
        out = [self.reasons(_sum(classes_), check="landuse_class")]
        if plans.zone_rows is not None:
            zr = plans.zone_rows
            zones = rows.assign(code=zr["code"].to_numpy()[zone],
                                name_zh=zr["name_zh"].to_numpy()[zone],
                                verdict=zr["project_verdict"].to_numpy()[zone])
            out.append(self.reasons(_sum(zones), check="landuse_zone"))
        return pd.concat(out, ignore_index=True)

    def urban(self, plans: Plans, class_rows: pd.DataFrame) -> pd.DataFrame:
        rows = self.occupied(np.asarray(plans.urban.geometry.array), outside=True)
        zone = rows["zone"].to_numpy(int)
        inside = zone >= 0
        project_class = class_rows["value"].to_numpy(dtype=object)[rows["project"].to_numpy(int)]
        zoned = np.where(inside, plans.urban_rows["value"].to_numpy(dtype=object)[
            np.maximum(zone, 0)], "")
        verdict = [classes.compatible(str(p), str(z))[0] if ok else "conforms"
                   for p, z, ok in zip(project_class, zoned, inside, strict=True)]
        names = np.where(inside, plans.urban_rows["name_zh"].to_numpy(dtype=object)[
            np.maximum(zone, 0)], "城规范围外")
        rows = rows.assign(code=zoned, name_zh=names, verdict=verdict)
        found = _sum(rows)
        inside_rows = found[found["code"] != ""]
        outside_rows = found[found["code"] == ""]
        return pd.concat([self.reasons(inside_rows, check="urban_class"),
                          self.reasons(outside_rows, check="outside_urban_plan")],
                         ignore_index=True)

    def control_lines(
        self, layer: object, class_rows: pd.DataFrame, *, in_urban_plan: set[str]
    ) -> pd.DataFrame:
        if not isinstance(layer, gpd.GeoDataFrame) or len(layer) == 0:
            return pd.DataFrame(columns=REASON_COLUMNS)
        out = []
        for line_type, line_verdict in LINE_VERDICTS.items():
            part = layer[layer["line_type"].astype(str) == line_type]
            if len(part) == 0:
                continue
            mask = shapely.get_parts(shapely.union_all(np.asarray(part.geometry.array)))
            rows = self.occupied(mask, outside=line_type == "urban_development_boundary")
            inside = rows["zone"].to_numpy(int) >= 0
            line_rows = rows[inside].assign(code=line_type, name_zh=LINE_NAMES[line_type],
                                            verdict=line_verdict)
            out.append(self.reasons(_sum(line_rows), check="control_line"))
            if line_type == "urban_development_boundary":
                # the boundary belongs to the urban plan's area: urban uses there must be
                # inside it (projects of other towns answer to their own town plans)
                urban_use = (class_rows["value"].astype(str).str[0].isin(URBAN_CLASSES)
                             & pd.Series(self.ids).isin(in_urban_plan)).to_numpy()
                outside = rows[~inside & urban_use[rows["project"].to_numpy(int)]]
                outside = outside.assign(code=line_type, name_zh="城镇开发边界外",
                                         verdict="conditional")
                out.append(self.reasons(_sum(outside), check="outside_development_boundary"))
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=REASON_COLUMNS)


def _sum(rows: pd.DataFrame) -> pd.DataFrame:
    """Sum areas per project and code (NaN stays NaN for points)."""
    if rows.empty:
        return rows
    return pd.DataFrame(rows.groupby(["project", "code", "name_zh", "verdict"], as_index=False,
                                     sort=False)["area_m2"].sum(min_count=1))


def _development_plan(frame: gpd.GeoDataFrame, plan_key: str | None) -> pd.DataFrame:
    if not plan_key:
        return pd.DataFrame(columns=REASON_COLUMNS)
    listed = frame["listed_in"].fillna("").astype(str).str.split(";").map(
        lambda keys: plan_key in [k.strip() for k in keys])
    out = pd.DataFrame({
        "project_id": frame["project_id"].astype(str).to_numpy(),
        "check": "development_plan",
        "code": plan_key,
        "name_zh": "发展规划项目库",
        "verdict": np.where(listed, "conforms", "conditional"),
        "area_m2": np.nan,
        "area_mu": np.nan,
        "area_ha": np.nan,
        "counted": True,
    })
    out["detail"] = np.where(listed, f"listed in the development plan ({plan_key})",
                             f"not listed in the development plan ({plan_key})")
    out["detail_zh"] = np.where(listed, f"已列入发展规划（{plan_key}）",
                                f"未列入发展规划（{plan_key}）")
    return out


def _area_text(area_m2: float, area_mu: float) -> str:
    if math.isnan(area_m2):
        return "point site: checked at the point, area not measured"
    return f"{area_m2:,.1f} m2 ({area_mu:,.2f} mu)"


def _detail(r: Any) -> str:
    check, code, name = r.check, r.code, r.name_zh
    where = {
        "control_zone": f"construction-control zone {code} {name}",
        "landuse_zone": f"land-use zone {code} {name}",
        "landuse_class": f"land-use plan class {code} {name}",
        "urban_class": f"urban plan class {code} {name}",
        "outside_urban_plan": "outside the urban plan's area",
        "control_line": f"control line {name} ({code})",
        "outside_development_boundary": "outside the urban development boundary",
    }.get(str(check), str(check))
    text = f"{r.verdict}: {where}, {_area_text(r.area_m2, r.area_mu)}"
    if not r.counted:
        text += " (below the minimum area, not counted)"
    return text


def _detail_zh(r: Any) -> str:
    area_m2, area_mu = r.area_m2, r.area_mu
    area = "点状选址，按点核查" if math.isnan(area_m2) else f"占用{area_mu:,.2f}亩"
    name = r.name_zh
    code = r.code
    label = CHECK_ZH.get(str(r.check), "")
    subject = name if str(r.check) in ("outside_urban_plan", "control_line",
                                                   "outside_development_boundary") \
        else f"{label}{code} {name}"
    text = f"{VERDICT_ZH[str(r.verdict)]}：{subject}，{area}"
    if not r.counted:
        text += "（小于最小面积，不计入结论）"
    return text


def _order_reasons(table: pd.DataFrame, frame: gpd.GeoDataFrame) -> pd.DataFrame:
    position = {pid: i for i, pid in enumerate(frame["project_id"].astype(str))}
    order = np.lexsort((  # areas equal to the micro-m² are ties, whichever engine ran
        -table["area_m2"].fillna(0).round(6).to_numpy(float),
        -table["verdict"].map(SEVERITY).to_numpy(int),
        table["project_id"].map(position).to_numpy(int),
    ))
    return table.iloc[order].reset_index(drop=True)[REASON_COLUMNS]


def _per_project(
    frame: gpd.GeoDataFrame, table: pd.DataFrame, kinds: npt.NDArray[np.object_], sites: Geoms
) -> gpd.GeoDataFrame:
    counted = table[table["counted"].astype(bool)]
    severity = counted.groupby("project_id")["verdict"].agg(
        lambda v: max(v, key=SEVERITY.__getitem__))
    ids = frame["project_id"].astype(str)
    verdict = ids.map(severity).fillna("conforms")
    n_conflicts = ids.map(counted[counted["verdict"] == "conflict"].groupby("project_id")
                          .size()).fillna(0).astype(int)
    n_conditions = ids.map(counted[counted["verdict"] == "conditional"].groupby("project_id")
                           .size()).fillna(0).astype(int)
    text = table.groupby("project_id")["detail"].agg("; ".join)
    text_zh = table.groupby("project_id")["detail_zh"].agg("；".join)
    area = np.where(kinds == "point", np.nan,
                    ellipsoidal_area(sites, crs=frame.crs).to_numpy())
    out = pd.DataFrame({
        "project_id": ids.to_numpy(),
        "name_zh": frame["name_zh"].to_numpy() if "name_zh" in frame else None,
        "land_class": frame["land_class"].astype(str).to_numpy(),
        "site_kind": kinds,
        "site_area_m2": area,
        "site_area_mu": area * MU_PER_M2,
        "site_area_ha": area * HA_PER_M2,
        "verdict": verdict.to_numpy(),
        "n_conflicts": n_conflicts.to_numpy(),
        "n_conditions": n_conditions.to_numpy(),
        "reasons": ids.map(text).fillna("").to_numpy(),
        "reasons_zh": ids.map(text_zh).fillna("").to_numpy(),
    })
    return gpd.GeoDataFrame(out, geometry=np.asarray(frame.geometry.array), crs=frame.crs)


def _unknown_land_classes(
    projects: object, classification: classes.Classification
) -> list[Problem]:
    """Problems for project land classes that are not GB 50137 codes."""
    if not isinstance(projects, gpd.GeoDataFrame) or "land_class" not in projects:
        return []
    try:
        classes.match_codes(projects["land_class"], classification, source="projects",
                            column="land_class")
    except UnknownCodeError as err:
        return err.problems
    return []
