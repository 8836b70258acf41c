"""read_layer on the files bureaus really have, write_layer's atomicity."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

import planning
from planning import CRSError, InputError, LayerFileError
from planning.io import atomic_output, map_fields, read_layer, write_layer

SEAT = (397_720.0, 3_983_363.0)  # county seat, EPSG:4548


def patches(n: int = 3) -> gpd.GeoDataFrame:
    x, y = SEAT
    return gpd.GeoDataFrame(
        {"BSM": [f"{i}" for i in range(n)], "地类名称": ["水浇地", "村庄", "公路用地"][:n],
         "DLBM": ["0102", "0702", "1003"][:n], "ZLDWDM": ["410927100001"] * n,
         "TDYTQLXDM": ["010", "040", "990"][:n], "TBMJ": [10000.0] * n},
        geometry=[shapely.box(x + 100 * i, y, x + 100 * (i + 1), y + 100) for i in range(n)],
        crs="EPSG:4548")


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def gbk_shapefile(tmp_path: Path) -> Path:
    """A GBK Shapefile with Chinese field names and values and no .cpg (the common case)."""
    path = tmp_path / "dltb.shp"
    pyogrio.write_dataframe(patches(), path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    return path


def test_gbk_shapefile_without_cpg_reads_correctly(gbk_shapefile: Path):
    before = digest(gbk_shapefile.parent)
    # what a plain read gives: mojibake (the problem this solves)
    plain = pyogrio.read_dataframe(gbk_shapefile)
    assert "地类名称" not in plain.columns
    gdf = read_layer(gbk_shapefile)
    assert gdf["地类名称"].tolist() == ["水浇地", "村庄", "公路用地"]
    report = gdf.attrs["planning_report"]
    assert report.encoding == "gb18030"
    assert "GBK" in report.encoding_reason
    # standard fields mapped, originals kept
    assert gdf["class_code"].tolist() == ["0102", "0702", "1003"]
    assert gdf["class_name"].tolist() == gdf["地类名称"].tolist()
    assert gdf["landuse_zone"].tolist() == ["010", "040", "990"]
    assert gdf["township_code"].unique().tolist() == ["410927100"]
    assert {"DLBM", "TDYTQLXDM", "ZLDWDM"} <= set(gdf.columns)
    assert digest(gbk_shapefile.parent) == before  # the input is never modified


def test_wrong_cpg_is_detected_and_explicit_encoding_wins(gbk_shapefile: Path):
    gbk_shapefile.with_suffix(".cpg").write_text("UTF-8")
    gdf = read_layer(gbk_shapefile)
    assert gdf["地类名称"].iloc[0] == "水浇地"
    assert any("not utf-8" in p.message.lower() for p in gdf.attrs["planning_report"].problems)
    explicit = read_layer(gbk_shapefile, encoding="gbk")
    assert explicit["地类名称"].iloc[1] == "村庄"
    assert explicit.attrs["planning_report"].encoding_reason == "given by encoding="


def test_utf8_shapefile_with_cpg(tmp_path: Path):
    path = tmp_path / "u.shp"
    pyogrio.write_dataframe(patches().rename(columns={"地类名称": "地类"}), path,
                            encoding="UTF-8")
    gdf = read_layer(path)
    assert gdf["地类"].iloc[2] == "公路用地"
    assert gdf.attrs["planning_report"].encoding == "utf-8"


# GDAL itself cuts "地类名称" (12 bytes in UTF-8) to 11 bytes while writing, and its warning
# about that cannot be decoded: that is the writer's noise, not ours.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_field_name_cut_mid_character_is_read(tmp_path: Path):
    path = tmp_path / "cut.shp"
    pyogrio.write_dataframe(patches(), path, encoding="UTF-8")
    with pytest.raises(UnicodeDecodeError):  # what plain pyogrio does with such a file
        pyogrio.read_dataframe(path)
    gdf = read_layer(path)
    assert gdf["地类名"].tolist() == ["水浇地", "村庄", "公路用地"]
    assert any("half a character" in p.message for p in gdf.attrs["planning_report"].problems)


def test_missing_prj_gives_the_documented_error(gbk_shapefile: Path):
    gbk_shapefile.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match=r"no CRS.*crs=") as info:
        read_layer(gbk_shapefile)
    assert "EPSG:4548" in str(info.value)  # the hint from the 6-digit eastings
    fixed = read_layer(gbk_shapefile, crs="EPSG:4548")
    assert fixed.crs.to_epsg() == 4548
    assert fixed.geometry.iloc[0].bounds[0] == pytest.approx(SEAT[0])


def test_zone_prefixed_eastings_are_recognised(tmp_path: Path):
    prefixed = patches().copy()
    prefixed["geometry"] = shapely.transform(prefixed.geometry.values, lambda c: c + [39e6, 0])
    path = tmp_path / "prefixed.gpkg"
    prefixed.to_file(path)  # says EPSG:4548 (no prefix) but the eastings carry 39
    gdf = read_layer(path)
    assert gdf.crs.to_epsg() == 4548
    assert gdf.geometry.iloc[0].bounds[0] == pytest.approx(SEAT[0], abs=1e-6)
    assert any("zone prefix 39" in p.message for p in gdf.attrs["planning_report"].problems)


def test_lonlat_and_other_zone_layers_are_moved(tmp_path: Path):
    original = patches()
    for crs in ("EPSG:4490", "EPSG:4326", "EPSG:4547", "EPSG:4527"):
        path = tmp_path / f"{crs.replace(':', '_')}.geojson"
        original.to_crs(crs).to_file(path)
        gdf = read_layer(path)
        assert gdf.crs.to_epsg() == 4548, crs
        dist = gdf.geometry.centroid.distance(original.geometry.centroid).max()
        assert dist < 0.05, (crs, dist)


def test_swapped_lonlat_is_caught(tmp_path: Path):
    swapped = patches().to_crs("EPSG:4490")
    swapped["geometry"] = shapely.transform(swapped.geometry.values, lambda c: c[:, ::-1])
    path = tmp_path / "swapped.geojson"
    swapped.to_file(path)
    with pytest.raises(CRSError, match="swapped"):
        read_layer(path)
    fixed = read_layer(path, swap_xy=True)
    assert fixed.geometry.centroid.distance(patches().geometry.centroid).max() < 0.05


def test_swapped_projected_axes_are_caught(tmp_path: Path):
    swapped = patches()
    swapped["geometry"] = shapely.transform(swapped.geometry.values, lambda c: c[:, ::-1])
    path = tmp_path / "swapped.gpkg"
    swapped.to_file(path)
    with pytest.raises(CRSError, match="swapped"):
        read_layer(path)


def test_layer_far_from_the_county_is_reported(tmp_path: Path):
    far = gpd.GeoDataFrame(geometry=[shapely.box(121.4, 31.2, 121.5, 31.3)], crs="EPSG:4490")
    path = tmp_path / "shanghai.geojson"
    far.to_file(path)
    with pytest.raises(InputError, match="far from the county 台前县") as info:
        read_layer(path, county=planning.TAIQIAN)
    assert "121.450 E, 31.250 N" in str(info.value)
    assert len(read_layer(path, county=planning.TAIQIAN, check_extent=False)) == 1
    # without a county, a layer in China is read into the zone of its own centre (40)
    assert read_layer(path).crs.to_epsg() == 4549


def test_tolerance_of_the_county_extent(tmp_path: Path):
    # 0.5 degrees (about 45 km) east of Taiqian's bounds: within the 50 km tolerance
    near = gpd.GeoDataFrame(geometry=[shapely.box(116.6, 36.0, 116.7, 36.1)], crs="EPSG:4490")
    path = tmp_path / "near.geojson"
    near.to_file(path)
    assert read_layer(path, county=planning.TAIQIAN).crs.to_epsg() == 4548
    strict = dataclasses.replace(planning.TAIQIAN, extent_tolerance_m=10_000)
    with pytest.raises(InputError, match="more than 10 km away"):
        read_layer(path, county=strict)


def test_layer_outside_china_is_refused_without_a_county(tmp_path: Path):
    paris = gpd.GeoDataFrame(geometry=[shapely.box(2.3, 48.8, 2.4, 48.9)], crs="EPSG:4490")
    path = tmp_path / "paris.geojson"
    paris.to_file(path)
    with pytest.raises(CRSError, match=r"outside China.*CRS is probably wrong"):
        read_layer(path)
    # metres labelled as degrees: the usual wrong .prj
    metres = patches().set_crs("EPSG:4490", allow_override=True)
    metres.to_file(tmp_path / "metres.gpkg")
    with pytest.raises(CRSError, match="outside China"):
        read_layer(tmp_path / "metres.gpkg")
    # an explicit target still needs the data in China, unless asked not to check
    with pytest.raises(CRSError, match="outside China"):
        read_layer(path, to_crs="EPSG:3857")
    assert read_layer(path, to_crs="EPSG:3857", check_extent=False).crs.to_epsg() == 3857


def test_the_working_crs_comes_from_the_county_the_data_or_to_crs(tmp_path: Path):
    lonlat = patches().to_crs("EPSG:4490")
    path = tmp_path / "taiqian.geojson"
    lonlat.to_file(path)
    derived = read_layer(path)
    assert derived.crs.to_epsg() == 4548  # zone 39, from the data's centre longitude
    assert "derived from the data" in derived.attrs["planning_report"].crs_reason
    west = lonlat.translate(-3.0)  # the same patches in zone 38
    west.to_file(tmp_path / "west.geojson")
    assert read_layer(tmp_path / "west.geojson").crs.to_epsg() == 4547
    by_county = read_layer(path, county=planning.TAIQIAN)
    assert "county 410927" in by_county.attrs["planning_report"].crs_reason
    assert read_layer(path, county=planning.TAIQIAN, to_crs="EPSG:4547").crs.to_epsg() == 4547
    with pytest.raises(TypeError, match=r"planning\.County"):
        read_layer(path, county="410927")  # type: ignore[arg-type]


def test_xian80_data_is_refused_not_shifted(tmp_path: Path):
    path = tmp_path / "xian.gpkg"
    patches().set_crs("EPSG:2384", allow_override=True).to_file(path)
    with pytest.raises(CRSError, match="Xian 1980"):
        read_layer(path)


def test_invalid_empty_and_duplicate_are_all_in_one_report(tmp_path: Path):
    x, y = SEAT
    bowtie = shapely.Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])
    frame = gpd.GeoDataFrame(
        {"project_id": ["P1", "P2", "P2", "P3"]},
        geometry=[shapely.box(x, y, x + 50, y + 50), bowtie, shapely.Polygon(),
                  shapely.box(x, y - 60, x + 50, y - 10)], crs="EPSG:4548")
    path = tmp_path / "bad.gpkg"
    frame.to_file(path)
    gdf = read_layer(path)
    report = gdf.attrs["planning_report"]
    assert report.repaired == [1]
    assert gdf.geometry.iloc[1].is_valid
    assert gdf.geometry.iloc[1].area == pytest.approx(5000.0)  # both lobes kept
    assert report.empty == [2]
    assert report.duplicates == ["P2"]
    assert len(gdf) == 4  # nothing dropped
    messages = " | ".join(p.message for p in report.problems)
    assert "made valid" in messages
    assert "empty" in messages
    assert "not unique" in messages


def test_damaged_geojson_is_read_feature_by_feature(tmp_path: Path):
    x, y = SEAT
    features = [
        {"type": "Feature", "properties": {"zone_id": "ok"},
         "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + 10, y], [x + 10, y + 10],
                                                          [x, y]]]}},
        {"type": "Feature", "properties": {"zone_id": "open-ring"},
         "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + 10, y], [x + 10, y + 10],
                                                          [x, y + 10]]]}},
        {"type": "Feature", "properties": {"zone_id": "two-points"},
         "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + 10, y]]]}},
    ]
    path = tmp_path / "damaged.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.warns(RuntimeWarning, match="Non closed ring"):
        gdf = read_layer(path, crs="EPSG:4548")
    assert gdf["zone_id"].tolist() == ["ok", "open-ring", "two-points"]
    assert gdf.geometry.iloc[1].area == pytest.approx(100.0)
    assert gdf.geometry.iloc[2] is None
    messages = [(p.row, p.message) for p in gdf.attrs["planning_report"].problems]
    assert any(row == 1 and "closed" in m for row, m in messages)
    assert any(row == 2 and "fewer than 3 distinct points" in m for row, m in messages)


def test_file_geodatabase_and_multilayer_files(tmp_path: Path):
    gdb = tmp_path / "plans.gdb"
    write_layer(patches(), gdb, "landuse_plan")
    write_layer(patches(2), gdb, "other")
    with pytest.raises(InputError, match="holds 2 layers"):
        read_layer(gdb)
    gdf = read_layer(gdb, "landuse_plan")
    assert len(gdf) == 3
    assert gdf["landuse_zone"].tolist() == ["010", "040", "990"]


def test_failed_write_leaves_the_previous_file_intact(tmp_path: Path, monkeypatch):
    path = tmp_path / "out.gpkg"
    write_layer(patches(), path, "a")
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pyogrio, "write_dataframe", explode)
    with pytest.raises(OSError, match="disk full"):
        write_layer(patches(2), path, "b")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gpkg"]  # no temp left behind


def test_write_layer_keeps_other_layers(tmp_path: Path):
    path = tmp_path / "ws.gpkg"
    write_layer(patches(), path, "a")
    write_layer(patches(2), path, "b")
    assert planning.io.list_layers(path) == ["a", "b"]


def test_atomic_output_requires_something_written(tmp_path: Path):
    with pytest.raises(LayerFileError, match="Nothing was written"), \
            atomic_output(tmp_path / "x.txt"):
        pass
    assert not (tmp_path / "x.txt").exists()


def test_missing_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(LayerFileError, match="No such file"):
        read_layer(tmp_path / "nothing.shp")


def test_map_fields_prefers_plan_codes_and_accepts_extra_names():
    frame = patches().assign(GHDLBM=["211", "212", "11"], MYCODE=["x", "y", "z"])
    out, mapped = map_fields(frame, {"MYCODE": "zone_id"})
    assert out["class_code"].tolist() == ["211", "212", "11"]
    assert mapped["GHDLBM"] == "class_code"
    assert out["zone_id"].tolist() == ["x", "y", "z"]
    assert np.array_equal(frame.columns, patches().assign(GHDLBM=0, MYCODE=0).columns)
