"""Three plans in one, checked against an independent oracle: geopandas' own overlay and a
classification written out here by hand (GB 50137: E is non-construction; TD/T 1024: 2xx is
construction); ellipsoidal areas against pyproj's Geod (tests/_geod.py)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

import planning
from planning import conformity
from planning._errors import CRSError, GeometryError, InputError, UnknownCodeError, WorkspaceError
from planning.datasets import voronoi_coverage
from tests._geod import geodesic_areas

CRS = "EPSG:4548"


# --- the oracle ----------------------------------------------------------------------------


def oracle_pieces(urban: gpd.GeoDataFrame, land: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    u = urban[["class_code", "geometry"]].rename(columns={"class_code": "u"})
    keep = ["class_code", "landuse_zone", "geometry"] if "landuse_zone" in land else \
        ["class_code", "geometry"]
    lnd = land[keep].rename(columns={"class_code": "l"})
    pieces = gpd.overlay(u, lnd, how="intersection", keep_geom_type=True)
    u_build = ~pieces["u"].astype(str).str.upper().str.startswith("E")
    l_build = pieces["l"].astype(str).str.startswith("2")
    code = np.select([u_build & l_build, ~u_build & ~l_build, l_build & ~u_build],
                     ["01", "02", "03"], default="04")
    reservoir = (code == "03") & (pieces["l"].astype(str) == "226") & \
        pieces["u"].astype(str).str.startswith("E1")
    return pieces.assign(code=code, reservoir=reservoir, area=pieces.area,
                         geodesic=geodesic_areas(pieces))


def oracle_areas(urban: gpd.GeoDataFrame, land: gpd.GeoDataFrame,
                 column: str = "area") -> pd.Series:
    """Area per code of geopandas' pieces: planar (``area``) or by Geod (``geodesic``)."""
    p = oracle_pieces(urban, land)
    key = np.where(p["reservoir"], "reservoir", p["code"])
    return p.groupby(key)[column].sum()


def our_areas(patches: gpd.GeoDataFrame, column: str = "planar_area_m2") -> pd.Series:
    coded = patches[patches["code"].notna()]
    key = np.where(coded["kind"] == "reservoir_water", "reservoir", coded["code"])
    return coded.groupby(key)[column].sum()


@pytest.fixture(scope="module")
def report(sample_ro: planning.Workspace) -> conformity.ConformityReport:
    return planning.check_conformity(sample_ro)


# --- discrepancy patches -------------------------------------------------------------------


def test_sample_codes_match_the_oracle(sample_ro: planning.Workspace,
                                       report: conformity.ConformityReport) -> None:
    urban, land = sample_ro["urban_plan"], sample_ro["landuse_plan"]
    for ours_column, oracle_column in (("planar_area_m2", "area"), ("area_m2", "geodesic")):
        expected = oracle_areas(urban, land, oracle_column)
        ours = our_areas(report.discrepancies, ours_column)
        assert set(ours.index) == set(expected.index) == {"01", "02", "03", "04", "reservoir"}
        for key in expected.index:
            assert ours[key] == pytest.approx(expected[key], rel=1e-6), key
    # the ellipsoidal figure is the smaller one at Taiqian (1.1 degrees west of CM 117 E)
    d = report.discrepancies
    ratio = d["area_m2"].sum() / d["planar_area_m2"].sum()
    assert 0.99973 < ratio < 0.99976


def test_sample_areas_reconcile(sample_ro: planning.Workspace,
                                report: conformity.ConformityReport) -> None:
    urban, land = sample_ro["urban_plan"], sample_ro["landuse_plan"]
    patches, areas, planar = report.discrepancies, report.areas, report.planar_areas
    assert planar is not None
    shared = gpd.overlay(urban, land, how="intersection", keep_geom_type=True)
    urban_only = gpd.overlay(urban, land, how="difference")
    land_only = gpd.overlay(land, urban, how="difference")
    assert planar["both"] == pytest.approx(shared.area.sum(), rel=1e-9)
    assert planar["landuse_plan_only"] == pytest.approx(land_only.area.sum(), rel=1e-9)
    assert planar["urban_plan_only"] == pytest.approx(urban_only.area.sum(), rel=1e-6,
                                                      abs=1e-3)
    assert areas["both"] == pytest.approx(geodesic_areas(shared).sum(), rel=1e-9)
    assert areas["landuse_plan_only"] == pytest.approx(geodesic_areas(land_only).sum(),
                                                       rel=1e-9)
    union = gpd.GeoSeries([shapely.union_all(np.concatenate([urban.geometry.array,
                                                             land.geometry.array]))], crs=CRS)
    assert patches["planar_area_m2"].sum() == pytest.approx(union.area.sum(), rel=1e-9)
    assert patches["area_m2"].sum() == pytest.approx(geodesic_areas(union).sum(), rel=1e-9)
    # sum of the patches = the analysed total, in both measures
    for figures, column, total in ((planar, "planar_area_m2", land.area.sum()),
                                   (areas, "area_m2", geodesic_areas(land).sum())):
        assert figures["both"] + figures["landuse_plan_only"] == pytest.approx(total,
                                                                               rel=1e-9)
        assert report.by_township[column].sum() == pytest.approx(patches[column].sum(),
                                                                 rel=1e-12)
    assert areas["landuse_plan"] == pytest.approx(planning.ellipsoidal_area(land).sum(),
                                                  rel=1e-12)
    np.testing.assert_allclose(patches["area_mu"], patches["area_m2"] * 15 / 10_000)
    np.testing.assert_allclose(patches["area_ha"], patches["area_m2"] / 10_000)
    np.testing.assert_allclose(report.by_township["area_mu"],
                               report.by_township["area_m2"] * 15 / 10_000)


def test_sample_townships_match_the_oracle(sample_ro: planning.Workspace,
                                           report: conformity.ConformityReport) -> None:
    pieces = oracle_pieces(sample_ro["urban_plan"], sample_ro["landuse_plan"])
    towns = sample_ro["townships"][["name_zh", "geometry"]]
    split = gpd.overlay(pieces, towns, how="intersection", keep_geom_type=True)
    expected = split.groupby(["name_zh", "code"])["geometry"].agg(lambda g: g.area.sum())
    table = report.by_township.dropna(subset=["code"])
    ours = table.groupby(["township", "code"])["planar_area_m2"].sum()
    assert set(ours.index) == set(expected.index)
    for key in expected.index:
        assert ours[key] == pytest.approx(expected[key], rel=1e-6, abs=1e-3), key


def test_sample_basic_farmland_sub_kind(sample_ro: planning.Workspace,
                                        report: conformity.ConformityReport) -> None:
    """Conflict area on basic farmland = inside the permanent-farmland lines, plus land-use
    zone 010 outside them."""
    pieces = oracle_pieces(sample_ro["urban_plan"], sample_ro["landuse_plan"])
    conflicts = pieces[pieces["code"].isin(["03", "04"]) & ~pieces["reservoir"]]
    lines = sample_ro["control_lines"]
    farmland = shapely.union_all(
        lines.loc[lines["line_type"] == "permanent_basic_farmland"].geometry.array)
    inside = shapely.area(shapely.intersection(conflicts.geometry.array, farmland))
    outside = shapely.area(shapely.difference(conflicts.geometry.array, farmland))
    expected = inside.sum() + outside[(conflicts["landuse_zone"] == "010").to_numpy()].sum()
    d = report.discrepancies
    ours = d.loc[d["sub_kind"] == "basic_farmland", "planar_area_m2"].sum()
    assert ours == pytest.approx(expected, rel=1e-6)


def test_sample_holds_the_designed_discrepancies(sample_ro: planning.Workspace,
                                                 report: conformity.ConformityReport) -> None:
    d = report.discrepancies
    # the new district east of the county seat: urban construction on farmland, partly basic
    seat_x = sample_ro["builtup_area"].geometry.union_all().centroid.x
    new_district = d[(d["code"] == "04") & (d["township"] == "城关镇") & ~d["sliver"]]
    on_basic = new_district[new_district["sub_kind"] == "basic_farmland"]
    assert on_basic["area_mu"].sum() > 100
    assert on_basic.geometry.union_all().centroid.x > seat_x
    assert (new_district["sub_kind"] == "other_farmland").any()
    # the reservoir: TD/T 226 against GB 50137 E12, its own kind, not a conflict
    reservoir = d[d["kind"] == "reservoir_water"]
    assert len(reservoir)
    assert not reservoir["conflict"].any()
    assert set(reservoir["land_class"]) == {"226"}
    assert set(reservoir["urban_class"]) == {"E12"}
    assert not d[d["conflict"] & (d["land_class"] == "226")].shape[0]
    # village land (212) that the urban plan turns into farmland (E2): 03
    village = d[(d["code"] == "03") & (d["land_class"] == "212") & (d["urban_class"] == "E2")]
    assert village["conflict"].all()
    assert village["area_mu"].sum() > 10


def test_slivers_are_flagged_not_dropped() -> None:
    x, y = 397_000.0, 3_983_000.0
    urban = gpd.GeoDataFrame({"zone_id": ["U1"], "class_code": ["R2"]}, crs=CRS,
                             geometry=[shapely.box(x, y, x + 100, y + 100)])
    land = gpd.GeoDataFrame({"patch_id": ["L1", "L2"], "class_code": ["11", "211"]}, crs=CRS,
                            geometry=[shapely.box(x, y, x + 99.5, y + 100),
                                      shapely.box(x + 99.5, y, x + 200, y + 100)])
    patches = planning.discrepancies(urban, land)
    by_code = patches.set_index("code", drop=False)
    assert by_code.loc["01", "planar_area_m2"] == pytest.approx(50.0)
    np.testing.assert_allclose(patches["area_m2"], geodesic_areas(patches), rtol=1e-7, atol=1e-5)
    assert bool(by_code.loc["01", "sliver"])
    assert not bool(by_code.loc["04", "sliver"])
    assert patches["planar_area_m2"].sum() == pytest.approx(20_000.0)
    assert patches.loc[patches["kind"] == "landuse_plan_only", "planar_area_m2"].sum() \
        == pytest.approx(10_000.0)
    assert planning.discrepancies(urban, land, min_area_m2=10)["sliver"].sum() == 0
    # the threshold compares the ellipsoidal area: 49.987 m2 here (50 m2 in the plane)
    ellipsoidal = float(by_code.loc["01", "area_m2"])
    assert 49.98 < ellipsoidal < 50.0
    assert bool(planning.discrepancies(urban, land, min_area_m2=49.995)
                .set_index("code").loc["01", "sliver"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_plans_match_the_oracle(seed: int) -> None:
    rng = np.random.default_rng(seed)
    inner = (392_000.0, 3_977_000.0, 404_000.0, 3_989_000.0)
    urban = voronoi_coverage(80, bounds=inner, seed=seed)
    urban["class_code"] = rng.choice(["R2", "A1", "M1", "S1", "G1", "E2", "E12", "E13", "H14"],
                                     len(urban))
    land = voronoi_coverage(300, seed=seed + 100)
    land["class_code"] = rng.choice(["11", "12", "13", "211", "212", "222", "226", "311"],
                                    len(land))
    land["landuse_zone"] = rng.choice(["010", "020", "030", "070", "990"], len(land))
    towns = voronoi_coverage(4, seed=seed + 200, vertices=200).assign(
        name_zh=lambda f: "镇" + f["cell_id"].astype(str))
    patches = planning.discrepancies(urban, land, townships=towns)
    expected = oracle_areas(urban, land)
    ours = our_areas(patches)
    assert set(ours.index) == set(expected.index)
    for key in expected.index:
        assert ours[key] == pytest.approx(expected[key], rel=1e-6), key
    assert patches["planar_area_m2"].sum() == pytest.approx(21_000.0**2, rel=1e-9)
    square = gpd.GeoSeries([shapely.box(389_000, 3_973_000, 410_000, 3_994_000)], crs=CRS)
    assert patches["area_m2"].sum() == pytest.approx(geodesic_areas(square)[0], rel=1e-9)
    assert patches["township"].notna().all()


def test_inputs_are_not_changed(sample_ro: planning.Workspace) -> None:
    urban, land = sample_ro["urban_plan"].copy(), sample_ro["landuse_plan"].copy()
    planning.discrepancies(sample_ro["urban_plan"], sample_ro["landuse_plan"])
    assert_geodataframe_equal(sample_ro["urban_plan"], urban)
    assert_geodataframe_equal(sample_ro["landuse_plan"], land)


# --- bad input -----------------------------------------------------------------------------


def test_unknown_codes_in_both_plans_in_one_error(sample: planning.Workspace) -> None:
    urban, land = sample["urban_plan"].copy(), sample["landuse_plan"].copy()
    urban.loc[[0, 3], "class_code"] = "Z9"
    land.loc[5, "class_code"] = "999"
    land.loc[6, "landuse_zone"] = "555"
    with pytest.raises(UnknownCodeError) as err:
        planning.discrepancies(urban, land)
    found = {(p.source, p.column, p.value) for p in err.value.problems}
    assert found == {("urban_plan", "class_code", "Z9"), ("landuse_plan", "class_code", "999"),
                     ("landuse_plan", "landuse_zone", "555")}
    assert "rows 0, 3" in str(err.value)


def test_crs_mismatch_between_plans(sample_ro: planning.Workspace) -> None:
    with pytest.raises(CRSError, match="CRS mismatch"):
        planning.discrepancies(sample_ro["urban_plan"],
                               sample_ro["landuse_plan"].to_crs("EPSG:4547"))


def test_invalid_geometry_and_missing_column(sample: planning.Workspace) -> None:
    urban = sample["urban_plan"].copy()
    b = urban.geometry.iloc[2].bounds
    urban.loc[2, "geometry"] = shapely.Polygon([(b[0], b[1]), (b[2], b[3]), (b[2], b[1]),
                                                (b[0], b[3])])
    land = sample["landuse_plan"].drop(columns="class_code")
    with pytest.raises(GeometryError) as err:
        planning.discrepancies(urban, land)
    text = str(err.value)
    assert "urban_plan, row 2" in text
    assert "invalid" in text
    assert "landuse_plan, column 'class_code': required column is missing" in text


def test_overlapping_polygons_are_reported_with_place(sample: planning.Workspace) -> None:
    land = sample["landuse_plan"].copy()
    first = land.geometry.iloc[10]
    land.loc[11, "geometry"] = shapely.union_all([land.geometry.iloc[11],
                                                  first.buffer(-1).envelope])
    land.loc[11, "geometry"] = shapely.make_valid(land.geometry.iloc[11])
    with pytest.raises(GeometryError, match="not a coverage") as err:
        planning.discrepancies(sample["urban_plan"], land)
    messages = [str(p) for p in err.value.problems]
    assert any(land["patch_id"].iloc[10] in m and land["patch_id"].iloc[11] in m
               and "overlap by" in m and "x=" in m for m in messages)


def test_options_are_checked(sample_ro: planning.Workspace) -> None:
    with pytest.raises(InputError, match=r"Unknown engine 'spark'.*'dask', 'local'"):
        planning.check_conformity(sample_ro, engine="spark")
    with pytest.raises(InputError, match="min_area_m2"):
        planning.discrepancies(sample_ro["urban_plan"], sample_ro["landuse_plan"],
                               min_area_m2=-1)
    with pytest.raises(WorkspaceError, match="projects"):
        planning.check_conformity({"urban_plan": sample_ro["urban_plan"],
                                   "landuse_plan": sample_ro["landuse_plan"]})


# --- project review ------------------------------------------------------------------------


def reasons_of(report: conformity.ConformityReport, project_id: str) -> pd.DataFrame:
    r = report.reasons
    return r[r["project_id"] == project_id]


def test_sample_projects_hold_the_designed_conflicts(report: conformity.ConformityReport) -> None:
    p = report.projects.set_index("project_id")
    ring = reasons_of(report, "TQ-001")  # West Ring Road across basic farmland
    assert p.loc["TQ-001", "name_zh"] == "县城西环路"
    assert p.loc["TQ-001", "verdict"] == "conflict"
    assert {("landuse_zone", "010"), ("control_line", "permanent_basic_farmland")} <= set(
        zip(ring.loc[ring["verdict"] == "conflict", "check"],
            ring.loc[ring["verdict"] == "conflict", "code"], strict=True))
    housing = reasons_of(report, "TQ-011")  # worker housing zoned industrial
    assert p.loc["TQ-011", "verdict"] == "conflict"
    assert housing.loc[housing["check"] == "urban_class", "code"].tolist() == ["M1"]
    hall = reasons_of(report, "TQ-002")  # memorial hall partly in the ecological red line
    red = hall[hall["code"] == "ecological_red_line"]
    assert p.loc["TQ-002", "name_zh"] == "将军渡纪念馆新馆"
    assert red["verdict"].tolist() == ["conflict"]
    assert 0 < red["area_m2"].iloc[0] < p.loc["TQ-002", "site_area_m2"]
    unlisted = reasons_of(report, "TQ-024")
    plan = unlisted[unlisted["check"] == "development_plan"]
    assert plan["verdict"].tolist() == ["conditional"]
    assert "not listed" in p.loc["TQ-024", "reasons"]


def test_reason_areas_reconcile_with_the_sites(report: conformity.ConformityReport) -> None:
    """Each layer covering the county accounts for the whole site of a polygon project."""
    p = report.projects.set_index("project_id")
    r = report.reasons
    for check in ("control_zone", "landuse_class"):
        per_site = r[r["check"] == check].groupby("project_id")["area_m2"].sum()
        areal = p[p["site_kind"] != "point"]
        np.testing.assert_allclose(per_site[areal.index], areal["site_area_m2"], rtol=1e-9)
    urban = r[r["check"].isin(["urban_class", "outside_urban_plan"])]
    per_site = urban.groupby("project_id")["area_m2"].sum()
    areal = p[p["site_kind"] != "point"]
    np.testing.assert_allclose(per_site[areal.index], areal["site_area_m2"], rtol=1e-9)


def test_verdict_is_the_worst_counted_reason(report: conformity.ConformityReport) -> None:
    rank = {"conforms": 0, "conditional": 1, "conflict": 2}
    counted = report.reasons[report.reasons["counted"]]
    worst = counted.groupby("project_id")["verdict"].agg(lambda v: max(v, key=rank.__getitem__))
    p = report.projects.set_index("project_id")
    assert (p.loc[worst.index, "verdict"] == worst).all()


def test_points_lines_and_their_sites(sample_ro: planning.Workspace,
                                      report: conformity.ConformityReport) -> None:
    projects = sample_ro["projects"].set_index("project_id")
    p = report.projects.set_index("project_id")
    points = p[p["site_kind"] == "point"]
    assert len(points) == (projects.geom_type == "Point").sum()
    for pid in points.index:
        assert reasons_of(report, pid)["area_m2"].isna().all()
        assert "point site" in p.loc[pid, "reasons"]
    road = projects.loc["TQ-001"]
    assert p.loc["TQ-001", "site_kind"] == "line"
    assert p.loc["TQ-001", "site_area_m2"] == pytest.approx(
        road.geometry.length * road["width_m"], rel=0.02)


def test_project_problems_are_listed_together(sample: planning.Workspace) -> None:
    projects = sample["projects"].copy()
    projects.loc[projects["project_id"] == "TQ-001", "width_m"] = np.nan
    projects.loc[projects.index[3], "project_id"] = "TQ-002"
    with pytest.raises(GeometryError) as err:
        planning.check_projects(projects, urban_plan=sample["urban_plan"],
                                landuse_plan=sample["landuse_plan"])
    text = str(err.value)
    assert "width_m" in text
    assert "TQ-001" in text
    assert "not unique" in text
    projects = sample["projects"].copy()
    projects.loc[0, "land_class"] = "ROAD"
    with pytest.raises(UnknownCodeError, match="ROAD"):
        planning.check_projects(projects, urban_plan=sample["urban_plan"],
                                landuse_plan=sample["landuse_plan"])
    lines = sample["control_lines"].copy()
    lines.loc[0, "line_type"] = "green_belt"
    with pytest.raises(GeometryError, match="green_belt"):
        planning.check_projects(sample["projects"], urban_plan=sample["urban_plan"],
                                landuse_plan=sample["landuse_plan"], control_lines=lines)


def test_check_projects_without_optional_layers(sample_ro: planning.Workspace) -> None:
    review = planning.check_projects(sample_ro["projects"], urban_plan=sample_ro["urban_plan"],
                                     landuse_plan=sample_ro["landuse_plan"], plan_key=None)
    assert len(review) == len(sample_ro["projects"])
    assert review.set_index("project_id").loc["TQ-011", "verdict"] == "conflict"
    assert not review["reasons"].str.contains("development plan").any()


# --- the report ----------------------------------------------------------------------------


def test_excel_ledger(report: conformity.ConformityReport, tmp_path: Path) -> None:
    path = report.to_excel(tmp_path / "冲突台账.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["冲突台账", "汇总", "面积核对", "项目审查", "审查原因", "碎图斑"]
    ledger = pd.read_excel(path, sheet_name="冲突台账")
    for header in ["序号", "所属乡镇", "差异类型", "城规用地性质", "土规用地性质", "面积(亩)",
                   "经发意见", "规建意见", "国土意见", "处理措施"]:
        assert header in ledger.columns
    conflicts = report.conflicts[~report.conflicts["sliver"]]
    assert len(ledger) == len(conflicts)
    assert ledger["面积(亩)"].sum() == pytest.approx(conflicts["area_mu"].sum(), rel=1e-6)
    assert ledger[["经发意见", "规建意见", "国土意见", "处理措施"]].isna().all().all()
    assert ledger["序号"].tolist() == list(range(1, len(ledger) + 1))
    summary = pd.read_excel(path, sheet_name="汇总").set_index("所属乡镇")
    assert summary.loc["合计", "合计(亩)"] == pytest.approx(
        report.discrepancies["area_mu"].sum(), rel=1e-6)
    projects = pd.read_excel(path, sheet_name="项目审查")
    assert len(projects) == len(report.projects)
    assert set(projects["审查结论"]) <= {"符合", "有条件符合", "冲突"}


def test_excel_keeps_formula_like_text_as_text(sample: planning.Workspace,
                                               tmp_path: Path) -> None:
    towns = sample["townships"].copy()
    towns.loc[towns["name_zh"] == "城关镇", "name_zh"] = '=HYPERLINK("http://x","城关镇")'
    sample.add_layer("townships", towns)
    path = planning.check_conformity(sample).to_excel(tmp_path / "l.xlsx")
    cells = [c for row in openpyxl.load_workbook(path)["冲突台账"].iter_rows(min_row=2)
             for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells
    assert all(c.data_type == "s" for c in cells)


def test_excel_write_is_atomic(report: conformity.ConformityReport, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = report.to_excel(tmp_path / "ledger.xlsx")
    before = path.read_bytes()

    def broken(book: object, filename: str) -> None:
        Path(filename).write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        report.to_excel(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.xlsx"]


def test_geopackage(report: conformity.ConformityReport, tmp_path: Path) -> None:
    path = report.to_gpkg(tmp_path / "conformity.gpkg")
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == {"discrepancies", "projects", "reasons", "by_township"}
    patches = gpd.read_file(path, layer="discrepancies")
    assert len(patches) == len(report.discrepancies)
    assert patches.area.sum() == pytest.approx(report.discrepancies.area.sum(), rel=1e-9)
    assert len(gpd.read_file(path, layer="projects")) == len(report.projects)


def test_report_summary(report: conformity.ConformityReport) -> None:
    s = report.summary()
    assert s.loc["patches: conflict", "area_mu"] == pytest.approx(
        report.conflicts["area_mu"].sum())
    assert s.filter(like="projects:", axis=0)["count"].sum() == len(report.projects)
