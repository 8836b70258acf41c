"""Workspaces: the sample, saving and opening in every format, atomic saves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

import planning
from planning import CRSError, LayerFileError, WorkspaceError
from planning.workspace import STANDARD_LAYERS, MissingLayerError, Workspace, open_workspace

ROOT = Path(__file__).resolve().parent.parent


def test_sample_has_every_contract_layer_in_one_metric_crs(sample_ro):
    assert set(STANDARD_LAYERS) <= set(sample_ro.layers)
    assert {"departments", "time_nodes", "inspections"} <= set(sample_ro.tables)
    assert {gdf.crs.to_epsg() for gdf in sample_ro.layers.values()} == {4548}
    for name, gdf in sample_ro.layers.items():
        assert shapely.is_valid(gdf.geometry.values).all(), name
        assert not gdf.geometry.is_empty.any(), name


def test_nine_townships_partition_the_real_outline(sample_ro):
    towns = sample_ro["townships"]
    county = sample_ro["county"].union_all()
    assert sorted(towns["name_en"]) == sorted(["Chengguan", "Houmiao", "Sunkou", "Dayuchen",
                                               "Malou", "Wuba", "Houfang", "Qingshuihe",
                                               "Jiahe"])
    assert towns.set_index("name_en").loc["Sunkou", "kind"] == "乡"  # in 2011
    assert towns.set_index("name_en").loc["Sunkou", "kind_now"] == "镇"
    union = towns.union_all()
    assert union.area == pytest.approx(county.area, rel=1e-3)
    assert union.symmetric_difference(county).area / county.area < 1e-6
    assert shapely.coverage_is_valid(towns.geometry.values)  # no overlaps
    assert (towns["pop_urban"] < towns["pop_total"]).all()


def test_invented_data_says_so(sample_ro):
    assert sample_ro["county"]["source"].str.startswith("real").all()
    for name, gdf in sample_ro.layers.items():
        if name != "county":
            assert gdf["source"].str.startswith("schematic").all(), name


def test_sample_projects_cover_tasks_and_townships(sample_ro):
    projects = sample_ro["projects"]
    assert len(projects) >= 24
    six = {"old_town", "new_district", "industry_city", "small_town", "new_countryside",
           "new_community"}
    assert six <= set(projects["category"])
    assert set(projects["township"]) == set(sample_ro["townships"]["name_zh"])
    named = projects.set_index("name_zh")
    assert named.loc["县城西环路"].geometry.geom_type == "LineString"
    assert named.loc["县城西环路", "width_m"] == 40
    assert named.loc["将军渡纪念馆新馆", "township"] == "孙口乡"
    assert named.loc["芳欣制衣", "category"] == "industry"
    # every site lies in its township
    towns = sample_ro["townships"].set_index("name_zh").geometry
    for row in projects.itertuples():
        assert row.geometry.buffer(1).intersects(towns[row.township]), row.project_id
    # the West Ring Road runs west of the county seat
    seat = towns["城关镇"].centroid
    assert named.loc["县城西环路"].geometry.centroid.x < seat.x


def test_sample_time_nodes(sample_ro):
    nodes = sample_ro["time_nodes"]
    assert nodes.groupby("project_id").size().min() >= 3
    assert set(nodes["project_id"]) == set(sample_ro["projects"]["project_id"])
    assert nodes["due_date"].min() >= pd.Timestamp("2011-01-01")
    assert nodes["due_date"].max() <= pd.Timestamp("2015-12-31")
    meeting = pd.Timestamp("2011-12-17")
    overdue = nodes[(nodes["due_date"] < meeting)
                    & (nodes["done_date"].isna() | (nodes["done_date"] > meeting))]
    assert len(overdue) >= 3
    assert nodes["done_date"].notna().sum() >= 10


def test_sanitation_zones_cover_the_seat(sample_ro):
    zones = sample_ro["sanitation_zones"]
    departments = set(zones["department"].dropna()) - {"城关镇"}
    assert len(departments) >= 15
    assert "城关镇" in set(zones["department"])
    assert zones["person_in_charge"].notna().all()
    builtup = sample_ro["builtup_area"].union_all()
    covered = zones.union_all()
    assert builtup.difference(covered).area == pytest.approx(1200.0, abs=1e-3)


@pytest.mark.parametrize("target", ["copy.gpkg", "copy.gdb", "folder"])
def test_round_trip_in_every_format(sample_ro, tmp_path, target):
    path = tmp_path / target
    sample_ro.save(path)
    again = open_workspace(path)
    assert list(again.layers) == list(sample_ro.layers)
    assert again.name == sample_ro.name
    assert again.county == sample_ro.county == planning.TAIQIAN
    # File Geodatabases keep coordinates on a 0.1 mm grid
    assert sample_ro.compare(again, tolerance=1e-3 if target.endswith(".gdb") else 1e-9) == []


def test_save_is_atomic(sample_ro, tmp_path, monkeypatch):
    path = tmp_path / "ws.gpkg"
    sample_ro.save(path)
    before = path.read_bytes()
    calls = {"n": 0}
    real = pyogrio.write_dataframe

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", failing)
    with pytest.raises(LayerFileError, match=r"is full \(the writer said: disk full\)") as caught:
        sample_ro.save(path)
    assert "The previous ws.gpkg was left as it was" in str(caught.value)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ws.gpkg"]


def test_opening_never_changes_the_file(sample_ro, tmp_path):
    path = tmp_path / "ws.gpkg"
    sample_ro.save(path)
    before = path.read_bytes()
    ws = open_workspace(path)
    ws["townships"]["pop_total"] = 0
    assert path.read_bytes() == before


def test_load_sample_gives_fresh_copies():
    ws = planning.load_sample()
    ws["townships"].loc[0, "name_zh"] = "changed"
    assert planning.load_sample()["townships"].loc[0, "name_zh"] != "changed"


def test_layers_must_share_one_metric_crs(squares):
    ws = Workspace({"a": squares})
    with pytest.raises(CRSError, match="CRS mismatch"):
        ws.add_layer("b", squares.to_crs("EPSG:4547"))
    with pytest.raises(CRSError, match="geographic"):
        Workspace({"c": squares.to_crs("EPSG:4490")})
    with pytest.raises(CRSError, match="no CRS"):
        Workspace({"d": gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)])})


@pytest.mark.parametrize("name", ["", " x", "../x", "a/b", ".hidden", "workspace_meta"])
def test_bad_layer_names_are_refused(squares, name):
    with pytest.raises(WorkspaceError, match="cannot be a layer or table name"):
        Workspace({name: squares})


def test_missing_layer_lists_what_is_there(squares):
    ws = Workspace({"zones": squares}, {"t": pd.DataFrame({"a": [1]})})
    with pytest.raises(MissingLayerError, match="Layers: zones; tables: t"):
        ws["townships"]
    with pytest.raises(KeyError):
        ws["townships"]
    assert "zones" in ws
    assert list(ws) == ["zones", "t"]


def test_summary(sample_ro):
    summary = sample_ro.summary().set_index("name")
    assert summary.loc["townships", "area_km2"] == pytest.approx(441.7, abs=0.5)
    assert summary.loc["roads", "length_km"] > 10
    assert summary.loc["time_nodes", "kind"] == "table"


def test_sample_build_is_reproducible():
    result = subprocess.run([sys.executable, str(ROOT / "layers" / "build_sample.py"),
                             "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
