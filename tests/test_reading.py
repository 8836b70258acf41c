"""read_layer on files that are not what they claim, and on data as it really arrives: every
file read right, or refused with the toolkit's own error naming the user's file.

Each test makes its files: a UTF-8 Shapefile with three-character Chinese field names, the
same given as its .dbf, its folder and a zip; GBK without .cpg; encryption-style headers;
empty and truncated files; record-count mismatches; named pipes; link loops; a GCJ-02 copy of
the sample's county; AMap field names; polygons with empty rings; 6-degree zone prefixes; a
layer far wider than its zone; coordinates a CRS cannot hold.
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj
import pytest
import shapely

import planning
from planning import CRSError, GeometryError, InputError, LayerFileError
from planning.crs import to_gcj02
from planning.io import read_layer

SEAT = (397_720.0, 3_983_363.0)  # county seat, EPSG:4548
NAMES = ["城关镇", "打渔陈镇", "夹河乡"]


def towns(n: int = 3) -> gpd.GeoDataFrame:
    """Three squares with three-character Chinese field names (9 bytes each in UTF-8)."""
    x, y = SEAT
    return gpd.GeoDataFrame(
        {"市代码": ["4109"] * n, "省代码": ["41"] * n, "名称": NAMES[:n],
         "zone_id": [f"Z{i}" for i in range(n)]},
        geometry=[shapely.box(x + 100 * i, y, x + 100 * (i + 1), y + 100) for i in range(n)],
        crs="EPSG:4548")


def shapefile(folder: Path, encoding: str, *, cpg: bool = True, n: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "towns.shp"
    pyogrio.write_dataframe(towns(n), path, encoding=encoding)
    if not cpg:
        path.with_suffix(".cpg").unlink()
    return path


def zipped(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, prefix + part.name)
    return target


def messages(gdf: gpd.GeoDataFrame) -> str:
    return " | ".join(p.message for p in gdf.attrs["planning_report"].problems)


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail (instead of hanging the suite) when a read blocks for more than 20 s."""
    def stop(signum: int, frame: object) -> None:
        raise TimeoutError("read_layer hung")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# --- encodings: the same detection for the .shp, the .dbf, the folder and a zip ------------


def test_utf8_three_character_names_are_never_repaired(tmp_path: Path):
    path = shapefile(tmp_path / "u", "UTF-8")
    # the bug this fixes: as GB18030, the 9 bytes of 市代码 end in half a character, and the
    # old repair cut it, turning the whole .dbf into "not UTF-8"
    assert len("市代码".encode()) == 9
    with pytest.raises(UnicodeDecodeError):
        "市代码".encode().decode("gb18030")
    shp = read_layer(path)
    assert list(shp.columns[:3]) == ["市代码", "省代码", "名称"]
    assert shp["名称"].tolist() == NAMES
    report = shp.attrs["planning_report"]
    assert (report.encoding, report.encoding_reason) == ("utf-8", ".cpg says UTF-8")
    assert "half a character" not in messages(shp)
    for given in (path.with_suffix(".dbf"), path.parent,
                  zipped(path.parent, tmp_path / "u.zip", "data/")):
        again = read_layer(given)
        assert list(again.columns[:3]) == ["市代码", "省代码", "名称"], given
        assert again["名称"].tolist() == NAMES, given
        assert again.attrs["planning_report"].encoding_reason == ".cpg says UTF-8", given


def test_gbk_without_cpg_is_detected_whatever_is_given(tmp_path: Path):
    path = shapefile(tmp_path / "k", "GBK", cpg=False)
    plain = pyogrio.read_dataframe(path.with_suffix(".dbf"))  # what GDAL alone gives
    assert "名称" not in plain.columns
    for given in (path, path.with_suffix(".dbf"), path.parent,
                  zipped(path.parent, tmp_path / "k.zip")):
        gdf = read_layer(given)
        assert gdf["名称"].tolist() == NAMES, given
        report = gdf.attrs["planning_report"]
        assert report.encoding == "gb18030", given
        assert "no .cpg; the text is GB18030/GBK" in report.encoding_reason, given
    assert "part of the Shapefile towns.shp" in messages(read_layer(path.with_suffix(".dbf")))


def test_zip_with_gbk_member_names_and_several_layers(tmp_path: Path):
    folder = tmp_path / "k"
    path = shapefile(folder, "GBK", cpg=False)
    target = tmp_path / "乡镇.zip"
    # a zip made on Chinese Windows: names in GBK, without the UTF-8 flag
    with zipfile.ZipFile(target, "w") as archive:
        for part in sorted(folder.iterdir()):
            info = _CodePageName(("乡镇/" + part.name).encode("gbk").decode("cp437"))
            archive.writestr(info, part.read_bytes())
        archive.writestr("other/plan.geojson", towns(2).to_crs(4490).to_json())
    raw = target.read_bytes()
    assert "乡镇".encode("gbk") in raw
    assert b"\xe4\xb9\xa1" not in raw
    with pytest.raises(InputError, match=r"holds 2 layers.*乡镇/towns.shp.*layer="):
        read_layer(target)
    gdf = read_layer(target, "towns")
    assert gdf["名称"].tolist() == NAMES
    assert gdf.attrs["planning_report"].source == f"{target} [乡镇/towns.shp]"
    assert len(read_layer(target, "plan")) == 2
    del path


class _CodePageName(zipfile.ZipInfo):
    """A member whose name is stored in a code page, without the UTF-8 flag (as zip tools on
    Chinese Windows write them)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - zipfile's name
        return self.filename.encode("cp437"), self.flag_bits


def test_an_unknown_encoding_is_named_with_the_user_file(tmp_path: Path):
    path = shapefile(tmp_path / "b", "UTF-8")
    dbf = bytearray(path.with_suffix(".dbf").read_bytes())
    offset = bytes(dbf).index("城关镇".encode())
    dbf[offset:offset + 3] = b"\xff\xfe\xfd"  # neither UTF-8 nor GB18030
    path.with_suffix(".dbf").write_bytes(bytes(dbf))
    with pytest.raises(InputError, match="Cannot tell the text encoding") as info:
        read_layer(path)
    assert str(path.with_suffix(".dbf")) in str(info.value)
    assert "encoding='...'" in str(info.value)
    with pytest.raises(InputError, match="not a text encoding"):
        read_layer(path, encoding="bogus")


# --- files that are not what they claim -----------------------------------------------------


def test_encryption_wrappers_are_named_not_read(tmp_path: Path):
    path = shapefile(tmp_path / "e", "GBK", cpg=False)
    vendor = b"\x01\x02E-SafeNet\x00\x00LOCK" + bytes(495)
    for part, kind in ((".shp", "Shapefile"), (".dbf", "dBASE")):
        folder = tmp_path / f"enc{part}"
        shutil.copytree(path.parent, folder)
        target = folder / f"towns{part}"
        target.write_bytes(vendor + target.read_bytes())
        with pytest.raises(LayerFileError, match=f"is not a {kind}") as info:
            read_layer(folder / "towns.shp")
        text = str(info.value)
        assert str(target) in text
        assert "document-encryption" in text
        assert "E-SafeNet" in text
        assert "planning-layer-" not in text
        assert "encoding" not in text.lower()
    gpkg = tmp_path / "plan.gpkg"
    towns().to_file(gpkg)
    wrapped = tmp_path / "wrapped.gpkg"
    wrapped.write_bytes(vendor + gpkg.read_bytes())
    with pytest.raises(LayerFileError, match="header of 512 bytes") as info:
        read_layer(wrapped)
    assert str(wrapped) in str(info.value)


def test_empty_and_truncated_files_are_refused(tmp_path: Path):
    gpkg = tmp_path / "plan.gpkg"
    towns().to_file(gpkg)
    data = gpkg.read_bytes()
    (tmp_path / "zero.gpkg").write_bytes(b"")
    (tmp_path / "cut.gpkg").write_bytes(data[: len(data) // 3])
    with pytest.raises(LayerFileError, match=r"zero\.gpkg is empty \(0 bytes\)"):
        read_layer(tmp_path / "zero.gpkg")
    with pytest.raises(LayerFileError, match=rf"cut\.gpkg is truncated.*{len(data):,} bytes"):
        read_layer(tmp_path / "cut.gpkg")
    path = shapefile(tmp_path / "s", "UTF-8")
    for part in (".shp", ".dbf"):
        folder = tmp_path / f"cut{part}"
        shutil.copytree(path.parent, folder)
        target = folder / f"towns{part}"
        target.write_bytes(target.read_bytes()[:-20])
        with pytest.raises(LayerFileError, match="is truncated") as info:
            read_layer(folder / "towns.shp")
        assert str(target) in str(info.value)
    (tmp_path / "zero.shp").write_bytes(b"")
    with pytest.raises(LayerFileError, match="empty"):
        read_layer(tmp_path / "zero.shp")
    (tmp_path / "cut.zip").write_bytes(zipped(path.parent, tmp_path / "s.zip").read_bytes()[:300])
    with pytest.raises(LayerFileError, match="not a complete zip archive"):
        read_layer(tmp_path / "cut.zip")


@pytest.mark.parametrize("fewer", [True, False])
def test_record_count_mismatch_reads_every_feature(tmp_path: Path, fewer: bool):
    folder = tmp_path / "m"
    folder.mkdir()
    shapes, records = (5, 3) if fewer else (3, 5)
    towns(3).iloc[[0, 1, 2, 0, 1][:shapes]].to_file(folder / "a.shp", encoding="UTF-8")
    towns(3).iloc[[0, 1, 2, 0, 1][:records]].to_file(folder / "b.shp", encoding="UTF-8")
    shutil.copyfile(folder / "b.dbf", folder / "a.dbf")
    assert len(pyogrio.read_dataframe(folder / "a.shp")) == 3  # GDAL drops two without a word
    gdf = read_layer(folder / "a.shp")
    assert len(gdf) == 5
    note = f"the .dbf holds {records} records for the {shapes} shapes"
    assert note in messages(gdf)
    if fewer:
        assert gdf.geometry.notna().all()
        assert gdf["名称"].isna().sum() == 2
        assert "rows 3-4 read without attributes" in messages(gdf)
    else:
        assert gdf.geometry.isna().sum() == 2
        assert gdf["名称"].notna().all()
        assert "rows 3-4 read without geometry" in messages(gdf)


def test_named_pipes_are_never_opened(tmp_path: Path, no_hang: None):
    pipe = tmp_path / "p.shp"
    os.mkfifo(pipe)
    with pytest.raises(LayerFileError, match="named pipe"):
        read_layer(pipe)
    for part in (".dbf", ".cpg", ".prj"):
        folder = tmp_path / f"pipe{part}"
        path = shapefile(folder, "GBK")
        path.with_suffix(part).unlink()
        os.mkfifo(path.with_suffix(part))
        with pytest.raises(LayerFileError, match=r"named pipe \(FIFO\)") as info:
            read_layer(path)
        assert str(path.with_suffix(part)) in str(info.value)


def test_links_folders_and_missing_parts(tmp_path: Path):
    loop = tmp_path / "loop.shp"
    loop.symlink_to(tmp_path / "back.shp")
    (tmp_path / "back.shp").symlink_to(loop)
    with pytest.raises(LayerFileError, match="symbolic link that loops"):
        read_layer(loop)
    (tmp_path / "broken.shp").symlink_to(tmp_path / "nowhere.shp")
    with pytest.raises(LayerFileError, match="which does not exist"):
        read_layer(tmp_path / "broken.shp")
    (tmp_path / "folder.shp").mkdir()
    with pytest.raises(LayerFileError, match=r"is a folder, not a \.shp file"):
        read_layer(tmp_path / "folder.shp")
    (tmp_path / "empty").mkdir()
    with pytest.raises(LayerFileError, match="holds no layer files"):
        read_layer(tmp_path / "empty")
    path = shapefile(tmp_path / "nd", "UTF-8")
    path.with_suffix(".dbf").unlink()
    bare = read_layer(path)
    assert len(bare) == 3
    assert list(bare.columns) == ["geometry"]
    assert "no .dbf beside" in messages(bare)
    path.with_suffix(".shx").unlink()
    with pytest.raises(LayerFileError, match=r"index file \(\.shx\).*missing"):
        read_layer(path)
    (tmp_path / "alone").mkdir()
    shutil.copyfile(shapefile(tmp_path / "x", "UTF-8").with_suffix(".dbf"),
                    tmp_path / "alone" / "towns.dbf")
    with pytest.raises(LayerFileError, match=r"no towns\.shp beside it"):
        read_layer(tmp_path / "alone" / "towns.dbf")


def test_folder_of_several_layers_and_layer_names(tmp_path: Path):
    folder = tmp_path / "many"
    shapefile(folder, "UTF-8")
    towns(2).to_file(folder / "roads.geojson")
    with pytest.raises(InputError, match=r"holds 2 layers \(roads\.geojson, towns\.shp\)"):
        read_layer(folder)
    assert len(read_layer(folder, "roads")) == 2
    assert len(read_layer(folder, "towns.shp")) == 3
    with pytest.raises(InputError, match=r"no layer 'nope'; its layers are roads\.geojson"):
        read_layer(folder, "nope")
    gpkg = tmp_path / "two.gpkg"
    towns().to_file(gpkg, layer="a")
    towns(2).to_file(gpkg, layer="b")
    with pytest.raises(InputError, match="has no layer 'nope'; its layers are a, b"):
        read_layer(gpkg, "nope")
    with pytest.raises(InputError, match="holds one layer, 'towns'"):
        read_layer(folder / "towns.shp", "nope")


def test_garbage_prj_and_unsupported_files(tmp_path: Path):
    path = shapefile(tmp_path / "g", "UTF-8")
    path.with_suffix(".prj").write_text("garbage here ###")
    with pytest.raises(CRSError, match=r"its \.prj cannot be read as a CRS.*garbage here"):
        read_layer(path)
    assert read_layer(path, crs="EPSG:4548").crs.to_epsg() == 4548
    readme = tmp_path / "README.md"
    readme.write_text("# notes")
    with pytest.raises(LayerFileError, match=r"README\.md is not a layer file"):
        read_layer(readme)
    with pytest.raises(CRSError, match="crs='EPSG:99999' is not a CRS pyproj knows"):
        read_layer(path, crs="EPSG:99999")


# --- GCJ-02 --------------------------------------------------------------------------------


def test_gcj02_copy_of_the_county_is_recognised_and_read(tmp_path: Path, sample_ro):
    county = sample_ro["county"]
    path = tmp_path / "amap_county.geojson"
    to_gcj02(county).to_file(path)  # what an AMap-derived outline looks like
    as_is = read_layer(path, county=planning.TAIQIAN)
    false_km2 = as_is.geometry.iloc[0].symmetric_difference(county.geometry.iloc[0]).area / 1e6
    assert false_km2 > 30  # the false discrepancy of reading it as CGCS2000: ~38 km²
    note = messages(as_is)
    assert "only after the GCJ-02 correction" in note
    assert "crs='GCJ-02'" in note
    assert "never with crs='EPSG:4490'" in note
    right = read_layer(path, crs="GCJ-02", county=planning.TAIQIAN)
    assert right.geometry.iloc[0].symmetric_difference(county.geometry.iloc[0]).area < 1.0
    assert "read as GCJ-02" in messages(right)
    assert "only after the GCJ-02 correction" not in messages(right)
    truth = county.to_crs(4490)
    truth.to_file(tmp_path / "cgcs.geojson")
    assert messages(read_layer(tmp_path / "cgcs.geojson", county=planning.TAIQIAN)) == ""


def test_amap_field_names_get_the_gcj02_warning(tmp_path: Path, sample_ro):
    amap = to_gcj02(sample_ro["townships"]).assign(adcode="410927", center="[115.9,36.0]")
    amap.to_file(tmp_path / "amap.geojson")
    note = messages(read_layer(tmp_path / "amap.geojson"))
    assert "adcode, center look like AMap/Gaode" in note
    assert "crs='GCJ-02'" in note
    bare = tmp_path / "amap.shp"
    pyogrio.write_dataframe(amap, bare, encoding="UTF-8")
    bare.with_suffix(".prj").unlink()
    with pytest.raises(CRSError) as info:
        read_layer(bare)
    assert "crs='GCJ-02'" in str(info.value)
    assert "try crs='EPSG:4490'" not in str(info.value)  # never for AMap data
    metres = shapefile(tmp_path / "metres", "UTF-8")
    metres.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match="longitude/latitude in China"):
        read_layer(metres, crs="GCJ-02")  # GCJ-02 is longitude/latitude, never metres


# --- geometry the engine cannot survive ----------------------------------------------------


def _with_empty_ring() -> shapely.Geometry:
    x, y = SEAT
    ring = [(x, y), (x + 100, y), (x + 100, y + 100), (x, y + 100), (x, y)]
    wkb = (struct.pack("<BII", 1, 3, 2) + struct.pack("<I", len(ring))
           + b"".join(struct.pack("<dd", *p) for p in ring) + struct.pack("<I", 0))
    return shapely.from_wkb(wkb)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_empty_rings_are_removed_on_read(tmp_path: Path, suffix: str):
    bad = _with_empty_ring()
    assert shapely.is_valid(bad)
    assert shapely.make_valid(bad).equals_exact(bad, 0)
    frame = gpd.GeoDataFrame({"zone_id": ["bad", "ok"]},
                             geometry=[bad, shapely.box(*SEAT, SEAT[0] + 50, SEAT[1] + 50)],
                             crs="EPSG:4548")
    path = tmp_path / f"ring{suffix}"
    frame.to_file(path)
    assert shapely.get_num_interior_rings(pyogrio.read_dataframe(path).geometry.iloc[0]) == 1
    gdf = read_layer(path, county=planning.TAIQIAN)
    geom = gdf.geometry.iloc[0]
    assert shapely.get_num_interior_rings(geom) == 0
    assert geom.area == pytest.approx(10_000.0, abs=1e-3)
    assert "empty ring" in messages(gdf)
    assert gdf.attrs["planning_report"].repaired == [0]
    zones = gpd.GeoDataFrame({"z": [1]}, geometry=[shapely.box(*SEAT, SEAT[0] + 60,
                                                               SEAT[1] + 60)], crs=gdf.crs)
    pieces = planning.overlay.intersection(gdf, zones)  # would crash GEOS with the ring
    assert pieces.area.sum() == pytest.approx(3600.0 + 2500.0)


def test_empty_rings_after_geoparquet_are_refused_by_the_overlay(tmp_path: Path):
    pytest.importorskip("pyarrow")
    frame = gpd.GeoDataFrame({"zone_id": ["bad"]}, geometry=[_with_empty_ring()],
                             crs="EPSG:4548")
    frame.to_parquet(tmp_path / "ring.parquet")
    back = gpd.read_parquet(tmp_path / "ring.parquet")
    assert shapely.get_num_interior_rings(back.geometry.iloc[0]) == 1  # it survives
    other = gpd.GeoDataFrame({"z": [1]}, geometry=[shapely.box(*SEAT, SEAT[0] + 60,
                                                               SEAT[1] + 60)], crs=back.crs)
    with pytest.raises(GeometryError, match="empty ring") as info:
        planning.overlay.intersection(back, other)
    assert "planning.read_layer()" in str(info.value)


def test_overlay_columns_never_collide():
    x, y = SEAT
    left = gpd.GeoDataFrame({"code": ["a"], "code_1": ["b"]},
                            geometry=[shapely.box(x, y, x + 10, y + 10)], crs="EPSG:4548")
    right = gpd.GeoDataFrame({"code": ["c"]}, geometry=[shapely.box(x, y, x + 5, y + 5)],
                             crs="EPSG:4548")
    with pytest.raises(ValueError, match="duplicate columns"):  # what geopandas does
        gpd.overlay(left, right)
    with pytest.raises(GeometryError, match="2 columns named 'code_1'"):
        planning.overlay.intersection(left, right)
    reserved = right.assign(__planning_left_position=0)
    with pytest.raises(GeometryError, match="right has a column '__planning_left_position'"):
        planning.overlay.intersection(left.drop(columns="code_1"), reserved)
    ok = planning.overlay.intersection(left.drop(columns="code_1"), right)
    assert list(ok.columns) == ["code_1", "code_2", "geometry"]


# --- datums, zones and coordinates a CRS cannot hold -------------------------------------


def test_six_degree_zone_prefix_is_recognised(tmp_path: Path):
    six = towns().to_crs("EPSG:4509")  # CGCS2000 6-degree CM 117 E, no prefix
    prefixed = six.copy()
    prefixed["geometry"] = shapely.transform(six.geometry.values, lambda c: c + [20e6, 0])
    prefixed.to_file(tmp_path / "six.gpkg")  # says no prefix, eastings carry zone 20
    gdf = read_layer(tmp_path / "six.gpkg", county=planning.TAIQIAN)
    assert "zone prefix 20" in messages(gdf)
    assert "EPSG:4498" in messages(gdf)
    assert gdf.geometry.centroid.distance(towns().geometry.centroid).max() < 0.01


def _scale_at(crs: str, lon: float, lat: float) -> float:
    """Area scale of a projection at a point, from distances: an oracle independent of the
    projection factors (pyproj's Geod against planar distances of a 1 km cross)."""
    geod = pyproj.Geod(ellps="GRS80")
    to_xy = pyproj.Transformer.from_crs(4490, crs, always_xy=True)
    scales = []
    for azimuth in (90.0, 0.0):
        lon2, lat2, _ = geod.fwd(lon, lat, azimuth, 1000.0)
        (x1, x2), (y1, y2) = to_xy.transform([lon, lon2], [lat, lat2])
        scales.append(float(np.hypot(x2 - x1, y2 - y1)) / 1000.0)
    return scales[0] * scales[1]


def test_layers_beyond_their_zone_report_the_area_distortion(tmp_path: Path):
    henan = gpd.GeoDataFrame(geometry=[shapely.box(110.35, 31.38, 116.65, 36.37)],
                             crs="EPSG:4490")
    henan.to_file(tmp_path / "henan.geojson")
    gdf = read_layer(tmp_path / "henan.geojson")
    assert gdf.crs.to_epsg() == 4547  # zone 38 of its centre
    note = messages(gdf)
    assert "beyond its zone (112.5-115.5 E)" in note
    geod = pyproj.Geod(ellps="GRS80")
    box = shapely.segmentize(henan.geometry.iloc[0], 0.01)  # parallels curve in the plane
    planar = gpd.GeoSeries([box], crs="EPSG:4490").to_crs("EPSG:4547").area.iloc[0]
    ratio = planar / abs(geod.geometry_area_perimeter(box)[0])
    assert f"{100 * (ratio - 1):+.2f} %" in note  # planar against ellipsoidal, as a whole
    edge = max(_scale_at("EPSG:4547", 110.35, lat) for lat in (31.38, 36.37))
    assert f"up to {100 * (edge - 1):+.2f} %" in note
    assert 0.25 < 100 * (edge - 1) < 0.35
    small = read_layer(tmp_path / "henan.geojson", to_crs="EPSG:4547")
    assert "beyond its zone" in messages(small)
    towns().to_file(tmp_path / "towns.gpkg")
    assert "beyond its zone" not in messages(read_layer(tmp_path / "towns.gpkg"))


def test_wrong_crs_and_infinite_coordinates_say_the_crs_is_wrong(tmp_path: Path):
    metres = towns().set_crs("EPSG:4490", allow_override=True)  # metres labelled degrees
    metres.to_file(tmp_path / "metres.gpkg")
    for options in ({}, {"check_extent": False}, {"county": planning.TAIQIAN,
                                                 "check_extent": False}):
        with pytest.raises(CRSError, match="CRS is probably wrong"):
            read_layer(tmp_path / "metres.gpkg", **options)
    x, y = SEAT
    broken = gpd.GeoDataFrame(
        geometry=[shapely.box(x, y, x + 10, y + 10),
                  shapely.Polygon([(np.inf, y), (x, y), (x, y + 1), (np.inf, y)])],
        crs="EPSG:4548")
    broken.to_file(tmp_path / "inf.gpkg")
    with pytest.raises(CRSError, match=r"1 feature\(s\) have coordinates that are not finite"):
        read_layer(tmp_path / "inf.gpkg", check_extent=False)


def test_cad_systems_unknown_datums_and_deleted_records(tmp_path: Path):
    path = shapefile(tmp_path / "cad", "UTF-8")
    path.with_suffix(".prj").write_text('LOCAL_CS["unnamed",UNIT["metre",1]]')
    for options in ({}, {"check_extent": False}, {"county": planning.TAIQIAN}):
        with pytest.raises(CRSError, match="does not place the coordinates on the earth"):
            read_layer(path, **options)
    path.with_suffix(".prj").write_text(
        'PROJCS["Transverse_Mercator",GEOGCS["GCS_Unknown",DATUM["D_unknown",'
        'SPHEROID["Unknown",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
        'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
        'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
        'PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],'
        'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')
    unknown = read_layer(path, county=planning.TAIQIAN)
    assert "names no datum" in messages(unknown)
    assert unknown.geometry.centroid.distance(towns().geometry.centroid).max() < 0.01
    deleted = shapefile(tmp_path / "del", "UTF-8")
    dbf = bytearray(deleted.with_suffix(".dbf").read_bytes())
    header, length = struct.unpack("<HH", dbf[8:12])
    dbf[header + length] = ord("*")  # the second record is marked deleted
    deleted.with_suffix(".dbf").write_bytes(bytes(dbf))
    gdf = read_layer(deleted)
    assert gdf["名称"].tolist() == [NAMES[0], NAMES[2]]
    assert "1 of the 3 shapes were not read: 1 records are marked deleted" in messages(gdf)


def test_a_web_page_saved_as_a_layer_file(tmp_path: Path):
    page = tmp_path / "边界.geojson"
    page.write_text("<!DOCTYPE html><html><body>404 Not Found</body></html>", encoding="utf-8")
    with pytest.raises(LayerFileError, match="web page or an XML document") as info:
        read_layer(page)
    assert str(page) in str(info.value)
    assert "encryption" not in str(info.value)


def test_a_zipped_geodatabase_and_its_layers(tmp_path: Path):
    gdb = tmp_path / "plans.gdb"
    planning.io.write_layer(towns(), gdb, "towns")
    planning.io.write_layer(towns(2), gdb, "two")
    target = tmp_path / "plans.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for part in sorted(gdb.iterdir()):
            archive.write(part, f"data/plans.gdb/{part.name}")
    with pytest.raises(InputError, match=r"plans\.gdb\] holds 2 layers \(towns, two\)"):
        read_layer(target)
    gdf = read_layer(target, "two")  # the layer inside the one file of the zip
    assert len(gdf) == 2
    assert gdf.attrs["planning_report"].source == f"{target} [data/plans.gdb] [two]"
