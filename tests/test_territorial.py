"""The territorial review: designed conflicts of the sample (areas from an independent
geopandas overlay), the plan's own conflicts, standard layer names of a File Geodatabase, the
area breakdown from a land survey, outputs, and the two-plans check left as it was."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import box

import planning
from planning.io import read_grid

DATA = Path(__file__).parent / "data"

#: every conflict the sample's territorial plan was drawn to have (project, check, code)
DESIGNED = {
    # a road across permanent basic farmland
    ("TQ-001", "territorial_line", "permanent_basic_farmland"),
    # a site in the ecological red line: the memorial's new hall, and the other sites the
    # sample's red line reaches (Sunkou's water works, Wuba's south-east corner, the
    # flood-control road on the floodplain)
    ("TQ-002", "territorial_line", "ecological_red_line"), ("TQ-002", "planning_zone", "01"),
    ("TQ-013", "territorial_line", "ecological_red_line"), ("TQ-013", "planning_zone", "01"),
    ("TQ-016", "territorial_line", "ecological_red_line"), ("TQ-016", "planning_zone", "01"),
    ("TQ-025", "territorial_line", "ecological_red_line"), ("TQ-025", "planning_zone", "01"),
    # housing sites outside the development boundary: the resettlement housing on the farmland
    # the territorial plan kept, the west-suburb community on a village
    ("TQ-008", "territorial_line", "permanent_basic_farmland"),
    ("TQ-008", "planning_zone", "03"), ("TQ-008", "landsea_use", "0103"),
    ("TQ-020", "planning_zone", "0501"), ("TQ-020", "landsea_use", "0703"),
    # a use not allowed in its planning zone: new rural communities on general farmland
    ("TQ-019", "planning_zone", "0502"),
    ("TQ-022", "planning_zone", "0502"), ("TQ-022", "planning_zone", "03"),
    ("TQ-022", "territorial_line", "permanent_basic_farmland"),
    # a class incompatible with the land/sea use: worker housing on industrial land
    ("TQ-011", "landsea_use", "1001"),
}


@pytest.fixture(scope="module")
def ws() -> planning.Workspace:
    return planning.load_sample()


@pytest.fixture(scope="module")
def report(ws: planning.Workspace) -> planning.ConformityReport:
    return planning.check_conformity(ws, system="territorial", boundary_quota_mu=40_000)


def _sites(projects: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Project sites drawn independently: lines buffered by half their width, flat ends."""
    sites = projects[["project_id", "width_m", "geometry"]].copy()
    lines = sites.geom_type.isin(["LineString", "MultiLineString"])
    sites.loc[lines, "geometry"] = sites[lines].apply(
        lambda r: r.geometry.buffer(r.width_m / 2, cap_style="flat"), axis=1)
    return sites


def _oracle(ws: planning.Workspace, project: str, check: str, code: str) -> float:
    """The occupied area of geopandas' overlay pieces, ellipsoidal (NaN for a point site
    inside the layer)."""
    site = _sites(ws["projects"])
    site = site[site["project_id"] == project]
    if check == "territorial_line":
        lines = ws["control_lines"]
        layer = lines[lines["line_type"] == code].dissolve()
    elif check == "planning_zone":
        zones = ws["planning_zones"]
        layer = zones[zones["zone_code"] == code]
    else:
        use = ws["landsea_use"]
        layer = use[use["class_code"] == code]
    if site.geom_type.iloc[0] == "Point":
        assert layer.intersects(site.geometry.iloc[0]).any()
        return float("nan")
    pieces = gpd.overlay(site[["geometry"]], layer[["geometry"]], how="intersection",
                         keep_geom_type=True)
    return float(planning.ellipsoidal_area(pieces).sum())


def test_the_review_finds_every_designed_conflict_and_no_other(
    ws: planning.Workspace, report: planning.ConformityReport
) -> None:
    reasons = report.reasons
    found = reasons[(reasons["verdict"] == "conflict") & reasons["counted"]]
    assert set(zip(found["project_id"], found["check"], found["code"], strict=True)) == DESIGNED
    for row in found.itertuples(index=False):
        expected = _oracle(ws, row.project_id, row.check, row.code)
        if np.isnan(expected):
            assert np.isnan(row.area_m2)
        else:
            assert row.area_m2 == pytest.approx(expected, rel=1e-7, abs=0.01), row
    verdicts = report.projects.set_index("project_id")["verdict"]
    assert set(verdicts[verdicts == "conflict"].index) == {p for p, _, _ in DESIGNED}


def test_conditions_and_reasons_in_chinese(report: planning.ConformityReport) -> None:
    by_id = report.projects.set_index("project_id")
    # commerce in a township seat needs the village plan; the landfill needs conversion
    assert set(by_id.index[by_id["verdict"] == "conditional"]) == {"TQ-014", "TQ-015", "TQ-024"}
    text = by_id.loc["TQ-019", "reasons_zh"]
    assert text.startswith("冲突：规划分区0502 一般农业区，占用209.96亩"
                           "（一般农业区内不得新建居民点")
    assert "城镇开发边界（城镇弹性发展区）" in by_id.loc["TQ-009", "reasons_zh"]
    assert by_id.loc["TQ-009", "verdict"] == "conforms"  # a park may use the flexible zone


def test_same_project_list_and_the_two_plans_check_unchanged(
    ws: planning.Workspace, report: planning.ConformityReport
) -> None:
    old = planning.check_conformity(ws)
    assert report.projects["project_id"].tolist() == old.projects["project_id"].tolist()
    assert old.system == "two-plans"
    assert old.territorial_projects is None
    before = pd.read_csv(DATA / "two_plans_sample.csv", dtype={"code": str})
    now = old.reasons.merge(old.projects[["project_id", "verdict"]].rename(
        columns={"verdict": "project_verdict"}), on="project_id")
    assert len(now) == len(before)
    # the same reasons (in any order); areas now ellipsoidal, 0.026 % below the planar ones
    keys = ["project_id", "check", "code"]
    now = now.assign(code=now["code"].fillna("")).sort_values(keys, ignore_index=True)
    before = before.assign(code=before["code"].fillna("")).sort_values(keys, ignore_index=True)
    for column in ("project_id", "check", "code", "verdict", "counted", "project_verdict"):
        assert now[column].fillna("").astype(str).tolist() == \
            before[column].fillna("").astype(str).tolist(), column
    assert np.allclose(now["area_m2"].astype(float), before["area_m2"], rtol=1e-3, atol=0.01,
                       equal_nan=True)
    patches = old.discrepancies.groupby(["code", "kind", "sub_kind"], dropna=False)[
        "area_m2"].agg(["size", "sum"]).reset_index()
    totals = pd.read_csv(DATA / "two_plans_patches_sample.csv", dtype={"code": str})
    assert patches["size"].tolist() == totals["size"].tolist()
    assert np.allclose(patches["sum"], totals["sum"], rtol=1e-3)
    both = planning.check_conformity(ws, system="both")
    assert both.projects["verdict"].tolist() == old.projects["verdict"].tolist()
    assert both.territorial_projects["verdict"].tolist() == report.projects["verdict"].tolist()


def test_plan_conflicts(ws: planning.Workspace, report: planning.ConformityReport) -> None:
    plan = report.plan_conflicts
    counted = plan[~plan["sliver"]]
    assert counted["check"].value_counts().to_dict() == {
        "line_overlap": 5, "boundary_quota": 1, "zone_overlap": 1, "zone_gap": 1}
    lines = ws["control_lines"]
    farmland = lines[lines["line_type"] == "permanent_basic_farmland"].dissolve()
    boundary = lines[lines["line_type"] == "urban_development_boundary"].dissolve()
    inside = gpd.overlay(farmland[["geometry"]], boundary[["geometry"]], how="intersection",
                         keep_geom_type=True)
    pbf = counted[counted["what"] == "永久基本农田与城镇开发边界重叠"]
    assert pbf["area_m2"].sum() == pytest.approx(float(planning.ellipsoidal_area(inside).sum()),
                                                 rel=1e-7)
    quota = counted[counted["check"] == "boundary_quota"].iloc[0]
    assert quota["area_mu"] == pytest.approx(
        float(planning.ellipsoidal_area(boundary).sum()) * 15 / 10_000 - 40_000)
    gap = counted[counted["check"] == "zone_gap"].iloc[0]
    assert gap.geometry.area == pytest.approx(6_000.0)  # the designed hole, in the plane
    hole = gpd.GeoSeries([gap.geometry], crs=plan.crs)
    assert gap["area_m2"] == pytest.approx(float(planning.ellipsoidal_area(hole).iloc[0]))
    assert gap["area_m2"] == pytest.approx(6_000.0, rel=5e-4)  # 0.026 % smaller at Taiqian
    overlap = counted[counted["check"] == "zone_overlap"].iloc[0]
    oracle = planning.overlay.overlaps(ws["planning_zones"], "zone_id")
    largest = oracle.loc[[oracle["area_m2"].idxmax()]]
    assert overlap["area_m2"] == pytest.approx(float(planning.ellipsoidal_area(largest).iloc[0]))
    # the slivers are digitising noise along the county boundary, listed and not counted
    assert plan.loc[plan["sliver"], "area_m2"].max() < planning.settings.sliver_area_m2


def _standard_gdb(ws: planning.Workspace, path: Path) -> Path:
    """A File Geodatabase as a bureau hands it in: standard layer and field names, lon/lat."""
    zones = ws["planning_zones"]
    lines = ws["control_lines"]
    kinds = {"concentrated": ("0401", "城镇集中建设区"), "flexible": ("0402", "城镇弹性发展区"),
             "special": ("0403", "特别用途区")}
    boundary = lines[lines["line_type"] == "urban_development_boundary"]
    layers = {
        "GHFQ": gpd.GeoDataFrame({"BSM": zones["zone_id"], "GHFQDM": zones["zone_code"],
                                  "GHFQMC": zones["zone_name"]}, geometry=zones.geometry.values,
                                 crs=zones.crs),
        "ZXCQGHYDYH": gpd.GeoDataFrame(
            {"BSM": ws["landsea_use"]["patch_id"], "YDYHFLDM": ws["landsea_use"]["class_code"],
             "YDYHFLMC": ws["landsea_use"]["class_name"]},
            geometry=ws["landsea_use"].geometry.values, crs=zones.crs),
        "STBHHX": lines[lines["line_type"] == "ecological_red_line"][["geometry"]].assign(
            BSM="410927STBHHX0001", MC="黄河湿地生态保护红线"),
        "YJJBNTBHTB": lines[lines["line_type"] == "permanent_basic_farmland"][["geometry"]]
        .assign(BSM=lambda f: [f"410927JBNT{i:04d}" for i in range(len(f))], DLBM="0103"),
        "CZKFBJ": boundary[["geometry"]].assign(
            BSM=lambda f: [f"410927CZKFBJ{i:02d}" for i in range(len(f))],
            GHFQDM=[kinds[k][0] for k in boundary["boundary_zone"]],
            GHFQMC=[kinds[k][1] for k in boundary["boundary_zone"]]),
    }
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame.to_crs(4490), path, layer=name, driver="OpenFileGDB")
    return path


def test_file_geodatabase_with_standard_names_opens_as_a_contract_workspace(
    ws: planning.Workspace, tmp_path: Path
) -> None:
    gdb = _standard_gdb(ws, tmp_path / "410927台前县国土空间总体规划.gdb")
    opened = planning.open_workspace(gdb)
    assert sorted(opened.layers) == ["control_lines", "landsea_use", "planning_zones"]
    zones, use, lines = (opened[n] for n in ("planning_zones", "landsea_use", "control_lines"))
    assert opened.crs.to_epsg() == 4548
    assert {"zone_id", "zone_code", "zone_name", "GHFQDM"} <= set(zones.columns)
    assert zones["zone_id"].tolist() == ws["planning_zones"]["zone_id"].tolist()
    assert {"patch_id", "class_code", "class_name"} <= set(use.columns)
    assert lines["line_type"].value_counts().to_dict() == \
        ws["control_lines"]["line_type"].value_counts().to_dict()
    kinds = lines.loc[lines["line_type"] == "urban_development_boundary", "boundary_zone"]
    assert sorted(kinds) == ["concentrated", "flexible", "special"]
    assert lines.loc[lines["line_type"] == "ecological_red_line", "name_zh"].tolist() == \
        ["黄河湿地生态保护红线"]
    assert abs(zones.area.sum() - ws["planning_zones"].area.sum()) < 1.0  # m2, after lon/lat
    opened.add_layer("projects", ws["projects"])
    review = planning.check_conformity(opened, system="territorial")
    assert review.projects["verdict"].tolist() == \
        planning.check_conformity(ws, system="territorial").projects["verdict"].tolist()


def test_standard_layer_names_map_to_the_contract() -> None:
    table = planning.io.standard_layers().set_index("layer")
    assert table.loc["YJJBNTBHTB", "line_type"] == "permanent_basic_farmland"
    assert table.loc["ZXCQGHYDYH", "contract"] == "landsea_use"
    schema = planning.io.layer_schema("CZKFBJ").set_index("field")
    assert schema.loc["GHFQDM", "column"] == "zone_code"
    red = gpd.GeoDataFrame({"BSM": ["1"]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4548")
    kept = gpd.GeoDataFrame({"line_type": ["ecological_red_line"]},
                            geometry=[box(0, 0, 1, 1)], crs="EPSG:4548")
    out, renamed = planning.io.map_layers({"control_lines": kept, "stbhhx": red})
    assert renamed == {}  # nothing replaced
    assert list(out) == ["control_lines", "stbhhx"]


def _survey_case() -> dict[str, gpd.GeoDataFrame]:
    crs = "EPSG:4548"
    site = box(400000, 3980000, 400200, 3980100)  # 20,000 m2
    survey = gpd.GeoDataFrame(
        {"class_code": ["0103", "0103", "0702", "1101"], "ownership": ["20", "10", "20", "10"]},
        geometry=[box(400000, 3980000, 400080, 3980100), box(400080, 3980000, 400100, 3980100),
                  box(400100, 3980000, 400150, 3980100), box(400150, 3980000, 400180, 3980100)],
        crs=crs)
    lines = gpd.GeoDataFrame({"line_id": ["L1"], "line_type": ["permanent_basic_farmland"],
                              "name_zh": ["永久基本农田"]},
                             geometry=[box(400040, 3979000, 400090, 3981000)], crs=crs)
    projects = gpd.GeoDataFrame({"project_id": ["P1", "P2"], "land_class": ["M1", "U11"],
                                 "name_zh": ["厂房", "泵站"]},
                                geometry=[site, shapely.Point(400010, 3980010)], crs=crs)
    return {"projects": projects, "land_survey": survey, "control_lines": lines}


def test_land_breakdown_by_class_and_ownership() -> None:
    case = _survey_case()
    report = planning.check_conformity(case, system="territorial")
    rows = report.land_breakdown.set_index(["project_id", "ownership"])
    total = rows.loc[("P1", "all")]
    # areas are ellipsoidal: over 200 m the areal scale is one number (to 1e-9)
    site = case["projects"].iloc[[0]]
    k = float(planning.ellipsoidal_area(site).iloc[0]) / float(site.area.iloc[0])
    assert 0.9997 < k < 0.9998  # 100 km west of 114°E at 36°N
    assert total["agricultural_m2"] == pytest.approx(10_000 * k)
    assert total["unused_m2"] == pytest.approx(3_000 * k)  # 1101 river water
    assert total["cultivated_m2"] == pytest.approx(10_000 * k)
    assert total["basic_farmland_m2"] == pytest.approx(5_000 * k)  # 0103 under the line
    assert total["construction_m2"] == pytest.approx(5_000 * k)
    assert total["not_surveyed_m2"] == pytest.approx(2_000 * k)
    assert rows.loc[("P1", "state"), "cultivated_m2"] == pytest.approx(2_000 * k)
    assert rows.loc[("P1", "collective"), "cultivated_m2"] == pytest.approx(8_000 * k)
    assert rows.loc[("P1", "collective"), "construction_m2"] == pytest.approx(5_000 * k)
    assert np.isnan(rows.loc[("P2", "all"), "surveyed_m2"])  # a point site has no area
    by_class = total[["agricultural_m2", "construction_m2", "unused_m2"]].sum()
    assert by_class == pytest.approx(total["surveyed_m2"])


def test_without_planning_zones_the_boundary_judges(ws: planning.Workspace) -> None:
    frames = {"projects": ws["projects"], "control_lines": ws["control_lines"]}
    report = planning.check_conformity(frames, system="territorial")
    reasons = report.reasons.set_index(["project_id", "check"])
    outside = report.reasons[report.reasons["check"] == "outside_development_boundary"]
    # housing and commerce outside the boundary (the sample draws one for the county seat
    # only, so the township seats' shops are outside it too); roads and services may be
    assert set(outside["project_id"]) == {"TQ-008", "TQ-014", "TQ-015", "TQ-020"}
    assert set(outside["verdict"]) == {"conflict"}
    park = reasons.loc[("TQ-009", "territorial_line")]
    assert park["code"] == "urban_development_boundary:flexible"
    assert park["verdict"] == "conforms"  # green space may use the flexible zone
    assert "无三调地类图斑" in report.land_breakdown["note_zh"].iloc[0]


def test_errors_name_what_to_do(ws: planning.Workspace) -> None:
    with pytest.raises(planning.WorkspaceError, match="system must be one of"):
        planning.check_conformity(ws, system="territory")
    with pytest.raises(planning.WorkspaceError, match="at least one of the territorial"):
        planning.check_conformity({"projects": ws["projects"]}, system="territorial")
    bad = ws["planning_zones"].assign(zone_code="99")
    with pytest.raises(planning.UnknownCodeError, match=r"planning_zones\.csv"):
        planning.check_conformity({"projects": ws["projects"], "planning_zones": bad},
                                  system="territorial")
    with pytest.raises(planning.InputError, match="boundary_quota_mu"):
        planning.check_conformity(ws, system="territorial", boundary_quota_mu=-1)


def test_conflict_ledger_sheets_are_chinese(report: planning.ConformityReport,
                                            tmp_path: Path) -> None:
    path = report.to_excel(tmp_path / "国土审查.xlsx")
    names = ["国土空间规划审查", "国土审查原因", "用地构成", "规划自身冲突"]
    text = []
    for name in names:
        grid = read_grid(path, sheet=name)
        text += [str(v) for row in grid.rows for v in row if v is not None]
    joined = " ".join(text)
    for internal in ("permanent_basic_farmland", "territorial_line", "conflict", "concentrated"):
        assert internal not in joined
    assert "冲突" in joined
    assert "永久基本农田" in joined
    gpkg = report.to_gpkg(tmp_path / "t.gpkg")
    assert {"projects", "reasons", "land_breakdown", "plan_conflicts"} <= set(
        pyogrio.list_layers(gpkg)[:, 0])


def test_meeting_map_and_briefing(ws: planning.Workspace, tmp_path: Path) -> None:
    both = planning.check_conformity(ws, system="both")
    html = planning.save_map(planning.meeting_map(ws, both, on="2011-12-17"),
                             tmp_path / "m.html").read_text(encoding="utf-8")
    for text in ("规划分区 Planning zones", "用地用海 Land/sea use", "开发边界分区 Boundary zones",
                 "0401 城镇集中建设区", "1001 工业用地",
                 '"国土空间规划审查"'):  # the popup's field, in Chinese (docs/webmap.md)
        assert text in html
    briefing = ws.ledger.briefing(on="2011-12-17", report=both)
    assert "五（续）、国土空间规划审查" in briefing.to_html()
    assert set(briefing.territorial_conflicts["project_id"]) == set(
        both.territorial_projects.loc[both.territorial_projects["verdict"] != "conforms",
                                      "project_id"])


def test_every_area_in_the_workbook_is_in_m2_mu_and_ha(ws: planning.Workspace,
                                                      tmp_path: Path) -> None:
    """Each area the conflict ledger reports comes in 平方米, 亩 and 公顷 (ellipsoidal), and
    the three agree row by row."""
    both = planning.check_conformity(ws, system="both")
    path = both.to_excel(tmp_path / "both.xlsx")
    units = {"(平方米)": 1.0, "(亩)": 15 / 10_000, "(公顷)": 1 / 10_000}
    checked = 0
    for name in ("冲突台账", "面积核对", "项目审查", "审查原因", "国土空间规划审查",
                 "国土审查原因", "用地构成", "规划自身冲突"):
        grid = read_grid(path, sheet=name)
        header = [str(h) for h in grid.rows[0]]
        areas = {h[: -len("(亩)")] for h in header if h.endswith("(亩)")}
        assert areas, name
        for stem in areas:
            assert all(stem + unit in header for unit in units), (name, stem, header)
            cols = {unit: header.index(stem + unit) for unit in units}
            for row in grid.rows[1:]:
                if row[cols["(平方米)"]] is None:
                    continue
                m2 = float(row[cols["(平方米)"]])
                for unit, factor in units.items():
                    assert float(row[cols[unit]]) == pytest.approx(m2 * factor, abs=1e-3)
                checked += 1
    assert checked > 100
    # and the figures are the ellipsoidal ones of the sites
    sites = _sites(ws["projects"]).set_index("project_id")
    review = both.territorial_projects.set_index("project_id")
    areal = review["site_area_m2"].notna()
    expected = planning.ellipsoidal_area(sites.loc[review.index[areal]])
    assert np.allclose(review.loc[areal, "site_area_m2"], expected, rtol=1e-9)
