"""County profiles (planning.county): validation, derivation from an outline, saving, and two
counties in two Gauss-Kruger zones checked side by side in one process."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import planning
from planning import TAIQIAN, County, CRSError, InputError, WorkspaceError
from planning.workspace import Workspace, open_workspace, validate_workspace

GOOD = {"code": "410927", "name_zh": "台前县", "name_en": "Taiqian", "crs": "EPSG:4548",
        "bounds_lonlat": (115.64, 35.82, 116.11, 36.12)}


def lonlat_shift(frame: gpd.GeoDataFrame, dlon: float) -> gpd.GeoDataFrame:
    """The layer in CGCS2000 lon/lat, moved ``dlon`` degrees east."""
    lonlat = frame.to_crs(4490)
    out = lonlat.copy()
    out[out.geometry.name] = lonlat.geometry.translate(dlon)
    return out


# --- the profile ----------------------------------------------------------------------------


def test_taiqian_is_the_sample_county(sample_ro: Workspace) -> None:
    assert (TAIQIAN.code, TAIQIAN.name_zh, TAIQIAN.name_en, TAIQIAN.province_zh) == (
        "410927", "台前县", "Taiqian", "河南省")
    assert TAIQIAN.crs == "EPSG:4548"
    assert TAIQIAN.pyproj_crs.to_epsg() == 4548
    assert TAIQIAN.gk_zone == 39
    assert TAIQIAN.central_meridian == 117.0
    assert TAIQIAN.extent_tolerance_m == 50_000.0
    assert str(TAIQIAN) == "台前县 Taiqian (410927, EPSG:4548)"
    assert sample_ro.county is TAIQIAN or sample_ro.county == TAIQIAN
    # the real outline lies inside the profile's bounds
    outline = sample_ro["county"].to_crs(4490).total_bounds
    assert TAIQIAN.contains_lonlat(outline[0], outline[1])
    assert TAIQIAN.contains_lonlat(outline[2], outline[3])
    assert not TAIQIAN.contains_lonlat(113.65, 34.76)  # Zhengzhou


@pytest.mark.parametrize(("field", "value", "message"), [
    ("code", "41092", "6 digits"),
    ("code", 410927, "6 digits"),
    ("code", "41092x", "6 digits"),
    ("name_zh", "", "non-empty"),
    ("name_en", "  ", "non-empty"),
    ("province_zh", "", "non-empty text or None"),
    ("crs", "EPSG:4490", "projected CRS in metres"),
    ("crs", "EPSG:2249", "projected CRS in metres"),  # US survey feet
    ("crs", "not a crs", "not a CRS pyproj can read"),
    ("bounds_lonlat", (116.11, 35.82, 115.64, 36.12), "ordered"),
    ("bounds_lonlat", (35.82, 115.64, 36.12, 116.11), "latitude first"),
    ("bounds_lonlat", (380_000, 3_960_000, 420_000, 4_000_000), "must lie in China"),
    ("bounds_lonlat", (2.3, 48.8, 2.4, 48.9), "must lie in China"),
    ("bounds_lonlat", (115.6, 35.8, 116.1), "four"),
    ("bounds_lonlat", "115.6 35.8 116.1 36.1", "four numbers"),
    ("extent_tolerance_m", -1.0, "0 or more"),
    ("extent_tolerance_m", float("nan"), "0 or more"),
])
def test_a_profile_is_checked_on_construction(field: str, value: object, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        County(**{**GOOD, field: value})  # type: ignore[arg-type]
    assert info.value.problems[0].column == field


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InputError) as info:
        County(code="4109", name_zh="", name_en="X", crs="EPSG:4326",
               bounds_lonlat=(0.0, 0.0, 1.0, 1.0))
    assert [p.column for p in info.value.problems] == ["code", "name_zh", "crs",
                                                       "bounds_lonlat"]
    assert "cannot be used as it is" in str(info.value)


def test_the_crs_is_kept_as_text_and_normalised() -> None:
    assert County(**{**GOOD, "crs": "epsg:4548"}).crs == "EPSG:4548"
    assert County(**{**GOOD, "crs": 4548}).crs == "EPSG:4548"  # type: ignore[arg-type]
    wkt = planning.crs.gk_crs(39).to_wkt()
    assert County(**{**GOOD, "crs": wkt}).crs == "EPSG:4548"
    custom = "+proj=tmerc +lon_0=116 +k=1 +x_0=500000 +ellps=GRS80 +units=m"
    county = County(**{**GOOD, "crs": custom})
    assert county.crs.startswith("PROJCRS")
    assert county.gk_zone is None
    assert county.central_meridian == 116.0
    assert county.pyproj_crs.is_projected
    assert County(**{**GOOD, "bounds_lonlat": [115, 35, 116, 36]}).bounds_lonlat == (  # type: ignore[arg-type]
        115.0, 35.0, 116.0, 36.0)


def test_a_profile_is_frozen_hashable_and_picklable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TAIQIAN.crs = "EPSG:4547"  # type: ignore[misc]
    assert {TAIQIAN: 1}[County(**GOOD, province_zh="河南省")] == 1
    assert pickle.loads(pickle.dumps(TAIQIAN)) == TAIQIAN  # travels to Dask workers


def test_to_dict_and_from_dict_round_trip() -> None:
    data = TAIQIAN.to_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert '"bounds_lonlat": [115.64, 35.82, 116.11, 36.12]' in text
    assert County.from_dict(json.loads(text)) == TAIQIAN
    assert County.from_dict(GOOD).province_zh is None
    with pytest.raises(InputError, match="unknown: working_crs; missing: crs"):
        County.from_dict({**{k: v for k, v in GOOD.items() if k != "crs"},
                          "working_crs": "EPSG:4548"})


def test_extent_in_any_crs_with_the_tolerance() -> None:
    plain = TAIQIAN.extent(tolerance=False)
    wide = TAIQIAN.extent()
    assert wide.contains(plain)
    # 50 km on every side of a box about 42 km by 33 km
    assert wide.bounds[0] == pytest.approx(plain.bounds[0] - 50_000, abs=10)
    lonlat = TAIQIAN.extent("EPSG:4490", tolerance=False)
    assert lonlat.bounds == pytest.approx((115.64, 35.82, 116.11, 36.12), abs=1e-6)
    zone38 = TAIQIAN.extent("EPSG:4547", tolerance=False)
    assert zone38.area == pytest.approx(plain.area, rel=2e-3)  # scale differs a little


# --- from an outline ------------------------------------------------------------------------


def test_from_the_sample_outline(sample_ro: Workspace) -> None:
    county = County.from_outline(sample_ro["county"])
    assert (county.code, county.name_zh, county.gk_zone, county.crs) == (
        "410927", "台前县", 39, "EPSG:4548")
    assert county.name_en == "Taiqian County"  # as the layer says
    west, south, east, north = county.bounds_lonlat
    assert (west, south, east, north) == pytest.approx(
        tuple(sample_ro["county"].to_crs(4490).total_bounds))
    # the same outline in lon/lat or in another zone gives the same profile
    assert County.from_outline(sample_ro["county"].to_crs(4490)).crs == "EPSG:4548"
    assert County.from_outline(sample_ro["county"].to_crs(4547)).crs == "EPSG:4548"
    # a CRS can be chosen instead of the zone of the centre
    assert County.from_outline(sample_ro["county"], crs="EPSG:4527").crs == "EPSG:4527"


def test_a_generated_outline_in_zone_38() -> None:
    outline = gpd.GeoDataFrame(
        {"code": [410882.0], "name_zh": ["沁阳市"]},  # a code read as a number
        geometry=[shapely.box(113.3, 35.0, 113.7, 35.3)], crs="EPSG:4490")
    county = County.from_outline(outline, name_en="Qinyang")
    assert (county.code, county.gk_zone, county.crs, county.central_meridian) == (
        "410882", 38, "EPSG:4547", 114.0)
    assert county.bounds_lonlat == pytest.approx((113.3, 35.0, 113.7, 35.3))
    projected = County.from_outline(outline.to_crs(4547), name_en="Qinyang")
    assert projected.bounds_lonlat == pytest.approx(county.bounds_lonlat, abs=1e-9)
    assert dataclasses.replace(projected, bounds_lonlat=county.bounds_lonlat) == county


def test_from_outline_says_what_is_missing() -> None:
    bare = gpd.GeoDataFrame(geometry=[shapely.box(113.3, 35.0, 113.7, 35.3)], crs="EPSG:4490")
    with pytest.raises(InputError, match=r"code, name_zh, name_en .*pass code=\.\.\."):
        County.from_outline(bare)
    two = gpd.GeoDataFrame({"code": ["410882", "410883"]}, crs="EPSG:4490",
                           geometry=[shapely.box(113, 35, 113.1, 35.1)] * 2)
    with pytest.raises(InputError, match="several values in 'code'"):
        County.from_outline(two, name_zh="x", name_en="x")
    with pytest.raises(CRSError, match="no CRS"):
        County.from_outline(gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)]))
    paris = bare.translate(-111.0)
    with pytest.raises(CRSError, match="outside China"):
        County.from_outline(paris, code="410882", name_zh="x", name_en="x")
    with pytest.raises(TypeError, match="GeoDataFrame"):
        County.from_outline(pd.DataFrame({"code": ["410882"]}))  # type: ignore[arg-type]


# --- workspaces carry their county ----------------------------------------------------------


def test_workspace_county_is_given_or_derived(sample_ro: Workspace, squares) -> None:
    assert Workspace({"zones": squares}).county is None
    given = Workspace({"zones": squares}, county=TAIQIAN)
    assert given.county is TAIQIAN
    assert given.copy().county is TAIQIAN
    assert "county 台前县 Taiqian (410927, EPSG:4548)" in repr(given)
    derived = Workspace({"county": sample_ro["county"], "zones": squares})
    assert derived.county is not None
    assert (derived.county.code, derived.county.crs) == ("410927", "EPSG:4548")
    # the outline in zone 38: the county keeps the workspace's CRS
    other = Workspace({"county": sample_ro["county"].to_crs(4547)})
    assert other.county is not None
    assert other.county.crs == "EPSG:4547"
    with pytest.raises(TypeError, match=r"planning\.County"):
        Workspace(county="410927")  # type: ignore[arg-type]


def test_an_outline_without_code_leaves_no_county(squares, caplog) -> None:
    outline = gpd.GeoDataFrame(geometry=[squares.union_all()], crs=squares.crs)
    ws = Workspace({"county": outline})
    assert ws.county is None
    assert "does not give the workspace its county" in caplog.text


def test_a_county_workspace_refuses_another_crs(squares) -> None:
    ws = Workspace({"a": squares}, county=TAIQIAN)
    with pytest.raises(CRSError, match=r"CRS mismatch.*to_crs\(ws\.county\.crs\)"):
        ws.add_layer("b", squares.to_crs("EPSG:4547"))
    with pytest.raises(CRSError, match=r"CRS mismatch.*county 台前县"):
        Workspace({"b": squares.to_crs("EPSG:4547")}, county=TAIQIAN)  # even the first layer
    west = dataclasses.replace(TAIQIAN, code="410999", crs="EPSG:4547")
    assert Workspace({"b": squares.to_crs("EPSG:4547")}, county=west).crs_name == "EPSG:4547"


def test_workspace_read_layer_uses_the_county(sample_ro: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "towns.geojson"
    sample_ro["townships"].to_crs(4490).to_file(path)
    west = dataclasses.replace(TAIQIAN, code="410999", crs="EPSG:4547")
    ws = Workspace(county=west)
    frame = ws.read_layer(path)
    assert list(ws.layers) == ["towns"]
    assert frame.crs.to_epsg() == 4547  # the county's CRS, not the zone of the data
    # without a county, later layers follow the first
    loose = Workspace()
    loose.read_layer(path, "a", crs="EPSG:4490")
    assert loose.crs_name == "EPSG:4548"
    assert loose.read_layer(path, "b").crs.to_epsg() == 4548
    far = tmp_path / "far.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(121.4, 31.2, 121.5, 31.3)],
                     crs="EPSG:4490").to_file(far)
    with pytest.raises(InputError, match="far from the county"):
        ws.read_layer(far, "far")
    assert "far" not in ws.layers


@pytest.mark.parametrize("target", ["ws.gpkg", "ws.gdb", "folder"])
def test_the_county_survives_every_store(sample_ro: Workspace, tmp_path: Path,
                                         target: str) -> None:
    west = dataclasses.replace(TAIQIAN, code="410999", name_zh="西县", name_en="Xi",
                               province_zh=None, extent_tolerance_m=12_345.0)
    ws = Workspace({"townships": sample_ro["townships"]}, county=west, name="t")
    path = tmp_path / target
    ws.save(path)
    again = open_workspace(path)
    assert again.county == west
    assert again.county is not None
    assert again.county.extent_tolerance_m == 12_345.0
    # a file saved without a county gets it from its county layer
    bare = Workspace({"county": sample_ro["county"]})
    bare_path = tmp_path / f"bare_{target}"
    bare.save(bare_path)
    assert open_workspace(bare_path).county == bare.county


def test_open_workspace_with_a_county(sample_ro: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "ws.gpkg"
    sample_ro.save(path)
    with pytest.raises(WorkspaceError, match="holds the workspace of county 台前县"):
        open_workspace(path, county=dataclasses.replace(TAIQIAN, code="410999"))
    # the same county in another CRS moves the layers there
    moved = open_workspace(path, county=dataclasses.replace(TAIQIAN, crs="EPSG:4547"))
    assert moved.crs_name == "EPSG:4547"
    assert moved["townships"].area.sum() == pytest.approx(
        sample_ro["townships"].area.sum(), rel=2e-3)
    # a foreign file: the caller says which county it is, its layers go to its CRS
    foreign = tmp_path / "foreign.gpkg"
    sample_ro["townships"].to_crs(4490).to_file(foreign, layer="乡镇")
    sample_ro["roads"].to_crs(4527).to_file(foreign, layer="道路")
    ws = open_workspace(foreign, county=TAIQIAN)
    assert ws.county is TAIQIAN
    assert ws.crs_name == "EPSG:4548"
    plain = open_workspace(foreign)  # no county: the zone of the data
    assert plain.county is None
    assert plain.crs_name == "EPSG:4548"


def test_validate_workspace_compares_with_the_county(sample: Workspace, squares) -> None:
    assert validate_workspace(sample) == []
    sample.layers["stray"] = squares.to_crs(4547)  # the dict, past add_layer's check
    far = squares.translate(300_000)
    sample.layers["far"] = far
    problems = {p.source: p.message for p in validate_workspace(sample)}
    assert "differs from the county's EPSG:4548" in problems["stray"]
    assert "more than 50 km from 台前县" in problems["far"]
    loose = {p.message for p in validate_workspace(Workspace({"a": squares}))}
    assert any("has no county" in m for m in loose)


# --- the acceptance line: two counties, two zones, one process -------------------------------


def test_two_counties_in_two_zones_in_one_process(sample_ro: Workspace, tmp_path: Path) -> None:
    """Taiqian (zone 39, the sample) and a county generated 3 degrees west (zone 38) are read
    from files and checked side by side, each in its own CRS, with no setting changed."""
    settings_before = planning.settings.current()
    west_lonlat = {name: lonlat_shift(frame, -3.0) for name, frame in sample_ro.layers.items()}
    west = County.from_outline(west_lonlat["county"], code="410999", name_zh="西移县",
                               name_en="Xiyi", province_zh="河南省")
    assert (west.gk_zone, west.crs) == (38, "EPSG:4547")
    # the generated county's layers arrive as lon/lat files, read with its county
    files = tmp_path / "west_files"
    files.mkdir()
    layers = {}
    for name, frame in west_lonlat.items():
        frame.to_file(files / f"{name}.gpkg")
        layers[name] = planning.read_layer(files / f"{name}.gpkg", county=west)
        assert layers[name].crs.to_epsg() == 4547
    Workspace(layers, sample_ro.tables, name="西移县", county=west).save(tmp_path / "west.gpkg")
    sample_ro.save(tmp_path / "taiqian.gdb")

    taiqian_ws = open_workspace(tmp_path / "taiqian.gdb")
    west_ws = open_workspace(tmp_path / "west.gpkg")
    assert taiqian_ws.county == TAIQIAN
    assert west_ws.county == west
    assert (taiqian_ws.crs_name, west_ws.crs_name) == ("EPSG:4548", "EPSG:4547")

    tq = planning.check_conformity(taiqian_ws)
    xy = planning.check_conformity(west_ws)
    assert tq.discrepancies.crs.to_epsg() == 4548
    assert xy.discrepancies.crs.to_epsg() == 4547
    areas = pd.DataFrame({"taiqian": tq.areas, "west": xy.areas})
    big = areas[areas["taiqian"] > 1_000]
    assert ((big["west"] / big["taiqian"] - 1).abs() < 0.005).all(), areas
    assert tq.conflicts["area_m2"].sum() == pytest.approx(xy.conflicts["area_m2"].sum(),
                                                          rel=0.005)
    verdicts = tq.projects.set_index("project_id")["verdict"]
    assert xy.projects.set_index("project_id")["verdict"].equals(verdicts)
    # saving and opening again keeps each county; no setting was touched
    taiqian_ws.save(tmp_path / "again_tq.gpkg")
    west_ws.save(tmp_path / "again_west.gdb")
    assert open_workspace(tmp_path / "again_tq.gpkg").county == TAIQIAN
    assert open_workspace(tmp_path / "again_west.gdb").county == west
    assert planning.settings.current() == settings_before
