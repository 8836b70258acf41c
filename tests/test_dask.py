"""The Dask engine (planning.overlay.DaskEngine) against the local engine, on a small
LocalCluster."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning import overlay
from planning._errors import CRSError, GeometryError, InputError
from planning.datasets import voronoi_coverage
from planning.overlay import DaskEngine, LocalEngine
from planning.workspace import Workspace
from tests.conftest import need_tool

try:
    import dask_geopandas
    from distributed import Client, LocalCluster

    from planning.overlay import _dask
except ImportError:  # pragma: no cover - the dask extra is part of the test setup
    _dask = None  # type: ignore[assignment]


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """Two worker processes, started once for the module (the current client)."""
    need_tool(_dask is not None, "the dask extra (pip install 'planning[dask]')")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def survey() -> gpd.GeoDataFrame:
    cells = voronoi_coverage(2000, seed=11).rename(columns={"cell_id": "patch"})
    return cells.assign(kind=np.where(cells["patch"] % 3 == 0, "farm", "town"),
                        surveyed=pd.Timestamp("2019-12-31").as_unit("ms"))


@pytest.fixture(scope="module")
def zones() -> gpd.GeoDataFrame:
    cells = voronoi_coverage(200, seed=12).rename(columns={"cell_id": "zone"})
    return cells.assign(kind=np.where(cells["zone"] % 2 == 0, "R", "M"))


def assert_same_pieces(got: gpd.GeoDataFrame, expected: gpd.GeoDataFrame) -> None:
    """The same pieces, in the same order, with the same columns, dtypes and areas."""
    assert isinstance(got, gpd.GeoDataFrame)
    assert list(got.columns) == list(expected.columns)
    assert got.dtypes.astype(str).tolist() == expected.dtypes.astype(str).tolist()
    assert isinstance(got.index, pd.RangeIndex)
    assert got.crs == expected.crs
    attrs = [c for c in expected.columns if c != expected.geometry.name]
    pd.testing.assert_frame_equal(pd.DataFrame(got[attrs]), pd.DataFrame(expected[attrs]))
    assert bool(shapely.equals(got.geometry.values, expected.geometry.values).all())
    np.testing.assert_allclose(got.area.to_numpy(), expected.area.to_numpy(), rtol=1e-12,
                               atol=0)


# --- in-memory layers --------------------------------------------------------------------


@pytest.mark.parametrize("npartitions", [1, 3, 8])
def test_equals_the_local_engine(client: Client, survey: gpd.GeoDataFrame,
                                 zones: gpd.GeoDataFrame, npartitions: int) -> None:
    got = DaskEngine(client=client, npartitions=npartitions).intersection(survey, zones)
    expected = overlay.intersection(survey, zones)
    assert_same_pieces(got, expected)
    assert {"kind_1", "kind_2"} <= set(got.columns)  # shared names get suffixes
    assert float(got.area.sum()) == pytest.approx(float(survey.area.sum()), rel=1e-9)


def test_equals_geopandas_on_the_sample(client: Client, sample_ro: Workspace) -> None:
    urban, land = sample_ro["urban_plan"], sample_ro["landuse_plan"]
    got = overlay.intersection(land, urban, engine=DaskEngine(client=client, npartitions=5))
    assert_same_pieces(got, overlay.intersection(land, urban))
    # by name, with the options of the engine (as before engine objects)
    by_name = overlay.intersection(land, urban, engine="dask", client=client, npartitions=5)
    assert_same_pieces(by_name, got)
    oracle = gpd.overlay(land, urban, how="intersection", keep_geom_type=True)
    assert len(got) == len(oracle)
    by_pair = got.assign(a=got.area).groupby(["patch_id", "zone_id"])["a"].sum()
    oracle_by_pair = oracle.assign(a=oracle.area).groupby(["patch_id", "zone_id"])["a"].sum()
    pd.testing.assert_series_equal(by_pair, oracle_by_pair, rtol=1e-9, atol=1e-6)


def test_only_partitions_that_meet_are_paired(client: Client, survey: gpd.GeoDataFrame,
                                              zones: gpd.GeoDataFrame) -> None:
    lazy = DaskEngine(client=client, npartitions=16).lazy_intersection(survey, zones)
    right_parts = max(1, round(16 * len(zones) / len(survey)))
    assert right_parts == 2
    assert lazy.npartitions < 16 * right_parts
    found = lazy.compute()
    assert len(found) == len(overlay.intersection(survey, zones))
    pairs = found[[DaskEngine.LEFT_POSITION, DaskEngine.RIGHT_POSITION]]
    assert not pairs.duplicated().any()


def test_without_a_cluster_dask_threads_run_it(survey: gpd.GeoDataFrame,
                                               zones: gpd.GeoDataFrame,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    need_tool(_dask is not None, "the dask extra")
    monkeypatch.setattr(_dask, "default_client", lambda: None)  # hide the module's cluster
    got = DaskEngine(npartitions=4).intersection(survey, zones)
    assert_same_pieces(got, overlay.intersection(survey, zones))
    geoms = [np.asarray(f.geometry.array) for f in (survey, zones)]
    found, expected = DaskEngine(npartitions=4).pieces(*geoms), overlay.pieces_of(*geoms)
    np.testing.assert_array_equal(found.left, expected.left)
    np.testing.assert_array_equal(found.right, expected.right)
    assert bool(shapely.equals(found.geometry, expected.geometry).all())


def test_small_overlays_run_in_process(survey: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Below local_below polygons (and without npartitions) nothing goes to Dask."""
    need_tool(_dask is not None, "the dask extra")
    sent: list[str] = []
    monkeypatch.setattr(_dask, "intersection", lambda *_a, **_k: sent.append("intersection"))
    monkeypatch.setattr(_dask, "pieces", lambda *_a, **_k: sent.append("pieces"))
    geoms = [np.asarray(f.geometry.array) for f in (survey, zones)]
    small = DaskEngine()  # 2,200 polygons < 10,000
    assert_same_pieces(small.intersection(survey, zones), overlay.intersection(survey, zones))
    assert len(small.pieces(*geoms).left) == len(overlay.pieces_of(*geoms).left)
    assert sent == []
    DaskEngine(local_below=2_200).intersection(survey, zones)
    DaskEngine(npartitions=2).pieces(*geoms)
    assert sent == ["intersection", "pieces"]


def test_odd_inputs(client: Client, survey: gpd.GeoDataFrame,
                    zones: gpd.GeoDataFrame) -> None:
    engine = DaskEngine(client=client, npartitions=3)
    moved = zones.rename_geometry("shape").set_index(zones["zone"] * 7)
    assert_same_pieces(engine.intersection(survey, moved), overlay.intersection(survey, moved))
    far = zones.set_geometry(zones.translate(100_000, 0))
    assert_same_pieces(engine.intersection(survey, far), overlay.intersection(survey, far))
    empty = survey.iloc[:0]
    assert_same_pieces(DaskEngine(client=client, local_below=0).intersection(empty, zones),
                       overlay.intersection(empty, zones))


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n_left=st.integers(1, 400), n_right=st.integers(1, 60), seed=st.integers(0, 10**6),
       npartitions=st.integers(1, 9))
def test_random_coverages(client: Client, n_left: int, n_right: int, seed: int,
                          npartitions: int) -> None:
    left = voronoi_coverage(n_left, seed=seed).rename(columns={"cell_id": "a"})
    right = voronoi_coverage(n_right, seed=seed + 1).rename(columns={"cell_id": "b"})
    got = DaskEngine(client=client, npartitions=npartitions).intersection(left, right)
    assert_same_pieces(got, overlay.intersection(left, right))
    assert float(got.area.sum()) == pytest.approx(21_000.0**2, rel=1e-9)


# --- GeoParquet and Dask inputs ----------------------------------------------------------


@pytest.fixture(scope="module")
def survey_parquet(survey: gpd.GeoDataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The survey as four GeoParquet files (one per band of rows, like one per county)."""
    folder = tmp_path_factory.mktemp("survey")
    for i, rows in enumerate(np.array_split(np.arange(len(survey)), 4)):
        survey.iloc[rows].to_parquet(folder / f"part.{i}.parquet")
    return folder


def test_geoparquet_partitions(client: Client, survey: gpd.GeoDataFrame,
                               zones: gpd.GeoDataFrame, survey_parquet: Path) -> None:
    expected = overlay.intersection(survey, zones)
    assert dask_geopandas.read_parquet(survey_parquet).spatial_partitions is not None
    engine = DaskEngine(client=client)
    assert_same_pieces(engine.intersection(survey_parquet, zones), expected)
    shuffled = DaskEngine(client=client, npartitions=5).intersection(str(survey_parquet), zones)
    assert_same_pieces(shuffled, expected)
    both = engine.intersection(dask_geopandas.read_parquet(survey_parquet),
                               dask_geopandas.from_geopandas(zones, npartitions=3))
    # dask-geopandas turns the zones' text columns into "string" dtype (dask's
    # dataframe.convert-string); the pieces keep the dtypes the layers arrive with
    assert str(both["kind_2"].dtype) == "string"
    assert_same_pieces(both.astype({"kind_2": "str"}), expected)


def test_counties_side_by_side_pair_only_with_themselves(client: Client,
                                                         tmp_path: Path) -> None:
    """One GeoParquet file per county: neighbouring counties' extents only touch, so each
    county's survey meets only its own zoning."""
    surveys, zonings = [], []
    for k in range(3):
        bounds = (390_000.0 + k * 5_000, 3_975_000.0, 395_000.0 + k * 5_000, 3_980_000.0)
        cells = voronoi_coverage(150, bounds=bounds, seed=40 + k)
        zones = voronoi_coverage(15, bounds=bounds, seed=50 + k)
        surveys.append(cells.assign(patch=cells.pop("cell_id") + 1000 * k))
        zonings.append(zones.assign(zone=zones.pop("cell_id") + 1000 * k))
        (tmp_path / "s").mkdir(exist_ok=True)
        (tmp_path / "z").mkdir(exist_ok=True)
        surveys[-1].to_parquet(tmp_path / "s" / f"county{k}.parquet")
        zonings[-1].to_parquet(tmp_path / "z" / f"county{k}.parquet")
    engine = DaskEngine(client=client)
    lazy = engine.lazy_intersection(tmp_path / "s", tmp_path / "z")
    assert lazy.npartitions == 3
    survey = gpd.GeoDataFrame(pd.concat(surveys, ignore_index=True), crs=surveys[0].crs)
    zoning = gpd.GeoDataFrame(pd.concat(zonings, ignore_index=True), crs=zonings[0].crs)
    assert_same_pieces(engine.intersection(tmp_path / "s", tmp_path / "z"),
                       overlay.intersection(survey, zoning))


def test_invalid_geometry_in_parquet_is_reported_with_its_row(
        client: Client, survey: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
        tmp_path: Path) -> None:
    bad = survey.copy()
    bow_tie = shapely.Polygon([(397_000, 3_983_000), (397_100, 3_983_100),
                               (397_100, 3_983_000), (397_000, 3_983_100)])
    bad.loc[1500, "geometry"] = bow_tie
    for i, rows in enumerate(np.array_split(np.arange(len(bad)), 3)):
        bad.iloc[rows].to_parquet(tmp_path / f"part.{i}.parquet")
    with pytest.raises(GeometryError, match=r"row 1500.*Self-intersection"):
        DaskEngine(client=client).intersection(tmp_path, zones)


def test_bad_input_is_refused_clearly(client: Client, survey: gpd.GeoDataFrame,
                                      zones: gpd.GeoDataFrame) -> None:
    engine = DaskEngine(client=client, local_below=0)  # every overlay through Dask
    with pytest.raises(CRSError, match="CRS mismatch"):
        engine.intersection(survey, zones.to_crs(4547))
    lines = zones.set_geometry(zones.boundary)
    with pytest.raises(GeometryError, match="LineString"):
        engine.intersection(survey, lines)
    with pytest.raises(TypeError, match="GeoParquet"):
        engine.intersection(survey, 42)
    clash = survey.assign(**{DaskEngine.LEFT_POSITION: 1})
    with pytest.raises(GeometryError, match="keeps for itself"):
        engine.intersection(clash, zones)
    with pytest.raises(InputError, match=r"client must be a distributed\.Client, got str"):
        DaskEngine(client="tcp://scheduler:8786")
    with pytest.raises(InputError, match="npartitions must be None or a whole number"):
        DaskEngine(npartitions=0)


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch, survey: gpd.GeoDataFrame,
                                zones: gpd.GeoDataFrame, sample_ro: Workspace) -> None:
    need_tool(_dask is not None, "the dask extra")
    monkeypatch.setitem(sys.modules, "dask_geopandas", None)
    extra = r"needs dask_geopandas.*pip install 'planning\[dask\]'"
    with pytest.raises(ImportError, match=extra):
        DaskEngine()
    with pytest.raises(ImportError, match=extra):
        overlay.intersection(survey, zones, engine="dask")
    import planning

    with pytest.raises(ImportError, match=extra):
        planning.check_conformity(sample_ro, engine="dask")
    assert isinstance(overlay.get_engine("local"), LocalEngine)  # the local engine needs none


# --- the conformity check ----------------------------------------------------------------


def assert_same_report_part(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    """The same patches (or projects) in the same order, areas equal to rounding."""
    assert list(a.columns) == list(b.columns)
    attrs = [c for c in b.columns if c not in (b.geometry.name, "area_m2", "area_mu",
                                                "area_ha", "site_area_m2", "site_area_mu")]
    pd.testing.assert_frame_equal(pd.DataFrame(a[attrs]), pd.DataFrame(b[attrs]))
    np.testing.assert_allclose(a.area.to_numpy(), b.area.to_numpy(), rtol=1e-9, atol=1e-6)
    assert bool(shapely.equals(a.geometry.values, b.geometry.values).all())


def assert_same_report(got: object, expected: object) -> None:
    from planning.conformity import ConformityReport

    assert isinstance(got, ConformityReport)
    assert isinstance(expected, ConformityReport)
    for name in ("discrepancies", "projects"):
        assert_same_report_part(getattr(got, name), getattr(expected, name))
    patches = got.discrepancies
    np.testing.assert_allclose(patches["area_m2"], expected.discrepancies["area_m2"],
                               rtol=1e-9, atol=1e-6)
    pd.testing.assert_frame_equal(got.by_township, expected.by_township, rtol=1e-9, atol=1e-6)
    pd.testing.assert_series_equal(got.areas, expected.areas, rtol=1e-12)
    pd.testing.assert_frame_equal(got.reasons, expected.reasons, rtol=1e-9, atol=1e-6)


def test_conformity_on_the_sample(client: Client, sample_ro: Workspace) -> None:
    import planning

    expected = planning.check_conformity(sample_ro)
    got = planning.check_conformity(sample_ro, engine=DaskEngine(client=client, npartitions=3))
    assert_same_report(got, expected)
    assert bool(got.conflicts["area_m2"].sum() > 0)
    # by name: the current client (small overlays then run in-process)
    assert_same_report(planning.check_conformity(sample_ro, engine="dask"), expected)


def test_conformity_on_generated_plans(client: Client, sample_ro: Workspace) -> None:
    import planning

    urban_codes = np.array(["R2", "M1", "E2", "G1", "S1", "E12", "A1", "B1"])
    land_codes = np.array(["11", "211", "13", "212", "222", "226", "311", "12"])
    zone_codes = np.array(["010", "020", "030", "040", "070", "990"])
    urban = voronoi_coverage(300, seed=31).rename(columns={"cell_id": "zone_id"})
    urban["class_code"] = urban_codes[urban["zone_id"] % len(urban_codes)]
    urban["zone_id"] = "U" + urban["zone_id"].astype(str)
    land = voronoi_coverage(1000, seed=32).rename(columns={"cell_id": "patch_id"})
    land["class_code"] = land_codes[(land["patch_id"] * 7) % len(land_codes)]
    land["landuse_zone"] = zone_codes[(land["patch_id"] * 5) % len(zone_codes)]
    land["patch_id"] = "L" + land["patch_id"].astype(str)
    townships = voronoi_coverage(9, seed=33).rename(columns={"cell_id": "code"})
    townships["name_zh"] = [f"镇{i}" for i in range(9)]
    ws = Workspace({"urban_plan": urban, "landuse_plan": land, "townships": townships,
                    "projects": sample_ro["projects"],
                    "control_lines": sample_ro["control_lines"]})
    expected = planning.check_conformity(ws)
    got = planning.check_conformity(ws, engine=DaskEngine(client=client, npartitions=4))
    assert_same_report(got, expected)
    # the parts alone, by name with the current client and the default partitions
    patches = planning.discrepancies(urban, land, townships=townships, engine="dask")
    assert_same_report_part(patches, planning.discrepancies(urban, land, townships=townships))
    review = planning.check_projects(sample_ro["projects"], urban_plan=urban, landuse_plan=land,
                                     control_lines=sample_ro["control_lines"],
                                     engine=DaskEngine(client=client, local_below=0))
    assert_same_report_part(review, expected.projects)
    codes = set(got.discrepancies["code"].dropna())
    assert codes == {"01", "02", "03", "04"}
    both = got.discrepancies.loc[got.discrepancies["code"].notna(), "planar_area_m2"].sum()
    assert float(both) == pytest.approx(21_000.0**2, rel=1e-9)
