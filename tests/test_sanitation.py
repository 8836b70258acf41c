"""Tests of planning.sanitation: coverage, owners, unit grids, inspections and scores.

Synthetic fixtures sit where the Taiqian county seat is (EPSG:4548 metres), so that every
figure is known by construction; geopandas' own overlay is the independent oracle.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString, Polygon, box

import planning
from planning._errors import CRSError, GeometryError, InputError, LayerFileError, SheetError
from planning.sanitation import (
    Inspections,
    check_coverage,
    check_owners,
    hot_spots,
    read_inspections,
    unit_grid,
    unit_scores,
    zone_scores,
)

CRS = "EPSG:4548"
X0, Y0 = 397_000.0, 3_983_000.0
RTOL = 1e-6


def rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


# --------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture
def area() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name_zh": ["县城建成区"]}, geometry=[rect(0, 0, 300, 200)], crs=CRS)


@pytest.fixture
def zones() -> gpd.GeoDataFrame:
    """Six 100 m blocks; Z2 has a 40 x 30 m hole (gap), Z5 reaches 10 m into Z6 (overlap),
    and Z3 stops 5 m short of the area's east edge (a second gap). Z4 has no department."""
    blocks = {
        "Z1": rect(0, 0, 100, 100),
        "Z2": rect(100, 0, 200, 100).difference(rect(130, 40, 170, 70)),
        "Z3": rect(200, 0, 295, 100),
        "Z4": rect(0, 100, 100, 200),
        "Z5": rect(100, 100, 210, 200),
        "Z6": rect(200, 100, 300, 200),
    }
    return gpd.GeoDataFrame({
        "zone_id": list(blocks),
        "name_zh": [f"{k}卫生区" for k in blocks],
        "kind": ["area"] * 6,
        "township": ["城关镇"] * 6,
        "department": ["县财政局", "县财政局", "县教育局", None, "城关镇", "县公安局"],
    }, geometry=list(blocks.values()), crs=CRS)


@pytest.fixture
def departments() -> pd.DataFrame:
    return pd.DataFrame({
        "unit_id": ["T01", "T02", "D04", "D07", "D08", "D19"],
        "name_zh": ["城关镇", "侯庙镇", "县公安局", "县财政局", "县教育局", "县审计局"],
        "kind": ["township", "township", "department", "department", "department",
                 "department"],
    })


def oracle_gaps(zones: gpd.GeoDataFrame, area: gpd.GeoDataFrame) -> np.ndarray:
    pieces = gpd.overlay(area[["geometry"]], zones[["geometry"]], how="difference")
    return np.sort(pieces.explode(index_parts=False).area.to_numpy())


def oracle_overlaps(zones: gpd.GeoDataFrame) -> dict[tuple[str, str], float]:
    z = zones[["zone_id", "geometry"]]
    pairs = gpd.overlay(z, z, how="intersection", keep_geom_type=True)
    pairs = pairs[pairs["zone_id_1"] < pairs["zone_id_2"]]
    pairs = pairs[pairs.area > 0]
    return {(a, b): float(g.area) for a, b, g in
            zip(pairs["zone_id_1"], pairs["zone_id_2"], pairs.geometry, strict=True)}


# --------------------------------------------------------------------------------------------
# coverage


def test_known_gap_and_overlap_match_geopandas(zones: gpd.GeoDataFrame,
                                               area: gpd.GeoDataFrame) -> None:
    report = check_coverage(zones, area)
    # by construction: a 1,200 m2 hole in Z2 and a 5 m x 100 m strip east of Z3
    assert sorted(report.gaps["area_m2"]) == pytest.approx([500.0, 1200.0], rel=RTOL)
    np.testing.assert_allclose(np.sort(report.gaps["area_m2"]), oracle_gaps(zones, area),
                               rtol=RTOL)
    hole = report.gaps.set_index("gap_id").loc["G1"]
    assert hole.geometry.symmetric_difference(rect(130, 40, 170, 70)).area < 1e-6
    assert hole["neighbours"] == "Z2"
    assert report.gaps.set_index("gap_id").loc["G2", "neighbours"] == "Z3;Z6"
    # the overlap: Z5 reaches 10 m into Z6
    got = {(a, b): v for a, b, v in report.overlaps[["zone_a", "zone_b", "area_m2"]]
           .itertuples(index=False)}
    assert got.keys() == {("Z5", "Z6")} == oracle_overlaps(zones).keys()
    assert got[("Z5", "Z6")] == pytest.approx(oracle_overlaps(zones)[("Z5", "Z6")], rel=RTOL)
    assert got[("Z5", "Z6")] == pytest.approx(1000.0, rel=RTOL)
    # figures reconcile
    assert report.area_m2 == pytest.approx(60_000.0, rel=1e-12)
    assert report.covered_m2 + report.gap_m2 == pytest.approx(report.area_m2, rel=1e-12)
    covered = shapely.union_all(zones.geometry.values).intersection(area.geometry.iloc[0])
    assert report.covered_m2 == pytest.approx(covered.area, rel=RTOL)
    assert report.overlap_m2 == pytest.approx(1000.0, rel=RTOL)
    assert not report.is_valid
    assert report.outside.empty


def test_problems_list_every_piece(zones: gpd.GeoDataFrame, area: gpd.GeoDataFrame) -> None:
    report = check_coverage(zones, area)
    texts = [str(p) for p in report.problems]
    assert sum("gap of" in t for t in texts) == 2
    assert sum("Z5 and Z6 overlap by 1000.0 m²" in t for t in texts) == 1
    # Z5 and Z6 overlap, so their edges do not match: both are listed as invalid edges
    assert set(report.invalid_edges["zone_id"]) >= {"Z5", "Z6"}
    assert (report.invalid_edges["length_m"] > 0).all()
    assert len(texts) == len(report.gaps) + len(report.overlaps) + len(report.invalid_edges)
    summary = report.summary()
    assert summary["n_gaps"] == 2
    assert summary["gap_m2"] == pytest.approx(1700.0, rel=RTOL)


def test_exact_coverage_is_valid(area: gpd.GeoDataFrame) -> None:
    # A carries the vertex where B and C meet on its east edge: the edges match exactly
    west = Polygon([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 120), (X0 + 100, Y0 + 200),
                    (X0, Y0 + 200)])
    zones = gpd.GeoDataFrame({"zone_id": ["A", "B", "C"]}, geometry=[
        west, rect(100, 0, 300, 120), rect(100, 120, 300, 200)], crs=CRS)
    report = check_coverage(zones, area)
    assert report.is_valid
    assert report.problems == []
    assert report.covered_m2 == pytest.approx(report.area_m2, rel=1e-12)
    assert report.gap_m2 == 0.0


def test_overlaps_are_counted_once_per_pair(area: gpd.GeoDataFrame) -> None:
    # three zones share one 10 x 10 corner: three pairs, each 100 m2
    zones = gpd.GeoDataFrame({"zone_id": ["A", "B", "C"]}, geometry=[
        rect(0, 0, 110, 110), rect(100, 0, 200, 110), rect(0, 100, 110, 200)], crs=CRS)
    report = check_coverage(zones, area)
    pairs = dict(zip(zip(report.overlaps["zone_a"], report.overlaps["zone_b"], strict=True),
                     report.overlaps["area_m2"], strict=True))
    oracle = oracle_overlaps(zones)
    assert pairs.keys() == oracle.keys() == {("A", "B"), ("A", "C"), ("B", "C")}
    for key, value in oracle.items():
        assert pairs[key] == pytest.approx(value, rel=RTOL)
    assert report.overlap_m2 == pytest.approx(sum(oracle.values()), rel=RTOL)


def test_narrow_gap_is_a_sliver_and_an_invalid_edge(area: gpd.GeoDataFrame) -> None:
    zones = gpd.GeoDataFrame({"zone_id": ["A", "B"]}, geometry=[
        rect(0, 0, 150, 200), rect(150.5, 0, 300, 200)], crs=CRS)
    report = check_coverage(zones, area, gap_width_m=1.0)
    assert len(report.gaps) == 1
    assert report.gaps["area_m2"].iloc[0] == pytest.approx(100.0, rel=RTOL)
    assert bool(report.gaps["sliver"].iloc[0])
    assert set(report.invalid_edges["zone_id"]) == {"A", "B"}
    strict = check_coverage(zones, area, gap_width_m=0.1)
    assert not bool(strict.gaps["sliver"].iloc[0])
    assert strict.invalid_edges.empty
    assert "narrow gap (sliver)" in str(report.problems[0])


def test_t_junction_without_a_vertex_is_an_invalid_edge(area: gpd.GeoDataFrame) -> None:
    zones = gpd.GeoDataFrame({"zone_id": ["A", "B", "C"]}, geometry=[
        rect(0, 0, 100, 200), rect(100, 0, 300, 120), rect(100, 120, 300, 200)], crs=CRS)
    report = check_coverage(zones, area)
    assert report.gaps.empty
    assert report.overlaps.empty
    assert set(report.invalid_edges["zone_id"]) == {"A", "B", "C"}
    assert report.invalid_edges.set_index("zone_id").loc["A", "length_m"] == pytest.approx(200)


def test_vertex_pulled_off_a_shared_edge_leaves_a_sliver() -> None:
    # B's west edge bends 1 mm into B: a 0.05 m2 wedge between A and B that nobody cleans
    a = rect(0, 0, 100, 100)
    b = Polygon([(X0 + 100, Y0), (X0 + 200, Y0), (X0 + 200, Y0 + 100), (X0 + 100, Y0 + 100),
                 (X0 + 100.001, Y0 + 50)])
    zones = gpd.GeoDataFrame({"zone_id": ["A", "B"]}, geometry=[a, b], crs=CRS)
    report = check_coverage(zones)
    assert list(report.gaps["area_m2"]) == pytest.approx([0.05], rel=1e-3)
    assert bool(report.gaps["sliver"].iloc[0])
    assert report.gaps["neighbours"].iloc[0] == "A;B"
    assert set(report.invalid_edges["zone_id"]) == {"A", "B"}
    assert report.covered_m2 + report.gap_m2 == pytest.approx(report.area_m2, rel=1e-12)


def test_default_area_is_the_outline_of_the_zones(zones: gpd.GeoDataFrame) -> None:
    report = check_coverage(zones)
    # only the hole inside Z2 is a gap; the strip east of Z3 lies outside the outline
    assert list(report.gaps["area_m2"]) == pytest.approx([1200.0], rel=RTOL)
    assert report.covered_m2 + report.gap_m2 == pytest.approx(report.area_m2, rel=1e-12)


def test_zones_beyond_the_area_are_reported(area: gpd.GeoDataFrame) -> None:
    zones = gpd.GeoDataFrame({"zone_id": ["A", "B"]}, geometry=[
        rect(-20, 0, 150, 200), rect(150, 0, 300, 200)], crs=CRS)
    report = check_coverage(zones, area)
    assert list(report.outside["zone_id"]) == ["A"]
    assert report.outside_m2 == pytest.approx(4000.0, rel=RTOL)
    assert report.gaps.empty
    assert report.covered_m2 == pytest.approx(report.area_m2, rel=1e-12)


def test_inputs_are_not_modified(zones: gpd.GeoDataFrame, area: gpd.GeoDataFrame) -> None:
    before_z, before_a = zones.copy(), area.copy()
    check_coverage(zones, area)
    check_owners(zones, area=area)
    unit_grid(area, zones=zones, county=planning.TAIQIAN)
    assert_geodataframe_equal(zones, before_z)
    assert_geodataframe_equal(area, before_a)


def test_bad_zones_raise_once_with_every_problem(area: gpd.GeoDataFrame) -> None:
    bowtie = Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    zones = gpd.GeoDataFrame({"zone_id": ["A", "A", None, "D"]}, geometry=[
        rect(0, 0, 10, 10), bowtie, rect(20, 0, 30, 10),
        LineString([(X0, Y0), (X0 + 5, Y0)])], crs=CRS)
    with pytest.raises(GeometryError) as info:
        check_coverage(zones, area)
    text = str(info.value)
    assert "not unique" in text
    assert "invalid" in text
    assert "zone id is missing" in text
    assert "LineString is not allowed" in text
    assert len(info.value.problems) == 4


def test_crs_problems(zones: gpd.GeoDataFrame, area: gpd.GeoDataFrame) -> None:
    with pytest.raises(CRSError, match="no CRS"):
        check_coverage(zones.set_crs(None, allow_override=True))
    with pytest.raises(CRSError, match="CRS mismatch"):
        check_coverage(zones, area.to_crs("EPSG:4547"))
    with pytest.raises(CRSError, match="geographic"):
        check_coverage(zones.to_crs("EPSG:4490"))
    with pytest.raises(InputError, match="gap_width_m"):
        check_coverage(zones, gap_width_m=-1)
    with pytest.raises(TypeError, match="GeoDataFrame"):
        check_coverage(pd.DataFrame(zones))


@st.composite
def random_zones(draw: st.DrawFn) -> gpd.GeoDataFrame:
    """A 4 x 3 grid of 50 m blocks, some dropped (gaps), some grown (overlaps)."""
    geoms, ids = [], []
    for i in range(12):
        col, row = i % 4, i // 4
        if draw(st.booleans()) and draw(st.booleans()):
            continue
        grow = draw(st.sampled_from([0.0, 0.0, 7.5, 13.0]))
        geoms.append(rect(col * 50, row * 50, col * 50 + 50 + grow, row * 50 + 50 + grow))
        ids.append(f"Z{i:02d}")
    if not geoms:
        geoms, ids = [rect(0, 0, 50, 50)], ["Z00"]
    return gpd.GeoDataFrame({"zone_id": ids}, geometry=geoms, crs=CRS)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_zones())
def test_random_coverages_reconcile_with_geopandas(zones: gpd.GeoDataFrame) -> None:
    area = gpd.GeoDataFrame(geometry=[rect(0, 0, 200, 150)], crs=CRS)
    report = check_coverage(zones, area)
    assert report.covered_m2 + report.gap_m2 == pytest.approx(report.area_m2, rel=1e-9)
    np.testing.assert_allclose(np.sort(report.gaps["area_m2"]), oracle_gaps(zones, area),
                               rtol=RTOL)
    oracle = oracle_overlaps(zones)
    assert report.overlap_m2 == pytest.approx(sum(oracle.values()), rel=RTOL, abs=1e-9)
    assert len(report.overlaps) == len(oracle)


def test_coverage_report_files(zones: gpd.GeoDataFrame, area: gpd.GeoDataFrame,
                               tmp_path: Path) -> None:
    report = check_coverage(zones, area)
    gpkg = tmp_path / "out.gpkg"
    area.to_file(gpkg, layer="builtup_area")  # an existing layer must survive
    report.to_gpkg(gpkg)
    layers = set(pyogrio.list_layers(gpkg)[:, 0])
    assert layers == {"builtup_area", "sanitation_gaps", "sanitation_overlaps",
                      "sanitation_invalid_edges", "sanitation_outside"}
    gaps = gpd.read_file(gpkg, layer="sanitation_gaps")
    assert gaps.crs == zones.crs
    np.testing.assert_allclose(gaps.area, report.gaps["area_m2"], rtol=1e-9)
    xlsx = report.to_excel(tmp_path / "coverage.xlsx")
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert list(sheets) == ["覆盖情况", "问题清单", "缺口", "重叠", "边界不吻合", "超出范围"]
    assert len(sheets["问题清单"]) == len(report.problems)
    assert sheets["重叠"][["责任区甲", "责任区乙"]].to_numpy().tolist() == [["Z5", "Z6"]]
    summary = sheets["覆盖情况"].set_index("指标")["数值"]
    assert summary["缺口面积(平方米)"] == pytest.approx(1700.0)
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


# --------------------------------------------------------------------------------------------
# owners


def test_owners(zones: gpd.GeoDataFrame, area: gpd.GeoDataFrame,
                departments: pd.DataFrame, tmp_path: Path) -> None:
    zones = zones.copy()
    zones.loc[2, "department"] = "县水利局"  # not in the table
    roads = gpd.GeoDataFrame({"road_id": ["R1", "R2"], "name_zh": ["人民路", "文化路"]}, geometry=[
        LineString([(X0 - 50, Y0 + 50), (X0 + 350, Y0 + 50)]),
        LineString([(X0 + 50, Y0 - 50), (X0 + 50, Y0 + 250)])], crs=CRS)
    report = check_owners(zones, roads=roads, departments=departments, area=area)
    by_dept = report.by_department.set_index("department")
    assert by_dept.loc["县财政局", "n_zones"] == 2
    assert by_dept.loc["县财政局", "area_m2"] == pytest.approx(20_000 - 1200, rel=RTOL)
    assert by_dept.loc["县财政局", "zone_ids"] == "Z1;Z2"
    # R1 crosses Z1 and Z2 (100 m each, 40 m of Z2 is the hole), R2 crosses Z1 and Z4
    assert by_dept.loc["县财政局", "road_length_m"] == pytest.approx(100 + 60 + 100, rel=RTOL)
    assert by_dept["area_m2"].sum() + report.no_department.area.sum() == pytest.approx(
        zones.area.sum(), rel=RTOL)
    by_town = report.by_township.set_index("township")
    assert by_town.loc["城关镇", "n_zones"] == 6
    assert list(report.no_department["zone_id"]) == ["Z4"]
    assert list(report.unknown_department["zone_id"]) == ["Z3"]
    # only departments are expected to hold zones: 侯庙镇 (a township) is not reported;
    # 县教育局 lost its only zone Z3 to the misspelt name
    assert list(report.idle_departments["unit_id"]) == ["D08", "D19"]
    # no zone has kind road_section: both roads lack a responsible section inside the area
    unowned = report.unowned_roads.set_index("road_id")
    assert unowned.loc["R1", "length_m"] == pytest.approx(300.0, rel=RTOL)
    assert unowned.loc["R1", "share"] == pytest.approx(1.0)
    # of R1's 300 m, 40 m cross the hole of Z2 and 5 m the strip east of Z3: in no zone
    assert unowned.loc["R1", "in_other_zones_m"] == pytest.approx(255.0, rel=RTOL)
    texts = [str(p) for p in report.problems]
    assert any("Z4" in t and "no department" in t for t in texts)
    assert any("县水利局" in t for t in texts)
    assert any("D19 县审计局" in t for t in texts)
    assert sum("no responsible road section" in t for t in texts) == 2
    sheets = pd.read_excel(report.to_excel(tmp_path / "owners.xlsx"), sheet_name=None)
    assert len(sheets["问题清单"]) == len(texts)
    assert sheets["无责任区的单位"]["单位编号"].tolist() == ["D08", "D19"]
    assert sheets["按责任单位"].columns.tolist()[:3] == ["责任单位", "责任区数", "面积(平方米)"]
    report.to_gpkg(tmp_path / "owners.gpkg", prefix="")
    roads_back = gpd.read_file(tmp_path / "owners.gpkg", layer="unowned_roads")
    assert roads_back["length_m"].sum() == pytest.approx(report.unowned_roads["length_m"].sum())


def test_road_sections_own_roads(area: gpd.GeoDataFrame) -> None:
    zones = gpd.GeoDataFrame({
        "zone_id": ["S1", "A1", "A2"], "kind": ["road_section", "area", "area"],
        "department": ["县公安局"] * 3, "township": ["城关镇"] * 3,
    }, geometry=[rect(0, 90, 300, 110), rect(0, 0, 300, 90), rect(0, 110, 300, 200)], crs=CRS)
    roads = gpd.GeoDataFrame({"road_id": ["R1", "R2"], "name_zh": ["将军路", "文化路"]}, geometry=[
        LineString([(X0, Y0 + 100), (X0 + 300, Y0 + 100)]),
        LineString([(X0 + 150, Y0), (X0 + 150, Y0 + 200)])], crs=CRS)
    report = check_owners(zones, roads=roads, area=area)
    assert list(report.unowned_roads["road_id"]) == ["R2"]
    r2 = report.unowned_roads.iloc[0]
    assert r2["length_m"] == pytest.approx(180.0, rel=RTOL)  # 20 m cross the section S1
    assert r2["share"] == pytest.approx(0.9, rel=RTOL)
    assert r2["in_other_zones_m"] == pytest.approx(180.0, rel=RTOL)
    anyzone = check_owners(zones, roads=roads, area=area, road_kinds=None)
    assert anyzone.unowned_roads.empty


def test_owners_need_department_and_township(zones: gpd.GeoDataFrame) -> None:
    with pytest.raises(GeometryError, match="department"):
        check_owners(zones.drop(columns=["department", "township"]))


# --------------------------------------------------------------------------------------------
# unit grid


def test_unit_grid_reconciles_and_codes(area: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> None:
    odd = gpd.GeoDataFrame(geometry=[Polygon([
        (X0 + 5, Y0 + 5), (X0 + 290, Y0 + 30), (X0 + 260, Y0 + 190), (X0 + 20, Y0 + 170)])],
        crs=CRS)
    grid = unit_grid(odd, cell_m2=2_500, zones=zones, county=planning.TAIQIAN)
    assert grid.crs == odd.crs
    assert grid["area_m2"].sum() == pytest.approx(odd.area.iloc[0], rel=1e-9)
    assert grid.area.to_numpy() == pytest.approx(grid["area_m2"].to_numpy())
    # independent count: 50 m squares of the aligned grid whose intersection has an area
    xs = np.arange(math.floor((X0 + 5) / 50) * 50, X0 + 300, 50)
    ys = np.arange(math.floor((Y0 + 5) / 50) * 50, Y0 + 200, 50)
    squares = [box(x, y, x + 50, y + 50) for x in xs for y in ys]
    expected = sum(s.intersection(odd.geometry.iloc[0]).area > 0 for s in squares)
    assert len(grid) == expected
    assert grid["code"].is_unique
    assert grid["code"].str.fullmatch(r"410927\d{6}").all()
    assert grid["code"].iloc[0] == "410927000001"
    assert list(grid["code"]) == sorted(grid["code"])
    assert grid["whole"].sum() == 8
    np.testing.assert_allclose(grid.loc[grid["whole"], "area_m2"], 2_500.0, rtol=1e-9)
    # rows run north to south
    assert grid.geometry.iloc[0].centroid.y > grid.geometry.iloc[-1].centroid.y
    assert not grid.geometry.overlaps(grid.geometry.iloc[0]).any()


def test_unit_grid_majority_zone_matches_overlay(area: gpd.GeoDataFrame,
                                                 zones: gpd.GeoDataFrame) -> None:
    grid = unit_grid(area, cell_m2=1_600, zones=zones,  # 40 m cells straddle the blocks
                     county=planning.TAIQIAN)
    pieces = gpd.overlay(grid[["code", "geometry"]], zones[["zone_id", "department",
                                                             "geometry"]],
                         how="intersection", keep_geom_type=True)
    pieces["a"] = pieces.area
    best = (pieces.sort_values(["code", "a", "zone_id"], ascending=[True, False, True])
            .drop_duplicates("code").set_index("code"))
    got = grid.set_index("code")
    covered = got.index.isin(best.index)
    assert (got.loc[covered, "zone_id"] == best.loc[got.index[covered], "zone_id"]).all()
    np.testing.assert_allclose(got.loc[covered, "zone_share"],
                               best.loc[got.index[covered], "a"] / got.loc[covered, "area_m2"],
                               rtol=RTOL)
    # the cell in the hole of Z2 still goes to Z2 when Z2 covers most of it
    assert got["zone_id"].notna().all()
    z4_cells = got[got["zone_id"] == "Z4"]
    assert z4_cells["department"].isna().all()  # Z4 has no department
    assert (got.loc[got["zone_id"] == "Z6", "department"] == "县公安局").all()


def test_unit_grid_without_zones_and_bad_input(area: gpd.GeoDataFrame) -> None:
    grid = unit_grid(area, county=planning.TAIQIAN)
    assert len(grid) == 6
    assert grid["zone_id"].isna().all()
    assert (grid["zone_share"] == 0).all()
    assert grid["code"].iloc[0] == "410927000001"
    with pytest.raises(InputError, match="cell_m2"):
        unit_grid(area, cell_m2=0, county=planning.TAIQIAN)
    with pytest.raises(CRSError):
        unit_grid(area.to_crs("EPSG:4490"), county=planning.TAIQIAN)
    custom = unit_grid(area.geometry, county_code="410901")
    assert custom["code"].iloc[0] == "410901000001"


def test_unit_grid_needs_a_county_code(area: gpd.GeoDataFrame) -> None:
    with pytest.raises(InputError, match=r"county=ws\.county .* or county_code="):
        unit_grid(area)
    with pytest.raises(InputError, match="6 digits"):
        unit_grid(area, county_code="4109")
    with pytest.raises(InputError, match="differ"):
        unit_grid(area, county=planning.TAIQIAN, county_code="410901")
    same = unit_grid(area, county=planning.TAIQIAN, county_code="410927")
    assert same["code"].str.startswith("410927").all()


# --------------------------------------------------------------------------------------------
# inspections


def bad_sheet() -> pd.DataFrame:
    return pd.DataFrame({
        "inspection_id": ["JC1", "JC2", "JC3", "JC4", "JC5", "JC6"],
        "zone_id": ["Z1", "Z9", "Z2", "Z3", "Z5", "Z6"],
        "date": ["2011-12-05", "2011-12-05", "2011-12-05", "上周三", 40882, "2011年12月"],
        "inspector": ["一组"] * 6,
        "total": [92, 88, 120, 70, 55, 80],
    })


def test_bad_rows_are_reported_and_good_rows_count(zones: gpd.GeoDataFrame) -> None:
    result = read_inspections(bad_sheet(), zones=zones)
    assert isinstance(result, Inspections)
    assert list(result.records["inspection_id"]) == ["JC1", "JC5"]
    assert result.records["date"].tolist() == [pd.Timestamp("2011-12-05")] * 2  # serial 40882
    found = {(p.row, p.column, p.value) for p in result.problems}
    assert found == {(1, "zone_id", "Z9"), (2, "total", "120"), (3, "date", "上周三"),
                     (5, "date", "2011年12月")}
    assert result.bad_rows == [1, 2, 3, 5]
    assert result.n_rows == 6
    frame = result.problems_frame()
    assert list(frame.columns) == ["row", "column", "value", "message"]
    assert "unknown zone id" in frame.set_index("row").loc[1, "message"]
    assert "out of range" in frame.set_index("row").loc[2, "message"]
    assert "period" in frame.set_index("row").loc[5, "message"]
    with pytest.raises(SheetError, match="4 of 6 rows") as info:
        result.raise_if_any()
    assert len(info.value.problems) == 4
    # the good rows still count in the scores
    scores = zone_scores(result, zones).set_index("zone_id")
    assert scores.loc["Z1", "score"] == 92.0
    assert scores.loc["Z5", "score"] == 55.0
    assert scores["n_inspections"].sum() == 2


def write_messy_workbook(path: Path) -> None:
    """A sheet as a county office types it: title, merged header, Chinese names, a total row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "12月"
    ws.append(["台前县县城环境卫生检查评分表（2011年12月）"])
    ws.merge_cells("A1:I1")
    ws.append(["序号", "责任区编号", "检查日期", "检查人", "评分项目", None, None, None, "总分"])
    ws.merge_cells("E2:H2")
    for col in "ABCDI":
        ws.merge_cells(f"{col}2:{col}3")
    ws.append([None, None, None, None, "道路清扫", "垃圾清运", "门前三包", "设施维护", None])
    ws.append([1, "Z1", dt.datetime(2011, 12, 5), "一组", 38, 28, 18, 9, 93])
    ws.append([2, "Z2", "2011.12.5", "一组", 30, 25, 15, 8, 78])
    ws.append([3, "Ｚ３", "2011年12月5日", "二组", 20, 25, 15, 5, 65])   # full-width id
    ws.append([4, "Z77", "2011-12-05", "二组", 30, 25, 15, 5, 75])        # unknown zone
    ws.append([5, "Z5", "十二月初", "二组", 30, 25, 15, 5, 75])           # a text date
    ws.append([6, "Z6", "2011-12-05", "二组", 30, "abc", 15, 5, 50])      # not a score
    ws.append([7, "Z4", "2011-12-05", "二组", 30, 25, 15, 5, None])       # total left blank
    ws.append([8, "Z1", "2011-12-12", "一组", 30, 25, 15, 5, 80])         # sum is 75
    ws.append([None, None, None, None, None, None, None, None, None])
    ws.append(["合计", None, None, None, None, None, None, None, 611])
    wb.save(path)


def test_messy_excel_sheet(tmp_path: Path, zones: gpd.GeoDataFrame) -> None:
    path = tmp_path / "检查.xlsx"
    write_messy_workbook(path)
    result = read_inspections(path, sheet="12月", zones=zones)
    assert result.items == ("道路清扫", "垃圾清运", "门前三包", "设施维护")
    assert list(result.records["zone_id"]) == ["Z1", "Z2", "Z3", "Z4"]
    assert list(result.records["row"]) == [4, 5, 6, 10]
    assert list(result.records["total"]) == [93.0, 78.0, 65.0, 75.0]  # Z4: the sum of items
    assert result.records["inspection_id"].iloc[0] == "检查.xlsx [12月]:4"
    problems = {(p.row, p.column, p.value) for p in result.problems}
    assert problems == {(7, "责任区编号", "Z77"), (8, "检查日期", "十二月初"),
                        (9, "垃圾清运", "abc"), (11, "总分", "80")}
    assert result.n_rows == 8
    assert len(result.skipped) == 1
    assert result.skipped[0].row == 13
    assert "summary row" in result.skipped[0].message
    assert (result.records["date"] == pd.Timestamp("2011-12-05")).all()


def test_merged_date_cells_count_for_every_row(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["检查日期", "检查组", "责任区", "得分", "整改期限"])
    ws.append(["2011年12月5日", "一组", "Z1", 90, None])
    ws.append([None, None, "Z2", 85, dt.datetime(2011, 12, 8)])
    ws.append([None, None, "Z3", 70, dt.datetime(2011, 12, 8)])
    ws.append(["2011年12月12日", "二组", "Z1", 95, None])
    ws.merge_cells("A2:A4")
    ws.merge_cells("B2:B4")
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    result = read_inspections(path)
    assert result.problems == ()
    assert result.items == ()  # a column of dates (整改期限) is not a score item
    assert list(result.records["total"]) == [90.0, 85.0, 70.0, 95.0]
    assert list(result.records["date"].dt.day) == [5, 5, 5, 12]
    assert list(result.records["inspector"]) == ["一组", "一组", "一组", "二组"]
    with pytest.raises(LayerFileError, match="no sheet"):
        read_inspections(path, sheet="1月")


def test_csv_in_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "inspections.csv"
    text = "责任区编号,日期,检查人,总分\nZ1,2011/12/05,王,90\nZ2,2011/12/06,李,９５分\n"
    path.write_bytes(text.encode("gb18030"))
    result = read_inspections(path)
    assert list(result.records["total"]) == [90.0, 95.0]
    assert list(result.records["row"]) == [2, 3]
    assert result.problems == ()


def test_duplicate_ids_and_missing_values() -> None:
    table = pd.DataFrame({"inspection_id": ["A", "A", "B"], "zone_id": ["Z1", "Z2", None],
                          "date": ["2011-12-05", "2011-12-05", None], "total": [90, 80, None]})
    result = read_inspections(table)
    assert list(result.records["inspection_id"]) == ["A"]
    messages = {(p.row, p.column): p.message for p in result.problems}
    assert "duplicate inspection id" in messages[(1, "inspection_id")]
    assert "zone id is missing" in messages[(2, "zone_id")]
    assert "date is missing" in messages[(2, "date")]
    assert "total score is missing" in messages[(2, "total")]


def test_unreadable_sources(tmp_path: Path) -> None:
    with pytest.raises(LayerFileError, match="does not exist"):
        read_inspections(tmp_path / "missing.xlsx")
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(LayerFileError, match="xlsx"):
        read_inspections(old)
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a zip")
    with pytest.raises(LayerFileError, match=r"Cannot read broken\.xlsx as an Excel workbook"):
        read_inspections(broken)
    other = tmp_path / "x.json"
    other.write_text("{}")
    with pytest.raises(LayerFileError, match="Excel"):
        read_inspections(other)
    with pytest.raises(SheetError, match="no header row"):
        read_inspections(pd.DataFrame({"a": [1], "b": [2]}))
    with pytest.raises(SheetError, match="no date column"):
        read_inspections(pd.DataFrame({"zone_id": ["Z1"], "total": [2]}))


# --------------------------------------------------------------------------------------------
# scores


@pytest.fixture
def december(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for day in (5, 12, 19, 26):
        for zone in zones["zone_id"]:
            total = 45.0 + day if zone == "Z3" else float(rng.integers(70, 100))
            rows.append({"inspection_id": f"{zone}-{day}", "zone_id": zone,
                         "date": pd.Timestamp(2011, 12, day), "inspector": "一组",
                         "total": total})
    rows.append({"inspection_id": "Z1-nov", "zone_id": "Z1", "date": pd.Timestamp(2011, 11, 28),
                 "inspector": "一组", "total": 10.0})
    return pd.DataFrame(rows)


def test_zone_and_unit_scores(december: pd.DataFrame, zones: gpd.GeoDataFrame) -> None:
    in_dec = december[december["date"].dt.month == 12]
    scores = zone_scores(december, zones, period="2011-12")
    assert isinstance(scores, gpd.GeoDataFrame)
    assert scores.crs == zones.crs
    expected = in_dec.groupby("zone_id")["total"].mean()
    assert scores.set_index("zone_id")["score"].to_dict() == pytest.approx(expected.to_dict())
    assert (scores["n_inspections"] == 4).all()
    whole = zone_scores(december, zones).set_index("zone_id")
    assert whole.loc["Z1", "n_inspections"] == 5
    units = unit_scores(december, zones, period="2011-12")
    assert list(units.columns) == ["unit", "score", "n_inspections", "n_zones"]
    owner = zones.set_index("zone_id")["department"]
    merged = in_dec.assign(unit=in_dec["zone_id"].map(owner)).dropna(subset=["unit"])
    oracle = merged.groupby("unit")["total"].agg(["mean", "size"])
    got = units.set_index("unit")
    assert got["score"].to_dict() == pytest.approx(oracle["mean"].to_dict())
    assert got["n_inspections"].to_dict() == oracle["size"].to_dict()
    assert got.loc["县财政局", "n_zones"] == 2
    towns = unit_scores(december, zones, period=("2011-12-01", "2011-12-31"), by="township")
    assert towns["unit"].tolist() == ["城关镇"]
    assert towns["score"].iloc[0] == pytest.approx(in_dec["total"].mean())
    assert towns["n_inspections"].iloc[0] == 24


@pytest.mark.parametrize("period", ["2011年12月", "2011.12", "2011年12月份",
                                    ("2011-12-01", "2011-12-31"), pd.Period("2011-12", freq="M")])
def test_scores_read_periods_as_bureaus_write_them(december: pd.DataFrame,
                                                   zones: gpd.GeoDataFrame,
                                                   period: object) -> None:
    expected = unit_scores(december, zones, period="2011-12")
    pd.testing.assert_frame_equal(unit_scores(december, zones, period=period), expected)
    mid_month = zone_scores(december, zones, period="2011年12月中旬").set_index("zone_id")
    assert (mid_month["n_inspections"] == 2).all()  # the 12th and the 19th
    with pytest.raises(planning.InputError, match=r"period='2011年13月' is not a period"):
        unit_scores(december, zones, period="2011年13月")


def test_unit_scores_log_inspections_of_unowned_zones(december: pd.DataFrame,
                                                      zones: gpd.GeoDataFrame,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="planning.sanitation"):
        unit_scores(december, zones, period="2011-12")
    assert "4 inspection(s) of zone(s) with no department" in caplog.text
    assert "Z4" in caplog.text


def test_hot_spots(december: pd.DataFrame, zones: gpd.GeoDataFrame) -> None:
    hot = hot_spots(december, zones, period="2011-12")
    # Z3 scores 50, 57, 64, 71: two below 60
    assert list(hot["zone_id"]) == ["Z3"]
    assert hot["n_low"].iloc[0] == 2
    assert hot["low_dates"].iloc[0] == "2011-12-05;2011-12-12"
    assert hot["score"].iloc[0] == pytest.approx(60.5)
    assert hot_spots(december, zones, period="2011-12", min_low=3).empty
    # below 80 all four times, and the worst mean: listed first
    strict = hot_spots(december, zones, period="2011-12", low_score=80, min_low=4)
    assert strict["zone_id"].iloc[0] == "Z3"
    assert (strict["n_low"] == 4).all()
    with pytest.raises(InputError, match="min_low"):
        hot_spots(december, zones, min_low=0)


# --------------------------------------------------------------------------------------------
# the Taiqian sample: every designed problem is found


def test_sample_coverage_matches_geopandas(sample_ro: planning.Workspace) -> None:
    zones, area = sample_ro["sanitation_zones"], sample_ro["builtup_area"]
    report = check_coverage(zones, area)
    # the designed defects: a 40 m x 30 m hole nobody cleans, a 20 m x 100 m overlap
    assert list(report.gaps["area_m2"]) == pytest.approx([1200.0], rel=RTOL)
    np.testing.assert_allclose(report.gaps["area_m2"], oracle_gaps(zones, area), rtol=RTOL)
    oracle = oracle_overlaps(zones)
    assert len(oracle) == 1
    (pair, value), = oracle.items()
    assert list(zip(report.overlaps["zone_a"], report.overlaps["zone_b"], strict=True)) == [pair]
    assert report.overlaps["area_m2"].iloc[0] == pytest.approx(value, rel=RTOL)
    assert value == pytest.approx(2000.0, rel=RTOL)
    assert set(report.invalid_edges["zone_id"]) == set(pair)
    assert report.outside.empty
    assert report.area_m2 == pytest.approx(area.area.sum(), rel=1e-12)
    assert report.covered_m2 + report.gap_m2 == pytest.approx(report.area_m2, rel=1e-12)
    assert len(report.problems) == 1 + 1 + 2


def test_sample_owners_list_every_problem(sample_ro: planning.Workspace) -> None:
    zones = sample_ro["sanitation_zones"]
    report = check_owners(zones, roads=sample_ro["roads"], departments=sample_ro["departments"],
                          area=sample_ro["builtup_area"])
    assert len(report.no_department) == 1
    assert report.unknown_department.empty
    assert "D19" in set(report.idle_departments["unit_id"])  # 县审计局: the designed one
    assert set(report.idle_departments["kind"]) == {"department"}
    # 文化路 has no road-section zone; it runs through area zones all the way
    assert list(report.unowned_roads["road_id"]) == ["R04"]
    r04 = report.unowned_roads.iloc[0]
    assert r04["in_other_zones_m"] == pytest.approx(r04["length_m"], rel=RTOL)
    # roll-ups add up to the zones
    assert report.by_department["n_zones"].sum() == len(zones) - 1
    assert report.by_township["area_m2"].sum() == pytest.approx(zones.area.sum(), rel=1e-9)
    sections = zones[zones["kind"] == "road_section"]
    assert len(sections) > 0
    texts = [str(p) for p in report.problems]
    assert any("文化路" in t for t in texts)
    assert any("no department" in t for t in texts)


def test_sample_grid_and_scores(sample_ro: planning.Workspace) -> None:
    zones, area = sample_ro["sanitation_zones"], sample_ro["builtup_area"]
    grid = unit_grid(area, zones=zones, county=sample_ro.county)
    assert grid["code"].str.startswith("410927").all()
    assert grid["area_m2"].sum() == pytest.approx(area.area.sum(), rel=1e-9)
    assert grid["zone_id"].notna().all()  # the 1,200 m2 gap never holds most of a cell
    assert set(grid["zone_id"]) <= set(zones["zone_id"])
    sheet = read_inspections(sample_ro["inspections"], zones=zones)
    assert sheet.problems == ()
    assert len(sheet.records) == len(sample_ro["inspections"])
    units = unit_scores(sheet, zones, period="2011-12")
    assert units["score"].between(0, 100).all()
    named = zones["department"].dropna().nunique()
    assert len(units) == named
    hot = hot_spots(sheet, zones, period="2011-12")
    # two zones were designed to score poorly every week
    assert len(hot) == 2
    assert (hot["n_low"] == hot["n_inspections"]).all()


def test_unit_scores_feed_the_assessment(sample_ro: planning.Workspace) -> None:
    from planning import assessment

    zones = sample_ro["sanitation_zones"]
    units = unit_scores(sample_ro["inspections"], zones, period="2011-12")
    result = assessment.rank(sample_ro.ledger, period="2011-12", inspections=units)
    table = result.table.set_index("unit")
    for row in units.itertuples():
        assert table.loc[row.unit, "sanitation_score"] == pytest.approx(row.score)
        assert table.loc[row.unit, "n_inspections"] == row.n_inspections
    # the department of the worst hot spot (HW008, 县教育局) has the lowest sanitation score
    worst = units.sort_values("score")["unit"].iloc[0]
    assert worst == zones.set_index("zone_id").loc["HW008", "department"]
