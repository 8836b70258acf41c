"""The quality inspection (质检): every rule finds the defect planted for it, nothing is found
on a clean layer, the error layer opens in any GIS (pyogrio and fiona read it back), the
report and the rules table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import fiona
import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

import planning
from planning import survey
from planning._errors import InputError
from planning.cli import main


@pytest.fixture(scope="module")
def clean(sample_ro: planning.Workspace) -> dict[str, gpd.GeoDataFrame]:
    """The survey layers of one township (城关镇), with the plans."""
    town = "410927100"
    dltb = sample_ro["land_survey"]
    units = sample_ro["admin_units"]
    places = sample_ro["settlement_land"]
    return {
        "land_survey": dltb[dltb["ZLDWDM"].str.startswith(town)].reset_index(drop=True),
        "admin_units": units[units["XZQDM"].str.startswith(town)].reset_index(drop=True),
        "settlement_land": places[places["CZCDM"].str.startswith(town)].reset_index(
            drop=True),
        "urban_plan": sample_ro["urban_plan"].copy(),
        "landuse_plan": sample_ro["landuse_plan"].iloc[:200].reset_index(drop=True),
    }


def test_nothing_is_found_on_a_clean_layer(clean: dict[str, gpd.GeoDataFrame]) -> None:
    report = survey.inspect_quality(clean)
    assert report.passed, report.findings[["rule_id", "message"]].head().to_string()
    assert set(report.rules["status"]) == {"passed"}
    assert len(report.rules) == len(survey.rules_table())


def _plant(layers: dict[str, gpd.GeoDataFrame]) -> tuple[dict[str, gpd.GeoDataFrame],
                                                          dict[str, tuple[str, int | None]]]:
    """One defect per rule; returns the layers and, per rule, (layer, row) of the defect
    (row None: a piece or the whole layer)."""
    out = {k: v.copy() for k, v in layers.items()}
    d, units, places = out["land_survey"], out["admin_units"], out["settlement_land"]
    farm = list(d.index[d["DLBM"].str.startswith("01") & d["CZCSXM"].isna()])
    home = list(d.index[(d["DLBM"] == "0702") & (d["CZCSXM"] == "203")])
    banks = list(d.index[d["KCMJ"].fillna(0) > 0])
    expected: dict[str, tuple[str, int | None]] = {}

    def put(rule: str, row: int | None, column: str | None = None, value: object = None,
            layer: str = "land_survey") -> None:
        if column is not None:
            frame = out[layer]
            if column in frame.columns and pd.api.types.is_numeric_dtype(frame[column]) \
                    and isinstance(value, str):
                frame[column] = frame[column].astype(object)
            frame.loc[row, column] = value
        expected[rule] = (layer, row)

    out["land_survey"] = d = d.drop(columns=["BZ", "note"])
    expected["S01"] = ("land_survey", None)
    _plant_attributes(put, d, units, farm=farm, home=home, banks=banks)
    _plant_geometries(d, places, farm=farm, home=home, expected=expected, put=put)
    other = d.loc[d["ZLDWDM"] != d.loc[farm[19], "ZLDWDM"], "ZLDWDM"].iloc[0]
    put("L09", farm[19], "ZLDWDM", other)
    put("A01", farm[20], "TBDLMJ", d.loc[farm[20], "TBDLMJ"] + 5)
    put("A02", banks[2], "KCMJ", d.loc[banks[2], "KCMJ"] + 1)
    put("A03", farm[21], "TBMJ", d.loc[farm[21], "TBMJ"] + 10)
    put("A04", 2, "JSMJ", units.loc[2, "JSMJ"] + 10, layer="admin_units")
    expected["A05"] = ("admin_units", None)  # the village of farm[21] no longer adds up
    put("A06", farm[22], "TBMJ", 100.0)
    out["urban_plan"] = out["urban_plan"].set_crs(2384, allow_override=True)  # Xian 1980
    expected["M01"] = ("urban_plan", None)
    out["landuse_plan"] = out["landuse_plan"].to_crs(4547)  # zone 38 for zone-39 data
    expected["M02"] = ("landuse_plan", None)
    return out, expected


def _plant_attributes(put: Callable[..., None], d: gpd.GeoDataFrame, units: gpd.GeoDataFrame,
                      *, farm: list[int], home: list[int], banks: list[int]) -> None:
    """Defects of values: structure, domains, uniqueness, logic."""
    d["SJNF"] = d["SJNF"].astype(float)
    put("S02", farm[0], "SJNF", 2019.5)
    put("S03", farm[1], "TBBH", "123456789")
    put("S04", farm[2], "QSDWMC", "")
    put("D01", farm[3], "DLBM", "0199")
    put("D02", banks[0], "KCDLBM", "9999")
    put("D03", farm[4], "QSXZ", "99")
    put("D04", home[0], "CZCSXM", "209")
    put("D05", farm[5], "GDLX", "XX")
    put("D06", farm[6], "GDPDJB", "9")
    put("D07", farm[7], "FRDBS", "2")
    put("D08", 0, "CZCLX", "299", layer="settlement_land")
    put("D09", 0, "class_code", "Z9", layer="urban_plan")
    put("D10", 0, "class_code", "999", layer="landuse_plan")
    put("U01", farm[9], "BSM", d.loc[farm[8], "BSM"])
    same_village = d.index[(d["ZLDWDM"] == d.loc[farm[10], "ZLDWDM"]) & (d.index != farm[10])]
    put("U02", farm[10], "TBBH", d.loc[same_village[0], "TBBH"])
    put("U03", 1, "XZQDM", units.loc[0, "XZQDM"], layer="admin_units")
    put("L02", home[2], "CZCSXM", "203A")
    put("L03", home[3], "CZCSXM", "204")
    put("L04", home[4], "CZCSXM", "205")
    put("L05", farm[17], "GDPDJB", None)
    put("L06", home[5], "GDPDJB", "1")
    put("L07", farm[18], "DLMC", "=旱地")  # formula-like text stays text in the report
    put("L08", banks[1], "KCDLBM", None)


def _plant_geometries(d: gpd.GeoDataFrame, places: gpd.GeoDataFrame, *, farm: list[int],
                      home: list[int], expected: dict[str, tuple[str, int | None]],
                      put: Callable[..., None]) -> None:
    """Defects of geometry: topology, and the settlements."""
    geoms = d.geometry.copy()
    x0, y0, x1, y1 = geoms[farm[11]].bounds
    geoms[farm[11]] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])  # bow-tie
    expected["T01"] = ("land_survey", farm[11])
    geoms[farm[12]] = geoms[farm[12]].buffer(3)
    expected["T02"] = ("land_survey", None)
    geoms[farm[13]] = geoms[farm[13]].buffer(-3)
    expected["T03"] = ("land_survey", None)
    c = geoms[farm[14]].centroid
    cut = shapely.box(c.x - 0.25, geoms[farm[14]].bounds[1] - 1, c.x + 0.25,
                      geoms[farm[14]].bounds[3] + 1)
    geoms[farm[14]] = geoms[farm[14]].difference(cut)
    expected["T04"] = ("land_survey", farm[14])
    geoms[farm[15]] = shapely.affinity.translate(geoms[farm[15]], 30_000, 0)
    expected["T05"] = ("land_survey", farm[15])
    d.geometry = geoms
    put("T06", farm[16], "CZCSXM", "203")
    put("T07", home[1], "CZCSXM", None)
    expected["T07"] = ("settlement_land", None)
    inner = places.geometry[1].representative_point().buffer(2, cap_style="square")
    places.loc[1, "geometry"] = places.geometry[1].difference(inner)
    expected["T08"] = ("settlement_land", 1)
    expected["L01"] = ("land_survey", home[1])


@pytest.fixture(scope="module")
def planted(clean: dict[str, gpd.GeoDataFrame]) -> tuple[survey.QualityReport,
                                                          dict[str, tuple[str, int | None]],
                                                          dict[str, gpd.GeoDataFrame]]:
    layers, expected = _plant(clean)
    return survey.inspect_quality(layers), expected, layers


def test_every_planted_defect_is_found(planted: tuple[survey.QualityReport, dict, dict]
                                       ) -> None:
    report, expected, _ = planted
    rule_ids = set(survey.rules_table()["rule_id"])
    assert set(expected) == rule_ids  # one defect planted for every rule
    found = report.findings
    assert set(found["rule_id"]) == rule_ids
    for rule, (layer, row) in expected.items():
        mine = found[(found["rule_id"] == rule) & (found["layer"] == layer)]
        assert len(mine), (rule, layer)
        if row is not None:
            assert row in set(mine["row"]), (rule, row, mine["row"].tolist()[:5])
    assert set(report.rules["status"]) == {"failed"}


def test_findings_say_where_and_what(planted: tuple[survey.QualityReport, dict, dict],
                                     clean: dict[str, gpd.GeoDataFrame]) -> None:
    report, expected, layers = planted
    found = report.findings
    by_rule = found.set_index("rule_id")
    row = expected["D01"][1]
    d01 = by_rule.loc[["D01"]]
    assert d01["value"].tolist() == ["0199"]
    assert d01["feature_id"].iloc[0] == str(layers["land_survey"].loc[row, "BSM"])
    assert "sandiao" in d01["message"].iloc[0]
    # the pieces: the ring the shrunk patch left, the patch moved out of the township
    gaps = found[found["rule_id"] == "T03"]
    assert (gaps["row"] == -1).all()
    d = layers["land_survey"]
    moved = expected["T05"][1]
    outside = found[(found["rule_id"] == "T05") & (found["row"] == moved)]
    assert outside.geometry.area.sum() == pytest.approx(d.geometry[moved].area, rel=1e-9)
    hole = clean["land_survey"].geometry[moved]  # where the moved patch was: a gap
    assert gaps.geometry.intersection(hole).area.sum() == pytest.approx(hole.area, rel=1e-6)
    assert found.loc[found["rule_id"] == "M02", "message"].str.contains("zone 39").all()
    assert list(found["finding_id"]) == list(range(1, len(found) + 1))
    assert found["category_zh"].notna().all()
    assert found.crs.to_epsg() == 4548


def test_the_error_layer_opens_in_any_gis(planted: tuple[survey.QualityReport, dict, dict],
                                          tmp_path: Path) -> None:
    report, _, _ = planted
    path = report.to_gpkg(tmp_path / "质检错误.gpkg")
    info = pyogrio.read_info(path, layer="quality_errors")
    assert info["features"] == len(report.findings)
    assert info["geometry_type"] == "Unknown"  # GEOMETRY: findings of line layers are lines
    assert info["crs"] == "EPSG:4548"
    assert {"rule_id", "category", "layer", "row", "feature_id", "message"} <= set(info["fields"])
    with fiona.open(path, layer="quality_errors") as source:
        features = list(source)
        assert source.schema["geometry"] in {"Unknown", "Geometry"}
    assert len(features) == len(report.findings)
    assert sorted({f.properties["rule_id"] for f in features}) == sorted(
        set(report.findings["rule_id"]))
    back = gpd.read_file(path, layer="quality_errors")
    assert set(back.geom_type.dropna()) == {"MultiPolygon"}  # polygon layers' findings
    assert back["message"].tolist() == report.findings["message"].tolist()
    rules = pyogrio.read_dataframe(path, layer="quality_rules")
    assert len(rules) == len(report.rules)
    assert dict(pyogrio.list_layers(path))["quality_rules"] is None


def test_the_report_workbook(planted: tuple[survey.QualityReport, dict, dict],
                             tmp_path: Path) -> None:
    report, _, _ = planted
    path = report.to_excel(tmp_path / "质检报告.xlsx")
    summary = planning.io.read_grid(path, sheet="质检汇总")
    assert summary.rows[1][:3] == ["规则编号", "类别", "规则说明"]
    assert len(summary.rows) - 2 == len(report.rules)
    listing = planning.io.read_grid(path, sheet="问题清单")
    assert len(listing.rows) - 2 == len(report.findings)
    import openpyxl

    cells = [c for row in openpyxl.load_workbook(path)["问题清单"].iter_rows(min_row=3)
             for c in row if c.value == "=旱地"]
    assert cells
    assert all(c.data_type == "s" for c in cells)


def test_inputs_are_not_changed(clean: dict[str, gpd.GeoDataFrame]) -> None:
    before = {k: v.copy() for k, v in clean.items()}
    layers, _ = _plant(clean)
    survey.inspect_quality(layers)
    for name, frame in clean.items():
        assert_geodataframe_equal(frame, before[name])


def test_rules_are_data_a_bureau_can_edit(clean: dict[str, gpd.GeoDataFrame],
                                          tmp_path: Path) -> None:
    rules = survey.rules_table()
    stricter = rules.copy()
    a06 = stricter["rule_id"] == "A06"
    stricter.loc[a06, "parameters"] = stricter.loc[a06, "parameters"].str.replace(
        "agricultural=400", "agricultural=30000")
    path = tmp_path / "rules.csv"
    planning.io.write_csv(stricter, path, protect=False)
    report = survey.inspect_quality(clean, rules=path)
    assert set(report.findings["rule_id"]) == {"A06"}
    xlsx = planning.io.write_workbook(tmp_path / "rules.xlsx", [planning.io.Table(
        "规则", stricter.loc[a06])]).path
    only = survey.inspect_quality(clean, rules=xlsx)
    assert list(only.rules["rule_id"]) == ["A06"]
    broken = rules.head(3).copy()
    broken.loc[0, "check"] = "looks_fine"
    broken.loc[1, "parameters"] = "field"
    broken.loc[2, "category"] = "style"
    with pytest.raises(InputError) as err:
        survey.load_rules(broken)
    text = str(err.value)
    for part in ("row 2", "looks_fine", "key=value", "'style'"):
        assert part in text
    with pytest.raises(InputError, match="needs the parameter field"):
        survey.load_rules(rules[rules["rule_id"] == "D01"].assign(parameters="domain=qsxz"))
    with pytest.raises(InputError, match="No layer nothing"):
        survey.inspect_quality(clean, layers=["nothing"])


def test_rules_for_absent_layers_are_not_run(clean: dict[str, gpd.GeoDataFrame]) -> None:
    report = survey.inspect_quality({"DLTB": clean["land_survey"]})
    status = report.rules.set_index("rule_id")["status"]
    assert status["T03"] == "passed"  # no admin units: nothing to compare with
    assert status["D08"] == "not run"
    assert status["D01"] == "passed"
    notes = report.rules.set_index("rule_id")["note"]
    assert "settlement_land" in notes["D08"]


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                          clean: dict[str, gpd.GeoDataFrame]) -> None:
    out = tmp_path / "q.gpkg"
    assert main(["inspect-quality", "-o", str(out), "--excel", str(tmp_path / "q.xlsx"),
                 "--layers", "land_survey,admin_units,settlement_land"]) == 0
    assert "0 findings" in capsys.readouterr().out
    assert pyogrio.read_info(out, layer="quality_errors")["features"] == 0
    layers, _ = _plant(clean)
    ws = planning.Workspace({k: v for k, v in layers.items()
                             if k in ("land_survey", "admin_units")}, county=planning.TAIQIAN)
    ws.save(tmp_path / "broken.gpkg")
    assert main(["inspect-quality", str(tmp_path / "broken.gpkg"), "-o",
                 str(tmp_path / "b.gpkg")]) == 1
    printed = capsys.readouterr().out
    assert "D01" in printed
    assert "wrote" in printed
    assert main(["inspect-quality", "--layers", "nothing", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "No layer nothing" in err


def test_stats_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "stats.xlsx"
    assert main(["stats", "-o", str(out), "--plan-population", "90000"]) == 0
    printed = capsys.readouterr().out
    assert "台前县" in printed
    assert "第4.3.1条" in printed
    import openpyxl

    sheets = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert sheets[:5] == ["一级分类(公顷)", "二级分类(公顷)", "一级分类(亩)", "二级分类(亩)",
                          "面积核对"]
    assert "A.0.1城乡用地汇总表" in sheets
    for argv, phrase in ((["--climate-zone", "IX"], "--climate-zone: expected one of I, II"),
                         (["--plan-population", "-5"], "expected a positive number of people"),
                         (["-o", str(tmp_path / "stats.csv")], "does not end in .xlsx")):
        assert main(["stats", "-o", str(out), *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert phrase in err, err


def test_missing_values_in_any_field_give_findings_not_a_crash(
        clean: dict[str, gpd.GeoDataFrame]) -> None:
    layers = {k: v.copy() for k, v in clean.items() if k in
              ("land_survey", "admin_units", "settlement_land")}
    for frame in layers.values():
        for column in frame.columns:
            if column != frame.geometry.name:
                frame[column] = frame[column].astype(object)
                frame.loc[3, column] = pd.NA
    found = survey.inspect_quality(layers).findings
    blank = found[(found["rule_id"] == "S04") & (found["layer"] == "land_survey")]
    assert {"ZLDWDM", "DLBM", "TBMJ"} <= set(blank["field"])
    assert set(blank["row"]) == {3}
    assert "L09" not in set(found["rule_id"])  # a blank code is S04's, not a mismatch
    a03 = found[found["rule_id"] == "A03"]
    assert a03["message"].str.contains("TBMJ is blank").all()
    assert len(a03) == 1


def test_a_blank_location_code_is_a_finding(clean: dict[str, gpd.GeoDataFrame]) -> None:
    d = clean["land_survey"].copy()
    d.loc[3, "ZLDWDM"] = None
    found = survey.inspect_quality({"land_survey": d,
                                    "admin_units": clean["admin_units"]}).findings
    s04 = found[found["rule_id"] == "S04"]
    assert s04[["row", "field"]].values.tolist() == [[3, "ZLDWDM"]]


def test_a05_points_at_the_admin_unit(clean: dict[str, gpd.GeoDataFrame]) -> None:
    d, units = clean["land_survey"].copy(), clean["admin_units"]
    d.loc[5, "TBMJ"] += 10
    found = survey.inspect_quality({"land_survey": d, "admin_units": units}).findings
    a05 = found[found["rule_id"] == "A05"]
    village = units.index[units["XZQDM"].str[:12] == d.loc[5, "ZLDWDM"][:12]][0]
    assert a05[["layer", "row", "feature_id"]].values.tolist() == [
        ["admin_units", village, str(units.loc[village, "BSM"])]]
    assert a05.geometry.iloc[0].equals(units.geometry[village])


def test_layers_in_other_crss_are_reprojected_for_the_topology(
        clean: dict[str, gpd.GeoDataFrame], tmp_path: Path) -> None:
    layers = {k: clean[k] for k in ("land_survey", "admin_units", "settlement_land")}
    report = survey.inspect_quality({**layers, "admin_units": layers["admin_units"].to_crs(4490),
                                     "settlement_land": layers["settlement_land"].to_crs(4527)})
    # no false gaps, overlaps or outside pieces; the lon/lat admin layer is M02's finding
    assert set(report.findings["rule_id"]) == {"M02"}
    assert set(report.findings["layer"]) == {"admin_units"}
    assert any("admin_units" in n and "reprojected" in n for n in report.notes)
    assert any("settlement_land" in n and "reprojected" in n for n in report.notes)
    assert report.findings.crs.to_epsg() == 4548
    import openpyxl

    book = openpyxl.load_workbook(report.to_excel(tmp_path / "q.xlsx"), read_only=True)
    assert book.sheetnames[0] == "说明"
    text = " ".join(str(c) for row in book["说明"].iter_rows(values_only=True) for c in row)
    assert "admin_units" in text


def test_lonlat_layers_find_gaps_and_overlaps_in_m2(
        clean: dict[str, gpd.GeoDataFrame]) -> None:
    layers = {k: clean[k].to_crs(4490) for k in ("land_survey", "admin_units")}
    d = layers["land_survey"].copy()
    d.loc[0, "geometry"] = gpd.GeoSeries([clean["land_survey"].geometry[0].buffer(5.0)],
                                         crs=4548).to_crs(4490).iloc[0]  # into neighbours
    d.loc[2, "geometry"] = gpd.GeoSeries([clean["land_survey"].geometry[2].buffer(-3.0)],
                                         crs=4548).to_crs(4490).iloc[0]
    report = survey.inspect_quality({**layers, "land_survey": d})
    found = report.findings
    assert {"T02", "T03"} <= set(found["rule_id"])
    t03 = found[found["rule_id"] == "T03"]
    ring = clean["land_survey"].geometry[2].difference(
        clean["land_survey"].geometry[2].buffer(-3.0))
    area = float(t03["message"].str.extract(r"gap of ([\d.]+) m²")[0].astype(float).sum())
    assert area == pytest.approx(float(planning.ellipsoidal_area(
        gpd.GeoSeries([ring], crs=4548)).iloc[0]), rel=1e-3)
    assert found.crs.to_epsg() == 4490
    assert any("lon/lat" in n for n in report.notes)


def test_empty_layers_are_noted_not_a_crash(clean: dict[str, gpd.GeoDataFrame]) -> None:
    layers = {k: clean[k].iloc[:0] for k in ("land_survey", "admin_units", "settlement_land")}
    report = survey.inspect_quality(layers)
    assert report.findings.empty
    assert any("empty" in n and "land_survey" in n for n in report.notes)
    assert report.rules["note"].str.contains("empty layer").any()
    half = survey.inspect_quality({"land_survey": clean["land_survey"].iloc[:0],
                                   "admin_units": clean["admin_units"]})
    # its villages have no patches: gaps and control areas that do not add up
    assert set(half.findings["rule_id"]) == {"T03", "A05"}
    assert (half.findings["row"] == -1).sum() == (half.findings["rule_id"] == "T03").sum()


def test_a_run_that_checked_nothing_does_not_pass(clean: dict[str, gpd.GeoDataFrame],
                                                  tmp_path: Path) -> None:
    plain = pd.DataFrame(clean["land_survey"].drop(columns="geometry"))
    report = survey.inspect_quality({"land_survey": plain})
    assert set(report.rules["status"]) == {"not run"}
    assert not report.passed


def test_a_layer_without_crs_is_m01s_finding(clean: dict[str, gpd.GeoDataFrame]) -> None:
    d = clean["land_survey"].set_crs(None, allow_override=True)
    report = survey.inspect_quality({"land_survey": d, "admin_units": clean["admin_units"]})
    m01 = report.findings[report.findings["rule_id"] == "M01"]
    assert m01["layer"].tolist() == ["land_survey"]
    a03 = report.rules.set_index("rule_id").loc["A03"]
    assert a03["status"] == "not run"
    assert "CRS" in a03["note"]
    assert not report.passed


def test_the_error_layer_declares_the_geometries_it_holds(
        clean: dict[str, gpd.GeoDataFrame], tmp_path: Path) -> None:
    import sqlite3

    x, y = clean["land_survey"].geometry[0].representative_point().coords[0]
    roads = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[
        shapely.LineString([(x, y), (x + 50, y)]), shapely.LineString([(x, y), (x, y)])],
        crs=clean["land_survey"].crs)
    report = survey.inspect_quality({"land_survey": clean["land_survey"], "roads": roads})
    kinds = set(report.findings.geometry.geom_type)
    assert "LineString" in kinds  # the degenerate road (T01)
    path = report.to_gpkg(tmp_path / "errors.gpkg")
    with sqlite3.connect(path) as db:
        declared = db.execute("SELECT geometry_type_name FROM gpkg_geometry_columns "
                              "WHERE table_name = 'quality_errors'").fetchone()[0]
    assert declared == "GEOMETRY"
    back = gpd.read_file(path, layer="quality_errors")
    assert len(back) == len(report.findings)
    assert set(back.geom_type) <= {"MultiPolygon", "MultiLineString", "MultiPoint"}
    assert "MultiLineString" in set(back.geom_type)


def test_chinese_field_names_inspect_clean(clean: dict[str, gpd.GeoDataFrame]) -> None:
    names = survey.schema("DLTB").set_index("field")["name_zh"].to_dict()
    d = clean["land_survey"]
    zh = d[[c for c in d.columns if c in names] + ["geometry"]].rename(columns=names)
    report = survey.inspect_quality({**clean, "land_survey": zh})
    assert report.passed, report.findings[["rule_id", "message"]].head().to_string()


@pytest.mark.parametrize(("rule", "old", "new", "expected"), [
    ("D01", "field=DLBM", "field=DLMB", "did you mean field=DLMC"),
    ("A05", "by=admin_units", "by=admin_unit", "did you mean by=admin_units"),
    ("A05", "control=KZMJ", "control=KZJM", "did you mean control=KZMJ"),
    ("T05", "by=admin_units", "by=admin_unti", "did you mean by=admin_units"),
    ("T06", "where=CZCSXM", "where=CZCSMX", "did you mean where=CZCSXM"),
    ("A01", "right=TBMJ-KCMJ", "right=TBMJ/KCMJ", "is not an area expression"),
    ("D01", "domain=sandiao", "domain=sandio", "did you mean domain=sandiao"),
])
def test_typos_in_the_rules_are_errors_naming_the_rule(rule: str, old: str, new: str,
                                                       expected: str) -> None:
    table = survey.rules_table()
    row = table.index[table["rule_id"] == rule][0]
    assert old in table.loc[row, "parameters"]
    table.loc[row, "parameters"] = table.loc[row, "parameters"].replace(old, new)
    with pytest.raises(InputError, match=expected) as err:
        survey.load_rules(table)
    (problem,) = err.value.problems
    assert problem.message.startswith(f"rule {rule}:")
    assert problem.row == row + 2
    assert problem.column == "parameters"


def test_a_rule_without_id_is_an_error_and_nan_is_blank(tmp_path: Path) -> None:
    table = survey.rules_table()
    table.loc[3, "rule_id"] = ""
    with pytest.raises(InputError, match="no rule_id") as err:
        survey.load_rules(table)
    assert err.value.problems[0].row == 5
    path = tmp_path / "rules.xlsx"
    survey.rules_table().to_excel(path, index=False)
    read = pd.read_excel(path)  # blank cells are NaN
    assert read["parameters"].isna().any()
    assert [r.rule_id for r in survey.load_rules(read)] == list(survey.rules_table()["rule_id"])


def test_the_command_line_on_broken_survey_layers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        clean: dict[str, gpd.GeoDataFrame]) -> None:
    d, units = clean["land_survey"].copy(), clean["admin_units"]
    d.loc[0, ["TBMJ", "TBDLMJ"]] = float("nan")
    d.loc[3, "ZLDWDM"] = None
    ws = planning.Workspace({"land_survey": d, "admin_units": units},
                            county=planning.TAIQIAN)  # a workspace holds one CRS
    ws.save(tmp_path / "broken.gpkg")
    assert main(["stats", str(tmp_path / "broken.gpkg"), "--no-adjust", "--no-balance",
                 "-o", str(tmp_path / "s.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "drop --no-adjust" in err
    assert main(["stats", str(tmp_path / "broken.gpkg"), "--no-balance",
                 "-o", str(tmp_path / "s.xlsx")]) == 0
    printed = capsys.readouterr().out
    assert "未落入村级单位" in printed
    assert "adjustment:" in printed
    assert main(["inspect-quality", str(tmp_path / "broken.gpkg"), "-o",
                 str(tmp_path / "b.gpkg")]) == 1
    printed = capsys.readouterr().out
    assert "S04" in printed  # the blank ZLDWDM, no traceback
    assert "L09" not in printed
    empty = planning.Workspace({"land_survey": d.iloc[:0], "admin_units": units},
                               county=planning.TAIQIAN)
    empty.save(tmp_path / "empty.gpkg")
    assert main(["stats", str(tmp_path / "empty.gpkg"), "-o", str(tmp_path / "e.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "the land_survey layer is empty" in err
    assert err.count("\n") == 1, err


def test_layers_by_survey_name_or_as_text_and_whole_digits(
        clean: dict[str, gpd.GeoDataFrame]) -> None:
    layers = {k: clean[k] for k in ("land_survey", "admin_units")}
    one = survey.inspect_quality(layers, layers="land_survey")
    assert set(one.rules["layers_checked"]) <= {"land_survey", ""}
    assert (one.rules["layers_checked"] == "land_survey").any()
    by_name = survey.inspect_quality(layers, layers=["DLTB"])
    assert by_name.rules["layers_checked"].tolist() == one.rules["layers_checked"].tolist()
    table = survey.rules_table()
    row = table.index[table["rule_id"] == "L09"][0]
    table.loc[row, "parameters"] = table.loc[row, "parameters"].replace("digits=12",
                                                                        "digits=12.5")
    with pytest.raises(InputError, match="rule L09: parameter digits is a number of code"):
        survey.load_rules(table)


def test_a_cjdcq_admin_layer_is_checked_by_its_own_fields(
        clean: dict[str, gpd.GeoDataFrame]) -> None:
    cj = clean["admin_units"].rename(columns={"XZQDM": "ZLDWDM", "KZMJ": "DCMJ",
                                              "XZQMC": "ZLDWMC"})
    cj = cj.drop(columns=["admin_code", "control_area_m2", "admin_name"], errors="ignore")
    assert survey.inspect_quality({"DLTB": clean["land_survey"], "CJDCQ": cj}).passed
    d = clean["land_survey"].copy()
    d.loc[5, "TBMJ"] += 10
    d.loc[5, "TBDLMJ"] += 10
    found = survey.inspect_quality({"DLTB": d, "CJDCQ": cj}).findings
    a05 = found[found["rule_id"] == "A05"]
    assert a05["layer"].tolist() == ["admin_units"]
    assert a05["message"].str.contains("DCMJ by").all()
    village = cj.index[cj["ZLDWDM"].str[:12] == d.loc[5, "ZLDWDM"][:12]][0]
    assert a05["row"].tolist() == [village]
