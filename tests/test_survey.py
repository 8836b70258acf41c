"""planning.survey: the third-survey layer model, the TBMJ check and the adjustment to
control areas, the land-survey summary and the GB 50137 balance tables, each against an
independent computation (a groupby on the sample, geopandas' overlay, pyproj's Geod)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import given, settings
from hypothesis import strategies as st

import planning
from planning import classes, survey
from planning._errors import InputError
from planning.survey._rounding import apportion
from tests._geod import geodesic_areas

ROOT = Path(__file__).resolve().parent.parent


def cents(values: pd.Series | np.ndarray) -> np.ndarray:
    return np.round(np.asarray(values, dtype=float) * 100).astype(np.int64)


# --- the layer model ---------------------------------------------------------------------


def test_schemas_hold_the_third_survey_fields() -> None:
    dltb = survey.schema("DLTB")
    for field in ("BSM", "YSDM", "TBYBH", "TBBH", "DLBM", "DLMC", "QSXZ", "QSDWDM", "QSDWMC",
                  "ZLDWDM", "ZLDWMC", "TBMJ", "KCDLBM", "KCXS", "KCMJ", "TBDLMJ", "GDLX",
                  "GDPDJB", "CZCSXM", "SJNF", "MSSM", "BZ"):
        assert field in set(dltb["field"])
    assert set(survey.schema("XZQ")["field"]) >= {"XZQDM", "XZQMC", "KZMJ", "JSMJ"}
    assert set(survey.schema("CZCDYD")["field"]) >= {"CZCLX", "CZCDM", "CZCMC"}
    known = set(survey.domains()["domain"]) | {survey.CLASSIFICATION}
    for layer in survey.layers()["layer"]:
        table = survey.schema(layer)
        assert set(table["domain"]) - {""} <= known
        assert table["field"].is_unique
    contracts = survey.layers().set_index("layer")["contract"]
    assert contracts["DLTB"] == "land_survey"
    assert set(contracts) == {"land_survey", "admin_units", "settlement_land"}
    with pytest.raises(InputError, match="Unknown survey layer"):
        survey.schema("JBNTBHTB")


def test_the_working_classification_maps_to_the_other_standards() -> None:
    table = classes.table("sandiao")
    assert "sandiao" in classes.available()["key"].tolist()
    for column, key in (("gbt21010", "gbt21010"), ("guide2023", "guide2023"),
                        ("gb50137", "gb50137")):
        codes = [c for c in table[column] if c]
        assert set(codes) <= set(classes.table(key)["code"]), column
    # the wetland class of the third survey gathers second-level classes of other groups
    assert table.set_index("code").loc[["0303", "1106", "0603"], "parent"].tolist() == [
        "00", "00", "00"]
    # the three legal classes agree with GB/T 21010 where the codes are the same
    gbt = classes.table("gbt21010").set_index("code")["broad"]
    same = table[table["code"].isin(gbt.index) & (table["level"] == "2")]
    assert (same["broad"].to_numpy() == gbt.loc[same["code"]].to_numpy()).all()
    assert classes.is_construction(["05H1", "0702", "1004", "09"], "sandiao").all()
    assert not classes.is_construction(["0102", "1006", "1104A", "0201K"], "sandiao").any()


def test_sample_layers_follow_the_contract(sample_ro: planning.Workspace) -> None:
    dltb, units, towns = (sample_ro["land_survey"], sample_ro["admin_units"],
                          sample_ro["townships"])
    assert set(survey.schema("DLTB")["field"]) <= set(dltb.columns)
    assert dltb["source"].str.startswith("schematic").all()
    assert units["source"].str.startswith("schematic").all()
    assert dltb["BSM"].is_unique
    assert units["XZQDM"].is_unique
    # villages inside their townships, patches inside their villages
    assert set(units["XZQDM"].str[:9]) <= set(towns["code"])
    assert (dltb["ZLDWDM"].str[:12].isin(units["XZQDM"])).all()
    assert dltb["ZLDWDM"].str.len().eq(19).all()
    # the patches cover the county (but for slivers of the outline, 17 m² of 442 km²)
    total = planning.ellipsoidal_area(dltb).sum()
    assert total == pytest.approx(planning.ellipsoidal_area(sample_ro["county"]).sum(),
                                  rel=1e-7)
    # the toolkit-named copies (as read_layer adds them) agree with the standard fields
    assert (dltb["class_code"] == dltb["DLBM"]).all()
    assert np.array_equal(dltb["patch_area_m2"], dltb["TBMJ"])


def test_sample_classes_agree_with_the_plans(sample_ro: planning.Workspace) -> None:
    """Built land (05-09, 1004) lies on construction land of the land-use plan; the
    highway and the reservoir are where the plan has them."""
    dltb, land = sample_ro["land_survey"], sample_ro["landuse_plan"]
    points = gpd.GeoDataFrame(dltb[["DLBM"]], geometry=dltb.geometry.representative_point(),
                              crs=dltb.crs)
    joined = gpd.sjoin(points, land[["class_code", "geometry"]], predicate="within")
    built = joined["DLBM"].str[:2].isin(["05", "06", "07", "08", "09"]) | joined["DLBM"].eq(
        "1004")
    assert joined.loc[built, "class_code"].astype(str).str.startswith("2").all()
    assert set(joined.loc[joined["DLBM"] == "1103", "class_code"]) == {"226"}
    assert set(joined.loc[joined["DLBM"] == "1003", "class_code"]) == {"222"}


def test_read_survey_layer_maps_standard_and_toolkit_names(tmp_path: Path,
                                                           sample_ro: planning.Workspace
                                                           ) -> None:
    dltb = sample_ro["land_survey"].iloc[:50]
    keep = [c for c in dltb.columns if c.isupper()] + ["geometry"]
    lower = dltb[keep].rename(columns={c: c.lower() for c in keep if c != "geometry"})
    path = tmp_path / "dltb.gpkg"
    lower.to_file(path, layer="DLTB")
    read = survey.read_survey_layer(path, "DLTB", county=planning.TAIQIAN)
    assert {"DLBM", "TBMJ", "ZLDWDM", "class_code", "patch_area_m2"} <= set(read.columns)
    assert read["DLBM"].tolist() == dltb["DLBM"].tolist()
    gbk = survey.read_survey_layer(ROOT / "layers" / "examples" / "dltb_gbk" / "DLTB.shp")
    assert {"DLBM", "DLMC", "ZLDWDM"} <= set(gbk.columns)
    assert gbk.crs.to_epsg() == 4548


# --- TBMJ and the adjustment ---------------------------------------------------------------


def test_check_tbmj_finds_the_patches_off_by_more_than_the_tolerance(
        sample_ro: planning.Workspace) -> None:
    dltb = sample_ro["land_survey"]
    assert survey.check_tbmj(dltb).empty
    wrong = dltb.copy()
    wrong.loc[[10, 20], "TBMJ"] += [0.5, -3.0]
    wrong.loc[30, "TBMJ"] = np.nan
    wrong.loc[40, "TBMJ"] += 0.03  # within 0.05 m2
    found = survey.check_tbmj(wrong)
    assert found["row"].tolist() == [30, 20, 10]  # missing first, then the largest
    expected = geodesic_areas(dltb.iloc[[10, 20]])
    np.testing.assert_allclose(found.set_index("row").loc[[10, 20], "area_m2"], expected,
                               rtol=1e-8)
    assert len(survey.check_tbmj(wrong, atol_m2=0.0, rtol=0.0)) >= 4
    with pytest.raises(InputError, match="rtol"):
        survey.check_tbmj(dltb, rtol=-1)


def test_adjustment_reconciles_exactly_to_the_control_areas(
        sample_ro: planning.Workspace) -> None:
    dltb, units = sample_ro["land_survey"], sample_ro["admin_units"].copy()
    # control areas that differ from the computed ones by whole metres
    rng = np.random.default_rng(5)
    units["KZMJ"] = (units["KZMJ"] + rng.uniform(-40, 40, len(units))).round(2)
    before = dltb.copy()
    adjusted = survey.adjust_to_control(dltb, units)
    assert_geodataframe_equal(dltb, before)  # the input is not changed
    out = adjusted.land_survey
    sums = pd.Series(cents(out["TBMJ"])).groupby(out["ZLDWDM"].str[:12].to_numpy()).sum()
    control = pd.Series(cents(units["KZMJ"]), index=units["XZQDM"])
    assert (sums.sort_index() == control.loc[sums.sort_index().index]).all()  # to the cent
    assert (cents(out["TBDLMJ"]) == cents(out["TBMJ"]) - cents(out["KCMJ"].fillna(0))).all()
    factor = out["KCXS"].notna()
    half_up = np.floor(cents(out.loc[factor, "TBMJ"]) * out.loc[factor, "KCXS"] + 0.5)
    assert (cents(out.loc[factor, "KCMJ"]) == half_up).all()  # 四舍五入 to the cent
    # each patch moves by its share of the unit's difference (and the rounding)
    share = out["TBMJ"] - out["TBMJ_before"]
    scale = adjusted.units.set_index("code")["scale"]
    expected = out["TBMJ_before"] * (out["ZLDWDM"].str[:12].map(scale) - 1)
    assert (share - expected).abs().max() < 0.0101  # floor to the cent, or one cent more
    assert (adjusted.units["adjusted_m2"].round(2) == adjusted.units["control_m2"]).all()
    assert (out["patch_area_m2"] == out["TBMJ"]).all()  # the toolkit copy follows
    assert adjusted.problems == []


def test_adjustment_reports_what_it_cannot_adjust(sample_ro: planning.Workspace) -> None:
    dltb, units = sample_ro["land_survey"].copy(), sample_ro["admin_units"].copy()
    dltb.loc[0, "ZLDWDM"] = "4109279999990000000"
    units.loc[1, "KZMJ"] = np.nan
    result = survey.adjust_to_control(dltb, units)
    messages = " ".join(str(p) for p in result.problems)
    assert "lie in no village" in messages
    assert "no control area" in messages
    assert result.land_survey.loc[0, "TBMJ"] == pytest.approx(
        planning.ellipsoidal_area(dltb.iloc[[0]]).iloc[0], abs=0.005)
    township = survey.adjust_to_control(sample_ro["land_survey"],
                                        units.assign(XZQDM=units["XZQDM"].str[:9],
                                                     KZMJ=units["KZMJ"]).groupby(
                                            "XZQDM", as_index=False)["KZMJ"].sum(),
                                        level="township")
    assert len(township.units) == 9
    with pytest.raises(InputError, match="more than once"):
        survey.adjust_to_control(dltb, pd.concat([units, units]))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e6), st.integers(0, 4)), min_size=1, max_size=60),
       st.lists(st.integers(0, 10**10), min_size=5, max_size=5))
def test_apportion_adds_up_and_stays_within_one(items: list[tuple[float, int]],
                                                totals: list[int]) -> None:
    weights = np.array([w for w, _ in items])
    groups = np.array([g for _, g in items])
    result = apportion(weights, groups, totals)
    used = np.unique(groups)
    sums = np.bincount(groups, weights=result, minlength=5).round().astype(np.int64)
    assert (sums[used] == np.asarray(totals)[used]).all()
    group_sums = np.bincount(groups, weights=weights, minlength=5)[groups]
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(group_sums > 0, weights / group_sums, np.nan)
    exact = np.where(group_sums > 0, np.asarray(totals)[groups] * fraction,
                     np.asarray(totals)[groups] / np.bincount(groups)[groups])
    assert (np.abs(result - exact) < 1 + 1e-6).all()


# --- the land-survey summary -------------------------------------------------------------


@pytest.fixture(scope="module")
def summary(sample_ro: planning.Workspace) -> survey.LandSummary:
    return survey.land_summary(sample_ro["land_survey"], sample_ro["admin_units"],
                               townships=sample_ro["townships"], county_name="台前县")


def test_summary_classes_sum_to_the_control_area(summary: survey.LandSummary,
                                                 sample_ro: planning.Workspace) -> None:
    villages = summary.units["level"] == "village"
    second = cents(summary.second_m2.to_numpy()).sum(axis=1)
    control = cents(summary.units["control_m2"])
    assert (second[villages.to_numpy()] == control[villages.to_numpy()]).all()
    assert (second == control).all()  # townships and the county too
    first = cents(summary.first_m2.to_numpy()).sum(axis=1)
    assert (first == second).all()
    county = summary.units.iloc[0]
    assert (county["level"], county["code"], county["name"]) == ("county", "410927", "台前县")
    assert cents([county["control_m2"]])[0] == cents(sample_ro["admin_units"]["KZMJ"]).sum()
    recon = summary.reconciliation()
    assert (recon["分类面积-控制面积(平方米)"] == 0).all()


def test_summary_matches_an_independent_groupby(summary: survey.LandSummary,
                                                sample_ro: planning.Workspace) -> None:
    dltb = survey.adjust_to_control(sample_ro["land_survey"],
                                    sample_ro["admin_units"]).land_survey
    table = classes.table("sandiao").set_index("code")
    second = dltb["DLBM"].map(lambda c: c if table.loc[c, "level"] != "3"
                              else table.loc[c, "parent"])
    net = pd.DataFrame({"unit": dltb["ZLDWDM"].str[:9], "cls": second,
                        "m2": dltb["TBMJ"] - dltb["KCMJ"].fillna(0)})
    deducted = dltb[dltb["KCMJ"].fillna(0) > 0]
    banks = pd.DataFrame({"unit": deducted["ZLDWDM"].str[:9], "cls": deducted["KCDLBM"],
                          "m2": deducted["KCMJ"]})
    oracle = pd.concat([net, banks]).groupby(["unit", "cls"])["m2"].sum()
    rows = summary.units.reset_index(drop=True)
    for (unit, cls), value in oracle.items():
        i = rows.index[(rows["level"] == "township") & (rows["code"] == unit)][0]
        assert summary.second_m2.loc[i, cls] == pytest.approx(value, abs=0.006), (unit, cls)


@pytest.mark.parametrize(("unit", "decimals"), [("ha", 2), ("mu", 1)])
def test_summary_tables_round_so_that_every_row_adds_up(summary: survey.LandSummary,
                                                        unit: str, decimals: int) -> None:
    one = summary.table(level=1, unit=unit)  # type: ignore[arg-type]
    two = summary.table(level=2, unit=unit)  # type: ignore[arg-type]
    assert one.iloc[0]["级别"] == "县"
    assert list(one.columns[:4]) == ["单位代码", "单位名称", "级别", "合计"]
    firsts = list(one.columns[4:])
    scale = 10**decimals
    np.testing.assert_array_equal(np.round(one[firsts].to_numpy() * scale).sum(axis=1),
                                  np.round(one["合计"].to_numpy() * scale))
    for f in firsts:
        code = f.split()[0]
        kids = [c for c in two.columns[4:] if c != f and classes.table("sandiao").set_index(
            "code").loc[c.split()[0], "parent"] == code]
        if kids:
            np.testing.assert_array_equal(np.round(two[kids].to_numpy() * scale).sum(axis=1),
                                          np.round(two[f].to_numpy() * scale))
    m2_per = 10_000 if unit == "ha" else 10_000 / 15
    exact = summary.units["total_m2"].to_numpy() / m2_per
    assert np.abs(one["合计"].to_numpy() - exact).max() <= 0.5 / scale + 1e-9


def test_summary_workbook(summary: survey.LandSummary, tmp_path: Path) -> None:
    path = summary.to_excel(tmp_path / "现状汇总.xlsx")
    grid = planning.io.read_grid(path, sheet="一级分类(公顷)")
    header = grid.rows[2]
    assert header[:4] == ["单位代码", "单位名称", "级别", "合计"]
    assert grid.rows[3][1] == "台前县"
    assert len(grid.rows) - 3 == len(summary.units)


# --- GB 50137 balance tables ----------------------------------------------------------------


@pytest.fixture(scope="module")
def balance(sample_ro: planning.Workspace) -> tuple[survey.LandBalance, gpd.GeoDataFrame]:
    plan = sample_ro["urban_plan"]
    now = survey.present_state(sample_ro["land_survey"], area=plan.dissolve()[["geometry"]])
    return survey.balance_tables(now, plan, population=41_000, plan_population=90_000), now


def test_balance_tables_equal_an_independent_groupby(sample_ro: planning.Workspace,
                                                     balance: tuple[survey.LandBalance,
                                                                    gpd.GeoDataFrame]) -> None:
    tables, _ = balance
    plan = sample_ro["urban_plan"]
    area = pd.Series(geodesic_areas(plan), index=plan.index)
    letter = plan["class_code"].astype(str).str[0]
    urban = letter.isin(list("RABMWSUG"))
    a02 = tables.a02.set_index("code")
    for code in ("R", "A", "B", "M", "W", "S", "U", "G"):
        assert a02.loc[code, "plan_hm2"] == pytest.approx(area[letter == code].sum() / 1e4,
                                                          abs=1e-4)
    assert a02.loc["H11", "plan_hm2"] == pytest.approx(area[urban].sum() / 1e4, abs=1e-4)
    assert a02.loc["A1", "plan_hm2"] == pytest.approx(
        area[plan["class_code"].str.startswith("A1")].sum() / 1e4, abs=1e-4)
    assert a02.loc["R", "plan_m2_per_person"] == pytest.approx(area[letter == "R"].sum()
                                                               / 90_000, rel=1e-6)
    a01 = tables.a01.set_index("code")
    assert a01.loc["合计", "plan_hm2"] == pytest.approx(area.sum() / 1e4, abs=1e-4)
    assert a01.loc["E", "plan_hm2"] == pytest.approx(area[letter == "E"].sum() / 1e4,
                                                     abs=1e-4)
    assert a01.loc["H", "plan_pct"] + a01.loc["E", "plan_pct"] == pytest.approx(100)


def test_present_state_equals_a_groupby_of_the_survey(sample_ro: planning.Workspace,
                                                      balance: tuple[survey.LandBalance,
                                                                     gpd.GeoDataFrame]) -> None:
    tables, now = balance
    plan = sample_ro["urban_plan"]
    dltb = sample_ro["land_survey"]
    clipped = gpd.overlay(dltb[["DLBM", "CZCSXM", "geometry"]], plan.dissolve()[["geometry"]],
                          how="intersection", keep_geom_type=True)
    gb = clipped["DLBM"].map(classes.table("sandiao").set_index("code")["gb50137"])
    urban = gb.str[0].isin(list("RABMWSUG")) & clipped["CZCSXM"].isin(["202"])
    area = pd.Series(geodesic_areas(clipped), index=clipped.index)
    a02 = tables.a02.set_index("code")
    assert a02.loc["H11", "present_hm2"] == pytest.approx(area[urban].sum() / 1e4, abs=1e-4)
    assert a02.loc["R", "present_hm2"] == pytest.approx(
        area[urban & gb.str.startswith("R")].sum() / 1e4, abs=1e-4)
    a01 = tables.a01.set_index("code")
    assert a01.loc["合计", "present_hm2"] == pytest.approx(area.sum() / 1e4, abs=1e-4)
    village = gb.str[0].isin(list("RABMWSUG")) & clipped["CZCSXM"].eq("203")
    assert a01.loc["H14", "present_hm2"] == pytest.approx(area[village].sum() / 1e4, abs=1e-4)
    assert now["area_m2"].sum() == pytest.approx(area.sum(), rel=1e-8)


def test_every_threshold_failure_names_its_clause(balance: tuple[survey.LandBalance,
                                                                 gpd.GeoDataFrame]) -> None:
    tables, _ = balance
    limits = survey.thresholds()
    assert limits["clause"].str.fullmatch(r"4\.[234]\.\d").all()
    failures = tables.failures
    assert len(failures)
    for row in failures.itertuples(index=False):
        assert f"第{row.clause}条" in row.message
        assert row.message.startswith("GB 50137-2011")
    assert set(tables.checks["result"]) <= {"pass", "fail", "not checked"}


def synthetic(shares: dict[str, float], total_m2: float) -> gpd.GeoDataFrame:
    """A plan of strips with the given share of each class (of ``total_m2``)."""
    x, rows = 397_000.0, []
    for code, share in shares.items():
        width = share * total_m2 / 1000
        rows.append({"class_code": code, "geometry": shapely.box(x, 3_983_000, x + width,
                                                                 3_984_000)})
        x += width
    return gpd.GeoDataFrame(rows, crs="EPSG:4548")


def test_thresholds_pass_and_fail_as_the_clauses_say() -> None:
    good = {"R": 0.32, "A": 0.07, "B": 0.08, "M": 0.20, "W": 0.03, "S": 0.15, "U": 0.03,
            "G1": 0.12}
    plan = synthetic(good, 1_000_000.0)
    now = synthetic(good, 900_000.0)
    # 10,000 people: present 90 m2 per person, plan 100 (band 85-95: 80-110, +0.1 to +20)
    ok = survey.balance_tables(now, plan, population=10_000, plan_population=10_000)
    checks = ok.checks.set_index("rule")
    assert checks.loc["4.2.1-4", "result"] == "pass"
    assert ok.failures.empty, ok.failures["message"].tolist()
    # the same plan for fewer people: too much land per person, and for many: too little
    few = survey.balance_tables(now, plan, population=10_000, plan_population=7_000)
    assert "4.2.1" in set(few.failures["clause"])
    assert "4.3.1" in set(few.failures["clause"])   # residential 45.7 m2 per person
    many = survey.balance_tables(now, plan, population=10_000, plan_population=40_000)
    assert {"4.2.1", "4.3.2", "4.3.3", "4.3.4"} <= set(many.failures["clause"])
    # structure: too little green space
    bad = survey.balance_tables(None, synthetic({**good, "G1": 0.02, "R": 0.42}, 1e6),
                                plan_population=10_000)
    failed = bad.failures.set_index("rule")
    assert "4.4.1-G" in failed.index
    assert "不满足" not in failed.loc["4.4.1-G", "message"]
    assert "4.2.1" not in set(bad.checks.loc[bad.checks["result"] == "fail", "clause"])
    # climate zone III: another band of 4.2.1 and 4.3.1
    zone3 = survey.balance_tables(now, plan, population=10_000, plan_population=10_000,
                                  climate_zone="III")
    assert "4.3.1-2" in set(zone3.checks["rule"])
    with pytest.raises(InputError, match="climate_zone"):
        survey.balance_tables(now, plan, climate_zone="VIII")
    with pytest.raises(InputError, match="plan_population"):
        survey.balance_tables(now, plan, plan_population=-5)


def test_balance_workbook(balance: tuple[survey.LandBalance, gpd.GeoDataFrame],
                          tmp_path: Path) -> None:
    tables, _ = balance
    path = tables.to_excel(tmp_path / "平衡表.xlsx")
    grid = planning.io.read_grid(path, sheet="A.0.2城市建设用地平衡表")
    assert grid.rows[2][:2] == ["类别代码", "类别名称"]
    assert grid.rows[-1][0] == "H11"
    checks = planning.io.read_grid(path, sheet="规划指标核查")
    assert any("第4.3.1条" in str(cell) for row in checks.rows for cell in row)


# --- nothing dropped, clear errors -------------------------------------------------------


def test_a_blank_area_without_adjustment_is_an_error(sample_ro: planning.Workspace) -> None:
    d = sample_ro["land_survey"].copy()
    d.loc[[0, 7], ["TBMJ", "TBDLMJ"]] = np.nan
    with pytest.raises(InputError, match="drop --no-adjust") as err:
        survey.land_summary(d, sample_ro["admin_units"], adjust=False)
    assert [p.row for p in err.value.problems] == [0, 7]
    # adjusted, the blank areas start from the geometry and the county adds up
    s = survey.land_summary(d, sample_ro["admin_units"])
    county = s.units.iloc[0]
    assert county["total_m2"] == pytest.approx(county["control_m2"], abs=0.005)


def test_patches_with_a_blank_location_are_a_row_of_their_own(
        sample_ro: planning.Workspace) -> None:
    d, u = sample_ro["land_survey"].copy(), sample_ro["admin_units"]
    area = float(d.loc[0, "TBMJ"])
    d.loc[0, "ZLDWDM"] = None
    s = survey.land_summary(d, u, adjust=False)
    lost = s.units[s.units["level"] == "unlocated"]
    assert lost["name"].tolist() == ["未落入村级单位"]
    assert lost["total_m2"].iloc[0] == pytest.approx(area, abs=0.005)
    recon = s.reconciliation()
    county = recon.iloc[0]
    assert county["分类面积合计(平方米)"] == pytest.approx(
        float(sample_ro["land_survey"]["TBMJ"].sum()), abs=0.01)
    town = recon[recon["单位代码"] == sample_ro["land_survey"].loc[0, "ZLDWDM"][:9]].iloc[0]
    assert town["分类面积-控制面积(平方米)"] == pytest.approx(-area, abs=0.01)
    adjusted = survey.land_summary(d, u)
    assert adjusted.reconciliation().iloc[0]["分类面积-控制面积(平方米)"] == pytest.approx(
        area, abs=0.01)  # kept outside the control areas, and shown
    assert any(p.column == "ZLDWDM" for p in adjusted.problems)
    assert "平差问题" in [t.name for t in adjusted.sheets()]


def test_a_village_without_patches_keeps_its_control_area(
        sample_ro: planning.Workspace) -> None:
    d, u = sample_ro["land_survey"], sample_ro["admin_units"]
    first = u["XZQDM"].iloc[0][:12]
    s = survey.land_summary(d[~d["ZLDWDM"].str.startswith(first)], u)
    county = s.units.iloc[0]
    assert county["control_m2"] == pytest.approx(float(u["KZMJ"].sum()), abs=0.01)
    row = s.units[s.units["code"] == first].iloc[0]
    assert row["total_m2"] == 0
    assert row["control_m2"] == pytest.approx(float(u["KZMJ"].iloc[0]))
    assert s.reconciliation().iloc[0]["分类面积-控制面积(平方米)"] == pytest.approx(
        -float(u["KZMJ"].iloc[0]), abs=0.01)
    assert any("no patches" in p.message for p in s.problems)


def test_a_patch_without_geometry_is_reported(sample_ro: planning.Workspace) -> None:
    d = sample_ro["land_survey"].copy()
    d.loc[4, "geometry"] = None
    adj = survey.adjust_to_control(d, sample_ro["admin_units"])
    assert adj.land_survey.loc[4, "TBMJ"] == 0
    assert [p.row for p in adj.problems if p.column == "geometry"] == [4]
    assert survey.check_tbmj(d)["row"].tolist() == [4]


def test_bad_control_areas_units_and_empty_layers_are_errors(
        sample_ro: planning.Workspace, summary: survey.LandSummary) -> None:
    u = sample_ro["admin_units"].copy()
    u.loc[2, "KZMJ"] = -5.0
    with pytest.raises(InputError, match="negative control area") as err:
        survey.adjust_to_control(sample_ro["land_survey"], u)
    assert err.value.problems[0].row == 2
    with pytest.raises(InputError, match="'ha', 'mu'"):
        summary.table(unit="亩")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="the land_survey layer is empty"):
        survey.land_summary(sample_ro["land_survey"].iloc[:0], sample_ro["admin_units"])


def test_present_state_outside_the_survey_gives_zero_tables(
        sample_ro: planning.Workspace) -> None:
    d = sample_ro["land_survey"]
    far = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10)], crs=d.crs)
    for area in (far, far.iloc[:0]):
        now = survey.present_state(d, area=area)
        assert len(now) == 0
        b = survey.balance_tables(now, sample_ro["urban_plan"])
        assert (b.a02["present_hm2"] == 0).all()
        assert any("no patches" in n for n in b.notes)


def test_present_state_without_czcsxm_says_so(sample_ro: planning.Workspace) -> None:
    d = sample_ro["land_survey"].drop(columns=["CZCSXM", "settlement_type"], errors="ignore")
    with pytest.warns(UserWarning, match="no CZCSXM"):
        now = survey.present_state(d)
    assert set(now["class_code"]) & {"H12", "H14"} == set()
    b = survey.balance_tables(now, None)
    assert any("CZCSXM" in n for n in b.notes)
    assert b.sheets()[0].name == "说明"


def test_a01_is_the_whole_county_and_a02_the_city(sample_ro: planning.Workspace) -> None:
    d, plan = sample_ro["land_survey"], sample_ro["urban_plan"]
    city = survey.present_state(d, area=plan.dissolve()[["geometry"]])
    county = survey.present_state(d)
    b = survey.balance_tables(city, plan, whole=county)
    a01 = b.a01.set_index("code")
    assert a01.loc["合计", "present_hm2"] == pytest.approx(
        float(county["area_m2"].sum()) / 10_000, rel=1e-6)
    assert a01.loc["H14", "present_hm2"] > 0  # the villages are in the county's table
    h11 = b.a02.set_index("code").loc["H11", "present_hm2"]
    alone = survey.balance_tables(city, plan).a02.set_index("code").loc["H11", "present_hm2"]
    assert h11 == pytest.approx(alone)


def test_chinese_field_names_are_mapped(sample_ro: planning.Workspace, tmp_path: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    names = survey.schema("DLTB").set_index("field")["name_zh"].to_dict()
    d = sample_ro["land_survey"]
    zh = d[[c for c in d.columns if c in names] + ["geometry"]].rename(columns=names)
    std = survey.standardize(zh, "DLTB")
    assert {"DLBM", "TBMJ", "ZLDWDM"} <= set(std.columns)
    assert std["TBMJ"].tolist() == d["TBMJ"].tolist()
    s = survey.land_summary(zh, sample_ro["admin_units"])
    assert s.units.iloc[0]["total_m2"] == pytest.approx(float(
        sample_ro["admin_units"]["KZMJ"].sum()), abs=0.01)
    path = tmp_path / "dltb.gpkg"
    zh.iloc[:20].to_file(path, layer="DLTB")
    with caplog.at_level("WARNING"):
        back = survey.read_survey_layer(path, "DLTB")
    assert "地类编码 -> DLBM" in back.attrs["mapped_fields"]
    assert "地类编码 -> DLBM" in caplog.text
    assert back["DLBM"].tolist() == d["DLBM"].iloc[:20].tolist()


def test_a_multi_layer_file_asks_for_file_layer(sample_ro: planning.Workspace,
                                                tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    sample_ro["land_survey"].iloc[:3].to_file(path, layer="a")
    sample_ro["admin_units"].iloc[:3].to_file(path, layer="b")
    with pytest.raises(InputError, match=r"file_layer=\.\.\.") as err:
        survey.read_survey_layer(path, "DLTB")
    assert " layer=..." not in str(err.value)
    assert len(survey.read_survey_layer(path, "DLTB", file_layer="a")) == 3


def test_invalid_classes_are_never_counted_under_a_real_class(
        sample_ro: planning.Workspace) -> None:
    from planning._errors import UnknownCodeError

    d = sample_ro["land_survey"].copy()
    d.loc[3, "DLBM"] = "0199"
    d.loc[9, "DLBM"] = "01990"
    with pytest.raises(UnknownCodeError, match="not a class") as err:
        survey.land_summary(d, sample_ro["admin_units"])
    assert [(p.row, p.value) for p in err.value.problems] == [(3, "0199"), (9, "01990")]


def test_a_thresholds_table_is_checked(balance: tuple[survey.LandBalance, gpd.GeoDataFrame],
                                       sample_ro: planning.Workspace, tmp_path: Path) -> None:
    plan = sample_ro["urban_plan"]
    now = survey.present_state(sample_ro["land_survey"], area=plan.dissolve()[["geometry"]])

    def run(limits: object) -> survey.LandBalance:
        return survey.balance_tables(now, plan, population=41_000, plan_population=90_000,
                                     limits=limits)  # type: ignore[arg-type]

    bundled = run(None).checks
    path = tmp_path / "limits.csv"
    survey.thresholds().to_csv(path, index=False)
    assert run(str(path)).checks.equals(bundled)  # a path is read as a file
    assert run(pd.read_csv(path)).checks.equals(bundled)
    with pytest.raises(InputError, match="lacks the column"):
        run(survey.thresholds().drop(columns=["maximum"]))
    t = survey.thresholds()
    t["minimum"] = t["minimum"].astype(object)
    row = t.index[t["rule"] == "4.3.3"][0]
    t.loc[row, "minimum"] = "12,0"
    t.loc[row, "class"] = "SS"
    with pytest.raises(InputError, match="cannot be used") as err:
        run(t)
    assert {(p.row, p.column) for p in err.value.problems} == {(row + 2, "minimum"),
                                                                (row + 2, "class")}
